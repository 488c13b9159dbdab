"""The dates an apprenticeship plan may hold, and date arithmetic on them that never overflows.

The profile's start date and planned end of the practical period, and the breaks in learning,
feed date arithmetic on nearly every page: the end moved later by the breaks, the weeks of the
practical period, the pace. Python's dates stop at 31 December 9999, so one typed or imported
``9999-12-31`` once made that arithmetic raise ``OverflowError`` and broke the dashboard and
the profile page for good, and the break could only be removed on the broken page. Two
defences, both here so that the forms and the import check exactly the same rules:

* **Bounds** (the forms call these, and the import checks every date it reads with
  :func:`date_problem`):
  - every plan date lies from :data:`EARLIEST_DATE` (1990, as for activities) to
    :data:`LATEST_DATE` (the end of 2099): far past any apprenticeship that starts while this
    app is in use, and far enough from the end of the calendar that any arithmetic on these
    dates stays ordinary (:func:`date_problem`);
  - the practical period lasts at most :data:`MAX_PRACTICAL_YEARS` years: the rules ask for
    at least 8 or 12 months, real plans run 1 to 5 years, so an end further away is a typo
    (:func:`practical_period_problem`);
  - a break in learning ends at most :data:`BREAK_REACH_YEARS` years after the planned end:
    a break only moves the end by its own length, and one reaching further is a typo too
    (:func:`break_end_problem`; form only, see its docstring).
* **Saturating arithmetic** (:func:`add_days`, :func:`add_months`): whatever is stored (a
  database from before these bounds, a hand-edited file), sums past the last date give the
  last date instead of an exception, so no page can fail on a date.

Pure logic: no Flask, no SQL.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from otj_desktop.domain.activities import EARLIEST_DATE

LATEST_DATE = date(2099, 12, 31)
MAX_PRACTICAL_YEARS = 10
BREAK_REACH_YEARS = 10

__all__ = [
    "BREAK_REACH_YEARS",
    "EARLIEST_DATE",
    "LATEST_DATE",
    "MAX_PRACTICAL_YEARS",
    "add_days",
    "add_months",
    "add_years",
    "break_end_problem",
    "date_problem",
    "practical_period_problem",
]


def add_days(day: date, days: int) -> date:
    """``day`` plus ``days`` (which may be negative), held at the first or last date Python
    knows instead of raising ``OverflowError``."""
    if days >= 0:
        room = (date.max - day).days
        return date.max if days > room else day + timedelta(days=days)
    room = (day - date.min).days
    return date.min if -days > room else day - timedelta(days=-days)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day if it is shorter: 31 Jan + 1 month
    is 28 or 29 Feb), held at the first or last date Python knows."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 Feb becomes 28 Feb), held within the calendar."""
    return add_months(day, 12 * years)


def date_problem(day: date) -> str | None:
    """Why ``day`` cannot be a date of the plan (or of anything else the app stores), or None."""
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        return f"Enter a date from {EARLIEST_DATE.year} to {LATEST_DATE.year}."
    return None


def practical_period_problem(start: date | None, end: date | None) -> str | None:
    """Why ``end`` cannot be the planned end of a practical period from ``start``, or None.

    Both may be missing (the profile is filled in bit by bit); then only the dates themselves
    are checked. The message is about the planned end, the date that is usually mistyped.
    """
    for day in (start, end):
        if day is not None and (problem := date_problem(day)):
            return problem
    if start is None or end is None:
        return None
    if end <= start:
        return "The planned end must be after the start date."
    if end > add_years(start, MAX_PRACTICAL_YEARS):
        return (
            f"The planned end must be within {MAX_PRACTICAL_YEARS} years of the start date: "
            "check the year."
        )
    return None


def break_end_problem(end: date, *, start: date | None, practical_end: date | None) -> str | None:
    """Why a break in learning cannot end on ``end``, or None; ``start`` and ``practical_end``
    are the apprenticeship's (either may be unknown yet).

    For the form only. An import checks each break's dates with :func:`date_problem` (and that
    the end is not before the start), not against the profile: the profile can change after a
    break is added, so a break that was fine then must not make the export impossible to import.
    """
    if problem := date_problem(end):
        return problem
    if start is not None and end < start:
        return "This break ends before your apprenticeship starts."
    if practical_end is not None and end > add_years(practical_end, BREAK_REACH_YEARS):
        return (
            f"A break must end within {BREAK_REACH_YEARS} years of the planned end of your "
            "practical period: check the year."
        )
    return None
