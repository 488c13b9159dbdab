"""What makes an activity entry valid, checked the same way for forms, JSON and imports.

:func:`validate_activity` takes the raw text a form sent and returns a clean
:class:`ActivityInput`, or raises :class:`InvalidActivity` with one message per field, worded
for the apprentice and keyed by the form field's name so the page can show each message next
to its field.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from otj_desktop.domain.activity_types import activity_type
from otj_desktop.domain.form_errors import FormErrors

if TYPE_CHECKING:
    from otj_desktop.domain.resource_links import ResourceLink

TITLE_MAX = 200
TEXT_MAX = 20_000
SHORT_TEXT_MAX = 200
TAG_MAX = 50
TAGS_PER_ACTIVITY_MAX = 20
MIN_MINUTES = 15
MAX_MINUTES = 24 * 60
EARLIEST_DATE = date(1990, 1, 1)

HOURS_BASIS = {
    "paid": "In paid working hours",
    "toil": "Outside paid hours, given back as time off in lieu",
}
EVIDENCE_QUALITY = {"draft": "Draft", "good": "Good", "review_ready": "Ready for review"}
# Whether the apprentice has confirmed the entry; separate from its evidence quality. Drafts
# (made by recurring templates) are left out of every total until confirmed.
ACTIVITY_STATUS = {"confirmed": "Confirmed", "draft": "Draft (not confirmed yet)"}


@dataclass(frozen=True)
class ActivityInput:
    """A validated activity, ready to store."""

    title: str
    activity_date: date
    duration_minutes: int
    activity_type: str
    start_time: time | None = None
    end_time: time | None = None
    description: str = ""
    notes: str = ""
    delivered_by: str = ""
    location: str = ""
    hours_basis: str = "paid"
    evidence_quality: str = "draft"
    ksb_ids: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    # Resource links (domain/resource_links.py), checked separately from the fields above.
    resource_links: tuple[ResourceLink, ...] = ()


class InvalidActivity(FormErrors):
    """The entry has problems."""


def validate_activity(
    fields: Mapping[str, str],
    ksb_ids: Iterable[str] = (),
    *,
    today: date,
    known_ksb_ids: Collection[int] = (),
) -> ActivityInput:
    """Check a submitted entry and return it cleaned.

    ``fields`` holds the form's text fields by name; ``ksb_ids`` the ticked KSB checkboxes.
    Raises :class:`InvalidActivity` listing every problem at once.
    """
    errors: dict[str, str] = {}

    def field(name: str) -> str:
        value = fields.get(name, "")
        return value if isinstance(value, str) else ""

    title = clean_line(field("title"))
    if not title:
        errors["title"] = "Enter a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = (
            f"Keep the title to {TITLE_MAX} characters or fewer (it has {len(title)})."
        )

    activity_date = _check(errors, "activity_date", parse_date, field("activity_date"), today)
    start = _check(errors, "start_time", parse_optional_time, field("start_time"))
    end = _check(errors, "end_time", parse_optional_time, field("end_time"))
    if start and end and end <= start:
        errors["end_time"] = "The end time must be after the start time."

    minutes = _check(errors, "duration_hours", parse_duration, field("duration_hours"), start, end)

    type_key = field("activity_type").strip()
    if activity_type(type_key) is None:
        errors["activity_type"] = "Choose an activity type from the list."

    texts = {}
    for name, limit in (("description", TEXT_MAX), ("notes", TEXT_MAX)):
        texts[name] = clean_text(field(name))
        if len(texts[name]) > limit:
            errors[name] = f"Keep this to {limit:,} characters or fewer."
    for name in ("delivered_by", "location"):
        texts[name] = clean_line(field(name))
        if len(texts[name]) > SHORT_TEXT_MAX:
            errors[name] = f"Keep this to {SHORT_TEXT_MAX} characters or fewer."

    basis = field("hours_basis").strip() or "paid"
    if basis not in HOURS_BASIS:
        errors["hours_basis"] = "Choose whether this was in paid hours or time off in lieu."
    quality = field("evidence_quality").strip() or "draft"
    if quality not in EVIDENCE_QUALITY:
        errors["evidence_quality"] = "Choose an evidence quality from the list."

    chosen_ksbs = _check(errors, "ksb_ids", parse_ksb_ids, ksb_ids, known_ksb_ids)
    tags = _check(errors, "tags", parse_tags, field("tags"))

    if errors:
        raise InvalidActivity(errors)
    return ActivityInput(
        title=title,
        activity_date=activity_date,
        duration_minutes=minutes,
        activity_type=type_key,
        start_time=start,
        end_time=end,
        hours_basis=basis,
        evidence_quality=quality,
        ksb_ids=chosen_ksbs,
        tags=tags,
        **texts,
    )


def _check(errors: dict[str, str], name: str, parse, *args):
    try:
        return parse(*args)
    except ValueError as exc:
        errors[name] = str(exc)
        return None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


def clean_line(value: str) -> str:
    """One line of text: control characters removed, runs of whitespace made one space."""
    value = _CONTROL.sub("", unicodedata.normalize("NFC", value))
    return " ".join(value.split())


def clean_text(value: str) -> str:
    """Free text: keeps line breaks (as \\n) but drops other control characters."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()


