"""The gentle reminder: a prompt when nothing was logged this week, or the month is ending with
no learning logged in it.

The funding rules expect some learning in every calendar month of the practical period, and
entries logged in a rush at month end are the ones that get forgotten or run together. So the
app shows one dismissible notice (never a dialog):

* ``month``: in the last :data:`MONTH_END_DAYS` days of a month with nothing logged in it;
* ``week``: otherwise, when nothing has been logged since Monday.

A dismissed reminder stays away for the rest of its week or month (``period``). Only inside the
practical period, when the profile gives its dates. Pure logic: no clock, no database.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from otj_desktop.domain.dates import month_name

MONTH_END_DAYS = 5


@dataclass(frozen=True)
class Reminder:
    kind: str  # "week" or "month"
    period: str  # "2026-W48" or "2026-11": what dismissing it covers
    message: str


def week_period(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def month_period(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def month_is_ending(day: date) -> bool:
    """Whether ``day`` is one of the last :data:`MONTH_END_DAYS` days of its month."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day > last - MONTH_END_DAYS


def reminder_due(
    today: date,
    *,
    minutes_this_week: int,
    minutes_this_month: int,
    dismissed: Mapping[str, str],
    start: date | None = None,
    end: date | None = None,
) -> Reminder | None:
    """The reminder to show today, if any. ``dismissed`` maps a kind to the period it was last
    dismissed for; ``start`` and ``end`` bound the practical period when known."""
    if (start is not None and today < start) or (end is not None and today > end):
        return None
    if month_is_ending(today) and minutes_this_month == 0:
        period = month_period(today)
        if dismissed.get("month") != period:
            days_left = calendar.monthrange(today.year, today.month)[1] - today.day
            when = "today" if days_left == 0 else f"in {days_left} day{'s' * (days_left > 1)}"
            return Reminder(
                "month",
                period,
                f"{month_name(today)} ends {when} and no learning is logged for it yet. "
                "Some OTJ learning should be logged in every month.",
            )
    if minutes_this_week == 0:
        period = week_period(today)
        if dismissed.get("week") != period:
            return Reminder(
                "week",
                period,
                "Nothing logged this week yet. A few minutes now saves a rush at month end.",
            )
    return None
