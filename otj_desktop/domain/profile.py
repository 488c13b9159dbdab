"""Checks for the apprentice's profile: dates, contracted hours and targets."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from otj_desktop.domain.activities import clean_line, parse_date


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


class InvalidProfile(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


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
    if start and end and end <= start:
        errors["practical_end_date"] = "The planned end must be after the start date."
    weekly = number(
        "weekly_contracted_hours", 1, 80, "Enter your contracted hours a week (1 to 80)."
    )
    days = number("working_days_per_week", 0.5, 7, "Enter the days you work a week (0.5 to 7).")
    planned = number(
        "planned_otj_hours", 1, 10_000, "Enter the planned OTJ hours from your training plan."
    )
    rpl = (
        number("rpl_hours", 0, 10_000, "Enter the prior-learning reduction in hours, or 0.") or 0.0
    )
    target = number(
        "weekly_target_hours", 0.25, 80, "Enter a weekly target between 0.25 and 80 hours."
    )
    if errors:
        raise InvalidProfile(errors)
    return ProfileInput(name, start, end, weekly, days, planned, rpl, target)