def parse_date(raw: str, today: date) -> date:
    """A date from ``YYYY-MM-DD`` (what date inputs send) or ``DD/MM/YYYY``; not in the future."""
    raw = raw.strip()
    if not raw:
        raise ValueError("Enter the date of the activity.")
    day = None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(raw, fmt).date()
            break
        except ValueError:
            continue
    if day is None:
        raise ValueError("Enter a real date, like 27/11/2026.")
    if day > today:
        raise ValueError("The date can't be in the future.")
    if day < EARLIEST_DATE:
        raise ValueError("Enter a date from 1990 onwards.")
    return day


def parse_optional_time(raw: str) -> time | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%H:%M").time()
    except ValueError:
        raise ValueError("Enter a time like 09:30, or leave it empty.") from None


def parse_duration(raw: str, start: time | None = None, end: time | None = None) -> int:
    """Whole minutes from hours such as ``1.5``; worked out from the times when left empty."""
    raw = raw.strip()
    span = _minutes_between(start, end)
    if not raw:
        if span is None:
            raise ValueError("Enter the duration in hours, for example 1.5.")
        minutes = round(span / 15) * 15
    else:
        try:
            hours = float(raw)
        except ValueError:
            raise ValueError("Enter the duration as a number of hours, for example 1.5.") from None
        if not math.isfinite(hours):
            raise ValueError("Enter the duration as a number of hours, for example 1.5.")
        minutes_exact = hours * 60
        if not math.isfinite(minutes_exact):  # e.g. 3e306 hours (found by the fuzz tests)
            raise ValueError("The duration must be between 0.25 and 24 hours.")
        minutes = round(minutes_exact)
        if abs(minutes - minutes_exact) > 1e-6 or minutes % 15:
            raise ValueError("Enter the duration in steps of 0.25 hours (15 minutes).")
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValueError("The duration must be between 0.25 and 24 hours.")
    if span is not None and minutes > span:
        raise ValueError("The duration is longer than the time between the start and end times.")
    return minutes


def _minutes_between(start: time | None, end: time | None) -> int | None:
    if start is None or end is None or end <= start:
        return None
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def parse_ksb_ids(raw_ids: Iterable[str], known: Collection[int]) -> tuple[int, ...]:
    chosen: list[int] = []
    for raw in raw_ids:
        try:
            ksb_id = int(str(raw).strip())
        except ValueError:
            raise ValueError("Choose KSBs from your standard's list.") from None
        if ksb_id not in known:
            raise ValueError("Choose KSBs from your standard's list.")
        if ksb_id not in chosen:
            chosen.append(ksb_id)
    return tuple(chosen)


def parse_tags(raw: str) -> tuple[str, ...]:
    """Comma-separated tags: trimmed, inner spaces collapsed, duplicates (any case) dropped."""
    tags: list[str] = []
    seen: set[str] = set()
    for part in raw.split(","):
        tag = clean_line(part)
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise ValueError(f"Keep each tag to {TAG_MAX} characters or fewer.")
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    if len(tags) > TAGS_PER_ACTIVITY_MAX:
        raise ValueError(f"Use at most {TAGS_PER_ACTIVITY_MAX} tags on one activity.")
    return tuple(tags)


def format_hours(minutes: int | float | None) -> str:
    """Minutes shown as hours to one decimal place: ``90`` -> ``1.5``."""
    if not minutes:
        return "0"
    hours = (Decimal(str(minutes)) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = str(hours)
    return text[:-2] if text.endswith(".0") else text
