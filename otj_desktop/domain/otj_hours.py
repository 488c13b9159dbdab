"""Minimum off-the-job (OTJ) training hours in England, with the working shown step by step.

The rule depends on the apprenticeship start date (DfE/ESFA apprenticeship funding rules,
2022-23 to 2025-26):

* started before 1 August 2022: ``20% x H x (W - L)``;
* started 1 August 2022 to 31 July 2025: ``20% x min(H, 30) x (W - L)``;
* started on or after 1 August 2025: the fixed minimum published for the standard (its
  ``minimumHoursForCompliance``), whatever the hours or the duration.

H is contracted weekly hours; W the whole weeks from the start to the planned end of the
practical period (``days // 7``, the end-point assessment does not count); L the statutory
leave in that time, ``5.6 x W / 52`` weeks, never rounded. Recognised prior learning (RPL)
reduces the minimum.

Everything here keeps full precision; :func:`round_hours` is the one place hours are rounded,
for display. The apprentice's real target is the planned hours in their training plan, which
must be at least the minimum (:func:`planned_hours_warnings`). Breaks in learning move the
planned end later (:func:`adjusted_end`) but never change the minimum.

Pure logic: no Flask, no SQL, no I/O.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal

from otj_desktop.domain.plan_dates import add_days, add_months

RULE_2022_FROM = date(2022, 8, 1)
RULE_2025_FROM = date(2025, 8, 1)
OTJ_SHARE = 0.2
WEEKLY_HOURS_CAP = 30.0
STATUTORY_LEAVE_WEEKS_PER_YEAR = 5.6
WEEKS_PER_YEAR = 52
RPL_FLOOR_HOURS = 187.0
HOURS_IN_A_WEEK = 168.0

UNKNOWN_STANDARD_MINIMUM_NOTE = (
    "The standard's published minimum is not known: enter it from your training plan or "
    "import the official standard file."
)


class OtjRule(enum.Enum):
    """Which minimum-hours rule applies; the value is a stable id to store."""

    BEFORE_AUG_2022 = "before_aug_2022"
    AUG_2022_TO_JUL_2025 = "aug_2022_to_jul_2025"
    FROM_AUG_2025 = "from_aug_2025"

    @property
    def label(self) -> str:
        """A short heading for the rule, e.g. "Started before 1 August 2022"."""
        return _RULE_LABELS[self]

    @property
    def fixed(self) -> bool:
        """Whether the minimum is a fixed figure per standard (not worked out from hours)."""
        return self is OtjRule.FROM_AUG_2025

    @property
    def description(self) -> str:
        """One plain-English sentence saying how the minimum is worked out."""
        return _RULE_DESCRIPTIONS[self]


_RULE_LABELS = {
    OtjRule.BEFORE_AUG_2022: "Started before 1 August 2022",
    OtjRule.AUG_2022_TO_JUL_2025: "Started 1 August 2022 to 31 July 2025",
    OtjRule.FROM_AUG_2025: "Started on or after 1 August 2025",
}

_RULE_DESCRIPTIONS = {
    OtjRule.BEFORE_AUG_2022: (
        "20% of your contracted weekly hours for every week of the practical period, "
        "after taking out statutory leave."
    ),
    OtjRule.AUG_2022_TO_JUL_2025: (
        "20% of your contracted weekly hours, counting at most 30 hours a week, for every week "
        "of the practical period, after taking out statutory leave."
    ),
    OtjRule.FROM_AUG_2025: (
        "A fixed number of hours set for your apprenticeship standard, whatever your hours or "
        "how long it lasts; prior learning can reduce it, but not below 187 hours."
    ),
}


@dataclass(frozen=True)
class Step:
    """One line of the working: what it is, how it was worked out, the result and its unit."""

    label: str
    expression: str
    value: float
    unit: str


@dataclass(frozen=True)
class Break:
    """A break in learning: a dated period off programme, both dates inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError("A break in learning must not end before it starts.")

    @property
    def days(self) -> int:
        """Length of the break in days, counting both the first and the last day."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class MinimumHours:
    """The minimum OTJ hours for one apprentice, with the working.

    ``minimum_hours`` is ``None`` only when the from-August-2025 rule applies and the standard's
    published minimum is not known. ``weekly_average`` is the minimum spread over the weeks of
    learning (weeks minus statutory leave), for "about N hours a week".
    """

    rule: OtjRule
    weeks: int
    leave_weeks: float
    counted_weekly_hours: float | None
    minimum_before_rpl: float | None
    rpl_hours: float
    minimum_hours: float | None
    floor_applied: bool
    steps: tuple[Step, ...]
    notes: tuple[str, ...]
    weekly_average: float | None = None


def rule_for_start(start: date) -> OtjRule:
    """Return the minimum-hours rule for an apprenticeship that started on ``start``."""
    if start < RULE_2022_FROM:
        return OtjRule.BEFORE_AUG_2022
    if start < RULE_2025_FROM:
        return OtjRule.AUG_2022_TO_JUL_2025
    return OtjRule.FROM_AUG_2025


def round_hours(x: float) -> float:
    """Round hours to one decimal place for display, halves away from zero (0.25 -> 0.3).

    Binary floating point turns 0.25 into 0.2 under ``round``; this goes through ``Decimal``
    instead, after first dropping noise beyond the ninth decimal so that a value computed as
    0.34999999999999998 still rounds as 0.35 would. Raises ValueError for NaN or infinity.
    """
    if not math.isfinite(x):
        raise ValueError("Hours must be a finite number.")
    context = Context(prec=400)  # enough digits for any finite float at 9 decimals
    exact = context.quantize(Decimal(repr(float(x))), Decimal("1e-9"))
    rounded = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP, context=context)
    return float(rounded) + 0.0  # + 0.0 turns -0.0 into 0.0


def minimum_otj_hours(
    *,
    start: date,
    practical_end: date,
    weekly_hours: float | None,
    standard_minimum: float | None,
    rpl_hours: float = 0,
    minimum_from_plan: bool = False,
) -> MinimumHours:
    """Work out the minimum OTJ hours and the steps of the working.

    ``practical_end`` is the planned end of the practical period as first planned: breaks in
    learning move the end date but not the minimum. ``standard_minimum`` is the standard's
    ``minimumHoursForCompliance`` (only used, and only checked, for starts from 1 August 2025;
    ``None`` when unknown); with ``minimum_from_plan`` it is the figure the training plan gives
    instead (a transitional minimum, or a standard whose figure is not on file), and the working
    says so. ``rpl_hours`` are the hours taken off for recognised prior learning, as the
    training plan states them. ``weekly_hours`` may be ``None`` from August 2025, when the
    minimum no longer depends on them.

    Reading of the rules for RPL: every rule subtracts the RPL hours. Only the from-August-2025
    rule has an hour floor: RPL cannot take the minimum below 187 hours (and cannot reduce at
    all a published minimum that is already below 187). The earlier rules have no hour floor,
    because there RPL shortens the practical period and what limits it is the minimum duration
    of 12 months, which the provider checks; so the result is only kept from going below zero.

    Raises ValueError, with a sentence to show the apprentice, when the practical period is
    shorter than one whole week, when the weekly hours are missing (before August 2025) or not
    a number above 0 and at most 168, when the RPL hours are negative or not finite, or (from
    August 2025) when a known standard minimum is not a finite number above 0.
    """
    rule = rule_for_start(start)
    _check_inputs(start, practical_end, weekly_hours, rpl_hours, needs_hours=not rule.fixed)
    if rule is OtjRule.FROM_AUG_2025 and standard_minimum is not None:
        _check_standard_minimum(standard_minimum)
    rpl = float(rpl_hours)

    days = (practical_end - start).days
    weeks = days // 7
    leave = STATUTORY_LEAVE_WEEKS_PER_YEAR * weeks / WEEKS_PER_YEAR
    steps = [
        Step(
            "Weeks in the practical period", f"{days} days ÷ 7, whole weeks", float(weeks), "weeks"
        ),
        Step("Statutory leave", f"5.6 × {weeks} ÷ 52", leave, "weeks"),
    ]
    notes: list[str] = []

    counted: float | None = None
    before_rpl: float | None
    if rule is OtjRule.FROM_AUG_2025:
        before_rpl = None if standard_minimum is None else float(standard_minimum)
        if before_rpl is None:
            notes.append(UNKNOWN_STANDARD_MINIMUM_NOTE)
        else:
            steps.append(
                Step(
                    "Minimum in your training plan",
                    "as your training plan states it",
                    before_rpl,
                    "hours",
                )
                if minimum_from_plan
                else Step(
                    "Standard's published minimum",
                    "the standard's minimumHoursForCompliance",
                    before_rpl,
                    "hours",
                )
            )
        if start <= date(2025, 12, 31):
            notes.append(
                "Some standards had a lower, transitional minimum for starts from August to "
                "December 2025: check the figure in your training plan."
            )
    else:
        assert weekly_hours is not None  # _check_inputs insists on them for this rule
        counted, counted_expression = _counted_weekly_hours(rule, float(weekly_hours))
        before_rpl = OTJ_SHARE * counted * (weeks - leave)
        steps.append(Step("Hours counted per week", counted_expression, counted, "hours"))
        steps.append(
            Step(
                "Minimum OTJ hours",
                f"20% × {_fmt(counted)} × ({weeks} − {_fmt(leave)})",
                before_rpl,
                "hours",
            )
        )

    minimum, floor_applied = before_rpl, False
    if before_rpl is not None and rpl > 0:
        minimum, floor_applied, rpl_steps, rpl_notes = _apply_rpl(rule, before_rpl, rpl)
        steps.extend(rpl_steps)
        notes.extend(rpl_notes)

    weekly_average = None
    if minimum is not None:
        weekly_average = minimum / (weeks - leave)
        steps.append(
            Step(
                "Average per week of learning",
                f"{_fmt(minimum)} ÷ ({weeks} − {_fmt(leave)})",
                weekly_average,
                "hours",
            )
        )

    short_note = _duration_note(rule, start, practical_end)
    if short_note:
        notes.append(short_note)

    return MinimumHours(
        rule=rule,
        weeks=weeks,
        leave_weeks=leave,
        counted_weekly_hours=counted,
        minimum_before_rpl=before_rpl,
        rpl_hours=rpl,
        minimum_hours=minimum,
        floor_applied=floor_applied,
        steps=tuple(steps),
        notes=tuple(notes),
        weekly_average=weekly_average,
    )


def planned_hours_warnings(planned: float | None, minimum: MinimumHours) -> list[str]:
    """Return warnings about the planned OTJ hours (the real target); empty when all is well.

    Warns when the planned hours are missing, and when they are below the minimum as shown to
    one decimal (so 278.4 planned against a minimum of 278.4000001 is fine). Nothing is said
    about an unknown minimum here: ``minimum.notes`` already explains it. Raises ValueError
    when ``planned`` is negative or not finite.
    """
    if planned is None:
        return [
            "Enter the planned off-the-job hours from your training plan: they are your real "
            "target, and must be at least the minimum."
        ]
    if not math.isfinite(planned) or planned < 0:
        raise ValueError("Planned hours must be a number of hours, 0 or more.")
    if minimum.minimum_hours is None:
        return []
    shown_minimum = round_hours(minimum.minimum_hours)
    if round_hours(planned) < shown_minimum:
        return [
            f"The planned {round_hours(planned):.1f} hours are below the minimum of "
            f"{shown_minimum:.1f} hours: ask your training provider to check your training plan."
        ]
    return []


def merge_breaks(breaks: Iterable[Break]) -> list[Break]:
    """Return the breaks sorted by start, with overlapping or touching breaks merged into one.

    A break may end on the last date there is (stored before dates were bounded, see
    :mod:`plan_dates`): the arithmetic saturates rather than overflows.
    """
    merged: list[Break] = []
    for brk in sorted(breaks, key=lambda b: (b.start, b.end)):
        if merged and brk.start <= add_days(merged[-1].end, 1):
            if brk.end > merged[-1].end:
                merged[-1] = Break(merged[-1].start, brk.end)
        else:
            merged.append(brk)
    return merged


def adjusted_end(practical_end: date, breaks: Iterable[Break]) -> date:
    """Return the planned end of the practical period moved later by the breaks in learning.

    Each break moves the end by its length in days. Only breaks that start on or before the
    end count, and the end moves as they are counted (a break starting the day after the
    first planned end counts if an earlier break has already moved the end past it).
    Overlapping breaks are merged, so no day is counted twice. Breaks should lie after the
    apprenticeship start; callers drop or clip any that do not. An end that would pass the
    last date there is stays on it (:func:`~otj_desktop.domain.plan_dates.add_days`): only
    dates from before the bounds of :mod:`plan_dates` can get there, and a page must still show.
    """
    end = practical_end
    for brk in merge_breaks(breaks):
        if brk.start > end:
            break  # sorted: every later break starts later still
        end = add_days(end, brk.days)
    return end


def _check_inputs(
    start: date,
    practical_end: date,
    weekly_hours: float | None,
    rpl_hours: float,
    *,
    needs_hours: bool,
) -> None:
    if practical_end <= start:
        raise ValueError("The planned end of the practical period must be after the start date.")
    if (practical_end - start).days < 7:
        raise ValueError("The practical period must last at least one whole week.")
    if weekly_hours is None:
        if needs_hours:
            raise ValueError(
                "Enter your contracted weekly hours: the minimum for your start date "
                "depends on them."
            )
    elif not math.isfinite(weekly_hours) or weekly_hours <= 0:
        raise ValueError("Contracted weekly hours must be a number of hours above 0.")
    elif weekly_hours > HOURS_IN_A_WEEK:
        raise ValueError("Contracted weekly hours cannot be more than the 168 hours in a week.")
    if not math.isfinite(rpl_hours) or rpl_hours < 0:
        raise ValueError("Hours for recognised prior learning must be a number, 0 or more.")


def _check_standard_minimum(standard_minimum: float) -> None:
    if not math.isfinite(standard_minimum) or standard_minimum <= 0:
        raise ValueError("The standard's published minimum must be a number of hours above 0.")


def _counted_weekly_hours(rule: OtjRule, weekly_hours: float) -> tuple[float, str]:
    if rule is OtjRule.BEFORE_AUG_2022:
        return weekly_hours, f"{_fmt(weekly_hours)}, all contracted hours count"
    return min(weekly_hours, WEEKLY_HOURS_CAP), f"min({_fmt(weekly_hours)}, 30)"


def _apply_rpl(
    rule: OtjRule, before: float, rpl: float
) -> tuple[float, bool, list[Step], list[str]]:
    """Subtract RPL hours: returns (minimum, floor_applied, steps, notes)."""
    steps = [
        Step("Recognised prior learning", "hours taken off in your training plan", rpl, "hours")
    ]
    reduced = before - rpl
    if rule is OtjRule.FROM_AUG_2025:
        floor = min(before, RPL_FLOOR_HOURS)
        if reduced >= floor:
            steps.append(
                Step(
                    "Minimum after prior learning",
                    f"{_fmt(before)} − {_fmt(rpl)}",
                    reduced,
                    "hours",
                )
            )
            return reduced, False, steps, []
        steps.append(
            Step(
                "Minimum after prior learning",
                f"max({_fmt(before)} − {_fmt(rpl)}, 187)",
                floor,
                "hours",
            )
        )
        if before <= RPL_FLOOR_HOURS:
            note = (
                "The standard's minimum is already 187 hours or less, so prior learning "
                "cannot reduce it."
            )
        else:
            note = "Prior learning cannot take the minimum below 187 hours, so 187 hours applies."
        return floor, True, steps, [note]
    if reduced >= 0:
        steps.append(
            Step("Minimum after prior learning", f"{_fmt(before)} − {_fmt(rpl)}", reduced, "hours")
        )
        return reduced, False, steps, []
    steps.append(
        Step("Minimum after prior learning", f"max({_fmt(before)} − {_fmt(rpl)}, 0)", 0.0, "hours")
    )
    note = (
        "The prior learning hours are more than the whole minimum: check them with your "
        "training provider."
    )
    return 0.0, False, steps, [note]


def _duration_note(rule: OtjRule, start: date, practical_end: date) -> str | None:
    """A note when the practical period is shorter than the minimum duration of the rule."""
    months = 8 if rule is OtjRule.FROM_AUG_2025 else 12
    if practical_end >= add_days(add_months(start, months), -1):
        return None
    started = "on or after" if rule is OtjRule.FROM_AUG_2025 else "before"
    return (
        f"The practical period is shorter than {months} months, the shortest an apprenticeship "
        f"starting {started} 1 August 2025 can last: check the dates in your training plan."
    )


def _fmt(x: float) -> str:
    """A number for the working: whole numbers bare, others to at most two decimals."""
    value = Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
