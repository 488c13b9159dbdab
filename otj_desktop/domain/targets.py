"""The apprentice's OTJ target put together from their profile: minimum, warnings, end, pace.

:mod:`otj_hours` and :mod:`pace` hold the rules; this module only decides which figures feed
them and what to say when some are missing, so the calculator page, the first-run step and the
dashboard all show the same numbers. Breaks in learning that end before the apprenticeship
starts are dropped and ones that begin before it are clipped, as :func:`adjusted_end` expects.

Pure logic: no Flask, no SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from otj_desktop.domain import plan_dates
from otj_desktop.domain.activities import clean_line, parse_date
from otj_desktop.domain.form_errors import FormErrors
from otj_desktop.domain.otj_hours import (
    Break,
    MinimumHours,
    OtjRule,
    adjusted_end,
    merge_breaks,
    minimum_otj_hours,
    planned_hours_warnings,
    rule_for_start,
)
from otj_desktop.domain.pace import Pace, compute_pace

NEED_DATES = (
    "Enter your apprenticeship start date and the planned end of the practical period to see "
    "which rule applies and your minimum hours."
)
NEED_PLANNED = (
    "Enter the planned off-the-job hours from your training plan: they are your real target, "
    "and must be at least the minimum."
)


@dataclass(frozen=True)
class TargetInputs:
    """The profile's figures that the target depends on."""

    start: date | None
    practical_end: date | None
    weekly_hours: float | None
    rpl_hours: float
    planned_hours: float | None
    standard_minimum: float | None  # the standard's published minimumHoursForCompliance
    plan_minimum: float | None = None  # the training plan's own figure, when it differs
    breaks: tuple[Break, ...] = field(default=())


@dataclass(frozen=True)
class TargetWorking:
    """What the calculator shows: the rule, the minimum with its steps, warnings, the end date.

    ``problem`` says why there is no minimum yet (missing or impossible figures); ``warnings``
    are about the planned hours; ``planned_end`` is the end of the practical period moved
    later by the breaks in learning (``None`` without dates).
    """

    inputs: TargetInputs
    rule: OtjRule | None
    minimum: MinimumHours | None
    problem: str | None
    warnings: tuple[str, ...]
    planned_end: date | None
    break_days: int  # how many days the breaks moved the end

    @property
    def target_hours(self) -> float | None:
        """The hours the apprentice works towards: the planned hours from the training plan."""
        return self.inputs.planned_hours


def counted_breaks(start: date | None, breaks: Sequence[Break]) -> list[Break]:
    """The breaks merged, without any part before ``start``."""
    if start is None:
        return merge_breaks(breaks)
    return merge_breaks(Break(max(b.start, start), b.end) for b in breaks if b.end >= start)


def work_out(inputs: TargetInputs) -> TargetWorking:
    """Pick the rule, work out the minimum, and check the planned hours against it."""
    start, end = inputs.start, inputs.practical_end
    rule = rule_for_start(start) if start else None
    minimum, problem = None, None
    if start is None or end is None:
        problem = NEED_DATES
    else:
        figure = inputs.plan_minimum
        try:
            minimum = minimum_otj_hours(
                start=start,
                practical_end=end,
                weekly_hours=inputs.weekly_hours,
                standard_minimum=figure if figure is not None else inputs.standard_minimum,
                rpl_hours=inputs.rpl_hours,
                minimum_from_plan=figure is not None,
            )
        except ValueError as exc:
            problem = str(exc)
    if minimum is not None:
        warnings = planned_hours_warnings(inputs.planned_hours, minimum)
    else:
        warnings = [NEED_PLANNED] if inputs.planned_hours is None else []

    planned_end = adjusted_end(end, counted_breaks(start, inputs.breaks)) if end else None
    return TargetWorking(
        inputs=inputs,
        rule=rule,
        minimum=minimum,
        problem=problem,
        warnings=tuple(warnings),
        planned_end=planned_end,
        break_days=(planned_end - end).days if planned_end and end else 0,
    )


def pace_for(
    inputs: TargetInputs, *, hours_done: float, hours_last_8_weeks: float, today: date
) -> Pace | None:
    """The pace on ``today``, or ``None`` until the dates and planned hours are set."""
    start, end, planned = inputs.start, inputs.practical_end, inputs.planned_hours
    if start is None or end is None or end <= start or not planned or planned <= 0:
        return None
    return compute_pace(
        start=start,
        planned_end=end,
        breaks=list(inputs.breaks),
        planned_hours=planned,
        hours_done=hours_done,
        hours_last_8_weeks=hours_last_8_weeks,
        today=today,
    )


BREAK_REASON_MAX = 200


class InvalidBreak(FormErrors):
    """The break form has problems."""


def validate_break(
    fields: Mapping[str, str],
    *,
    apprenticeship_start: date | None,
    practical_end: date | None = None,
) -> tuple[date, date, str]:
    """A break in learning from the form (``break_start``, ``break_end``, ``break_reason``).

    Both dates are required (either ISO or day first) and inclusive, from 1990 to 2099; the end
    may not come before the start, nor before the apprenticeship starts, nor more than 10 years
    after the planned end (``practical_end``, when known): see :mod:`plan_dates` for why.
    Raises :class:`InvalidBreak`.
    """
    errors: dict[str, str] = {}

    def day(name: str, missing: str) -> date | None:
        raw = fields.get(name, "")
        raw = raw.strip() if isinstance(raw, str) else ""
        if not raw:
            errors[name] = missing
            return None
        try:
            value = parse_date(raw, today=date.max)
        except ValueError as exc:
            errors[name] = str(exc)
            return None
        if problem := plan_dates.date_problem(value):
            errors[name] = problem
            return None
        return value

    start = day("break_start", "Enter the first day of the break.")
    end = day("break_end", "Enter the last day of the break.")
    if start and end and end < start:
        errors["break_end"] = "The last day must not be before the first day."
    elif end and (
        problem := plan_dates.break_end_problem(
            end, start=apprenticeship_start, practical_end=practical_end
        )
    ):
        errors["break_end"] = problem
    raw_reason = fields.get("break_reason", "")
    reason = clean_line(raw_reason if isinstance(raw_reason, str) else "")
    if len(reason) > BREAK_REASON_MAX:
        errors["break_reason"] = f"Keep the reason to {BREAK_REASON_MAX} characters or fewer."
    if errors:
        raise InvalidBreak(errors)
    assert start is not None and end is not None
    return start, end, reason
