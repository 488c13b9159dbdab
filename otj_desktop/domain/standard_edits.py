"""What a hand edit to a standard must look like: a KSB's wording, a hand-made standard's details.

Both checks take the raw text a form sent and return clean values, or raise
:class:`InvalidStandardEdit` with one message per form field (keyed by the field's name), the
same shape as the activity and profile checks, so the pages show each message by its field.
The limits match what the official-file importer accepts, so a hand-typed KSB can hold anything
an imported one can.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from otj_desktop.domain.activities import clean_line, clean_text
from otj_desktop.domain.form_errors import FormErrors

KSB_CATEGORIES = ("knowledge", "skill", "behaviour")
KSB_TITLE_MAX = 200
KSB_STATEMENT_MAX = 5000  # as the importer's MAX_STATEMENT_CHARS
STANDARD_TITLE_MAX = 200
LEVEL_RANGE = (1, 8)
MINIMUM_HOURS_RANGE = (1, 100_000)


class InvalidStandardEdit(FormErrors):
    """The KSB or standard edit has problems."""


@dataclass(frozen=True)
class KsbInput:
    category: str
    title: str | None
    statement: str


@dataclass(frozen=True)
class StandardDetailsInput:
    title: str
    level: int | None
    minimum_hours: float | None


def _text(fields: Mapping[str, str], name: str) -> str:
    value = fields.get(name, "")
    return value if isinstance(value, str) else ""


def validate_ksb(fields: Mapping[str, str], *, category: str | None = None) -> KsbInput:
    """Check a KSB's ``ksb_title`` and ``statement`` (and ``category`` unless it is given).

    The title field is ``ksb_title`` so a page can hold this form next to the standard's own.
    """
    errors: dict[str, str] = {}
    if category is None:
        category = _text(fields, "category")
        if category not in KSB_CATEGORIES:
            errors["category"] = "Choose knowledge, skill or behaviour."
    title = clean_line(_text(fields, "ksb_title"))
    if len(title) > KSB_TITLE_MAX:
        errors["ksb_title"] = f"Keep the short title to {KSB_TITLE_MAX} characters or fewer."
    # A statement is one paragraph in every published standard: keep it on one line.
    statement = clean_line(clean_text(_text(fields, "statement")))
    if not statement:
        errors["statement"] = "Enter the statement: what the apprentice must know, do or show."
    elif len(statement) > KSB_STATEMENT_MAX:
        errors["statement"] = f"Keep the statement to {KSB_STATEMENT_MAX} characters or fewer."
    if errors:
        raise InvalidStandardEdit(errors)
    return KsbInput(category=category, title=title or None, statement=statement)


def validate_details(fields: Mapping[str, str]) -> StandardDetailsInput:
    """Check a hand-made standard's ``title``, ``level`` and ``minimum_hours``."""
    errors: dict[str, str] = {}
    title = clean_line(_text(fields, "title"))
    if not title or len(title) > STANDARD_TITLE_MAX:
        errors["title"] = f"Give the standard a title (up to {STANDARD_TITLE_MAX} characters)."

    def number(name: str, low: float, high: float, message: str) -> float | None:
        raw = _text(fields, name).strip().replace(",", "")
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

    low, high = LEVEL_RANGE
    level = number("level", low, high, f"Enter the level as a whole number from {low} to {high}.")
    if level is not None and not level.is_integer():
        errors["level"] = f"Enter the level as a whole number from {low} to {high}."
    low, high = MINIMUM_HOURS_RANGE
    hours = number(
        "minimum_hours",
        low,
        high,
        f"Enter the minimum OTJ hours as a number from {low:,} to {high:,}.",
    )
    if errors:
        raise InvalidStandardEdit(errors)
    return StandardDetailsInput(
        title=title, level=int(level) if level is not None else None, minimum_hours=hours
    )
