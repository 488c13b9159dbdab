"""Checks for the apprentice's profile: dates, contracted hours and targets.

The dates are bounded as :mod:`plan_dates` explains (1990 to 2099, a practical period of at
most 10 years), the same rules the import applies.

The whole profile form goes through :func:`validate_profile`; the dashboard's in-place target
editors change one target at a time through :func:`validate_target`, with the same limits
(:data:`TARGET_LIMITS`) and messages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from otj_desktop.domain import plan_dates
from otj_desktop.domain.activities import clean_line, parse_date
from otj_desktop.domain.form_errors import FormErrors


@dataclass(frozen=True)
class ProfileInput:
    name: str
    start_date: date | None
    practical_end_date: date | None
    weekly_contracted_hours: float | None
    working_days_per_week: float | None
    planned_otj_hours: float | None
    rpl_hours: float
    weekly_target_hours: float | None
    training_target_hours: float | None = None
    plan_minimum_hours: float | None = None


class InvalidProfile(FormErrors):
    """The profile form has problems."""


# The targets that can also be changed one at a time, in place on the dashboard:
# field name -> (field name, lowest, highest, message when out of range).
TARGET_LIMITS: dict[str, tuple[str, float, float, str]] = {
    "planned_otj_hours": (
        "planned_otj_hours",
        1,
        10_000,
        "Enter the planned OTJ hours from your training plan.",
    ),
    "weekly_target_hours": (
        "weekly_target_hours",
        0.25,
        80,
        "Enter a weekly target between 0.25 and 80 hours.",
    ),
    "training_target_hours": (
        "training_target_hours",
        0.25,
        10_000,
        "Enter a training target between 0.25 and 10,000 hours, or leave it empty.",
    ),
}


def validate_profile(fields: Mapping[str, str]) -> ProfileInput:
    """Return the cleaned profile or raise :class:`InvalidProfile` with a message per field."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = fields.get(name, "")
        return value if isinstance(value, str) else ""

    def number(name: str, low: float, high: float, message: str) -> float | None:
        raw = text(name).strip()
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not low <= value <= high:
            errors[name] = message
            return None
        return value

    def optional_date(name: str) -> date | None:
        raw = text(name).strip()
        if not raw:
            return None
        try:
            return parse_date(raw, today=date.max)
        except ValueError as exc:
            errors[name] = str(exc)
            return None

    name = clean_line(text("name"))
    if len(name) > 200:
        errors["name"] = "Keep your name to 200 characters or fewer."
    start = optional_date("start_date")
    end = optional_date("practical_end_date")
    if start and (problem := plan_dates.date_problem(start)):
        errors["start_date"] = problem
        start = None
    if "practical_end_date" not in errors and (
        problem := plan_dates.practical_period_problem(start, end)
    ):
        errors["practical_end_date"] = problem
    weekly = number(
        "weekly_contracted_hours", 1, 80, "Enter your contracted hours a week (1 to 80)."
    )
    days = number("working_days_per_week", 0.5, 7, "Enter the days you work a week (0.5 to 7).")
    planned = number(*TARGET_LIMITS["planned_otj_hours"])
    rpl = (
        number("rpl_hours", 0, 10_000, "Enter the prior-learning reduction in hours, or 0.") or 0.0
    )
    target = number(*TARGET_LIMITS["weekly_target_hours"])
    training = number(*TARGET_LIMITS["training_target_hours"])
    plan_minimum = number(
        "plan_minimum_hours",
        1,
        10_000,
        "Enter the minimum hours your training plan gives, or leave this empty.",
    )
    if errors:
        raise InvalidProfile(errors)
    return ProfileInput(
        name, start, end, weekly, days, planned, rpl, target, training, plan_minimum
    )


def validate_target(name: str, raw: str) -> float | None:
    """One target from the dashboard's in-place editor: a number in range, or None if empty.

    Raises KeyError for a field that is not a target and :class:`InvalidProfile` (keyed by
    the field name) for a value out of range.
    """
    _, low, high, message = TARGET_LIMITS[name]
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidProfile({name: message})
    return value
