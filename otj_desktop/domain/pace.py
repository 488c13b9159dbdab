"""Pace against the planned off-the-job (OTJ) hours: where the apprentice should be by today.

Training providers show "expected by today" as the planned hours spread evenly over the
practical period (planned hours x time elapsed / length of the practical period; see the DfE
apprenticeship funding rules and the providers' guidance). Here time is counted in learning
days: breaks in learning (dated periods off programme) move the planned end later and their
days count neither as elapsed nor as part of the period, so a break neither puts the
apprentice behind nor asks for extra hours.

Days are counted half-open: the period runs from the start up to (not including) the
break-adjusted end, and "elapsed" means the days before today. So on the start date nothing is
expected yet, and on the end date all the planned hours are.

Pure logic: no Flask, no SQL, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from otj_desktop.domain.dates import uk_date
from otj_desktop.domain.otj_hours import Break, adjusted_end, merge_breaks, round_hours
from otj_desktop.domain.plan_dates import add_days

PaceStatus = Literal["ahead", "on_track", "behind", "not_started", "finished"]

RECENT_WEEKS = 8
ON_TRACK_SHARE = 0.02  # within 2% of the planned hours...
ON_TRACK_MIN_HOURS = 1.0  # ...or 1 hour, whichever is larger, counts as on track
_EPSILON = 1e-9  # float noise when comparing sums of logged hours


@dataclass(frozen=True)
class Pace:
    """Where the apprentice is against their planned OTJ hours on one day.

    ``ahead_by`` is negative when behind. ``needed_per_week`` is 0 once the planned hours are
    reached and ``None`` when they are not but no learning time is left. ``projected_finish``
    is ``None`` when nothing was logged recently, when the planned hours are already reached,
    or when the date would be beyond the calendar. The other fields are there for the
    dashboard's sentence (see :func:`describe_pace`).
    """

    expected_by_today: float
    ahead_by: float
    needed_per_week: float | None
    weeks_left: float
    projected_finish: date | None
    status: PaceStatus
    start: date
    planned_end: date  # moved later by the breaks in learning
    planned_hours: float
    hours_done: float
    remaining_hours: float
    recent_weekly_hours: float
    fraction_elapsed: float
    tolerance: float
    on_break: bool

    @property
    def finishes_on_time(self) -> bool | None:
        """Whether the recent pace finishes by the planned end; ``None`` with no projection."""
        if self.projected_finish is None:
            return None
        return self.projected_finish <= self.planned_end


def compute_pace(
    *,
    start: date,
    planned_end: date,
    breaks: Sequence[Break],
    planned_hours: float,
    hours_done: float,
    hours_last_8_weeks: float,
    today: date,
) -> Pace:
    """Work out the pace on ``today``.

    ``planned_end`` is the planned end of the practical period before breaks; the breaks move
    it (:func:`~otj_desktop.domain.otj_hours.adjusted_end`). Parts of breaks before ``start``
    are ignored. ``hours_last_8_weeks`` is the hours logged in the 56 days up to today.

    * Expected by today = planned hours x learning days elapsed / learning days in the period,
      so it lies between 0 and the planned hours.
    * Needed per week = hours still to do / learning weeks left (known future breaks are not
      learning weeks).
    * The recent pace is ``hours_last_8_weeks`` over the learning weeks in the last 8 weeks:
      8, unless the apprenticeship started more recently or part of that time was a break (at
      least 1 week, so one good first day does not promise an early finish). The projected
      finish runs on from today at that pace in calendar days, skipping no future breaks.
    * Status: "finished" once the planned hours are reached, else "not_started" before the
      start date, else "on_track" within the tolerance (2% of the planned hours or 1 hour,
      whichever is larger) of the expected hours, else "ahead" or "behind".

    Raises ValueError when the end is not after the start, when the planned hours are not a
    finite number above 0, or when the hours done or logged recently are negative or not
    finite.
    """
    _check_inputs(start, planned_end, planned_hours, hours_done, hours_last_8_weeks)
    planned_hours, hours_done = float(planned_hours), float(hours_done)
    counted = _breaks_from(start, breaks)
    end = adjusted_end(planned_end, counted)

    total_days = _learning_days(start, end, counted)
    elapsed_days = _learning_days(start, min(max(today, start), end), counted)
    # No learning days at all only when the end was held at the last date there is and a break
    # covers everything (dates stored before plan_dates bounded them): nothing is expected.
    fraction = elapsed_days / total_days if total_days > 0 else 0.0
    expected = planned_hours * fraction
    ahead_by = hours_done - expected
    remaining = max(planned_hours - hours_done, 0.0)
    weeks_left = (total_days - elapsed_days) / 7
    finished = hours_done >= planned_hours - _EPSILON

    recent_weeks = _recent_learning_weeks(start, today, counted)
    recent_rate = hours_last_8_weeks / recent_weeks
    tolerance = max(ON_TRACK_SHARE * planned_hours, ON_TRACK_MIN_HOURS)

    return Pace(
        expected_by_today=expected,
        ahead_by=ahead_by,
        needed_per_week=_needed_per_week(finished, remaining, weeks_left),
        weeks_left=weeks_left,
        projected_finish=None if finished else _projected_finish(today, remaining, recent_rate),
        status=_status(finished, today < start, ahead_by, tolerance),
        start=start,
        planned_end=end,
        planned_hours=planned_hours,
        hours_done=hours_done,
        remaining_hours=0.0 if finished else remaining,
        recent_weekly_hours=recent_rate,
        fraction_elapsed=fraction,
        tolerance=tolerance,
        on_break=any(b.start <= today <= b.end for b in counted),
    )


def describe_pace(pace: Pace) -> str:
    """A plain-English sentence or two for the dashboard, with hours to one decimal."""
    planned, done = _hours(pace.planned_hours), _hours(pace.hours_done)
    end = uk_date(pace.planned_end)
    if pace.status == "finished":
        return f"You have logged {done} of your {planned} planned hours: target reached."
    if pace.status == "not_started":
        return (
            f"Your apprenticeship starts on {uk_date(pace.start)}. To log {planned} hours by "
            f"{end} you will need about {_hours(pace.needed_per_week or 0)} hours a week."
        )
    if pace.needed_per_week is None:
        return (
            f"Your planned end date, {end}, has passed with {_hours(pace.remaining_hours)} "
            "hours still to log: talk to your training provider."
        )
    expected = _hours(pace.expected_by_today)
    if pace.status == "on_track":
        where = "You are on track"
    else:
        where = f"You are {_hours(abs(pace.ahead_by))} hours {pace.status}"
    parts = [
        "You are on a break in learning." if pace.on_break else "",
        f"{where}: {expected} hours were expected by today and you have logged {done}.",
        f"To finish by {end}, aim for {_hours(pace.needed_per_week)} hours a week.",
    ]
    if pace.projected_finish is None:
        parts.append("You have logged nothing in the last 8 weeks.")
    else:
        parts.append(
            f"At your pace over the last 8 weeks you would finish on "
            f"{uk_date(pace.projected_finish)}."
        )
    return " ".join(part for part in parts if part)


def _check_inputs(
    start: date, planned_end: date, planned_hours: float, hours_done: float, recent: float
) -> None:
    if planned_end <= start:
        raise ValueError("The planned end of the practical period must be after the start date.")
    if not math.isfinite(planned_hours) or planned_hours <= 0:
        raise ValueError("Planned off-the-job hours must be a number of hours above 0.")
    if not math.isfinite(hours_done) or hours_done < 0:
        raise ValueError("Hours done must be a number of hours, 0 or more.")
    if not math.isfinite(recent) or recent < 0:
        raise ValueError("Hours logged in the last 8 weeks must be a number of hours, 0 or more.")


def _breaks_from(start: date, breaks: Sequence[Break]) -> list[Break]:
    """The breaks merged, with any part before the start of the apprenticeship cut off."""
    clipped = [Break(max(b.start, start), b.end) for b in breaks if b.end >= start]
    return merge_breaks(clipped)


def _learning_days(first: date, stop: date, breaks: Sequence[Break]) -> int:
    """Days from ``first`` up to (not including) ``stop``, less the days inside breaks."""
    if stop <= first:
        return 0
    days = (stop - first).days
    for brk in breaks:  # merged, so no day is taken off twice
        overlap_start = max(first, brk.start)
        overlap_stop = min(stop, add_days(brk.end, 1))  # saturates: a break may end on date.max
        days -= max((overlap_stop - overlap_start).days, 0)
    return days


def _recent_learning_weeks(start: date, today: date, breaks: Sequence[Break]) -> float:
    window_start = max(start, add_days(today, -7 * RECENT_WEEKS))
    weeks = _learning_days(window_start, today, breaks) / 7
    return min(max(weeks, 1.0), float(RECENT_WEEKS))


def _needed_per_week(finished: bool, remaining: float, weeks_left: float) -> float | None:
    if finished:
        return 0.0
    if weeks_left <= 0:
        return None
    return remaining / weeks_left


def _projected_finish(today: date, remaining: float, weekly_rate: float) -> date | None:
    if weekly_rate <= 0:
        return None
    days = math.ceil(remaining / weekly_rate * 7 - _EPSILON)
    if days > (date.max - today).days:
        return None
    return today + timedelta(days=days)


def _status(finished: bool, before_start: bool, ahead_by: float, tolerance: float) -> PaceStatus:
    if finished:
        return "finished"
    if before_start:
        return "not_started"
    if ahead_by > tolerance:
        return "ahead"
    if ahead_by < -tolerance:
        return "behind"
    return "on_track"


def _hours(x: float) -> str:
    return f"{round_hours(x):.1f}"
