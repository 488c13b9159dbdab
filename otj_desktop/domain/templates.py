"""Activity templates: what a valid template is, and when a recurring one is due.

A template is an activity's structure saved under a name (title, type, duration, KSBs, tags,
evidence quality, who and where), used to fill in the new-activity form. A *recurring* template
also has a weekday: while it is active, the app makes one draft activity for each due date
(that weekday, on or after its start) for the apprentice to review and confirm.

:func:`validate_template` checks the template form the way :mod:`.activities` checks the
activity form (one message per field, keyed by field name); :func:`due_dates` is the recurrence
rule. Both are pure so they are tested without a database or a clock.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from otj_desktop.domain.activities import (
    EVIDENCE_QUALITY,
    SHORT_TEXT_MAX,
    TITLE_MAX,
    clean_line,
    parse_duration,
    parse_ksb_ids,
    parse_tags,
)
from otj_desktop.domain.activity_types import activity_type
from otj_desktop.domain.form_errors import FormErrors

NAME_MAX = 80
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# How far ahead a recurrence may be set to start (a typo such as 2062 would never make a draft).
START_AHEAD_MAX = timedelta(days=366)


@dataclass(frozen=True)
class TemplateInput:
    """A validated template, ready to store. KSBs are ids in the current standard."""

    name: str
    title: str
    activity_type: str
    duration_minutes: int
    delivered_by: str = ""
    location: str = ""
    evidence_quality: str = "draft"
    ksb_ids: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    weekday: int | None = None  # 0 = Monday; None: not recurring
    active: bool = False
    start_date: date | None = None

    @property
    def recurring(self) -> bool:
        return self.weekday is not None


class InvalidTemplate(FormErrors):
    """The template has problems."""


def validate_template(
    fields: Mapping[str, str],
    ksb_ids: Iterable[str] = (),
    *,
    today: date,
    known_ksb_ids: Collection[int] = (),
) -> TemplateInput:
    """Check a submitted template form and return it cleaned; raises :class:`InvalidTemplate`
    listing every problem at once.

    The recurrence is optional: ``recurring`` ticked asks for a ``weekday`` (0-6) and a
    ``start_date`` (default today, at most a year ahead); ``active`` pauses or resumes it.
    """
    errors: dict[str, str] = {}

    def field(name: str) -> str:
        value = fields.get(name, "")
        return value if isinstance(value, str) else ""

    name = clean_line(field("name"))
    if not name:
        errors["name"] = "Enter a name for the template."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Keep the name to {NAME_MAX} characters or fewer (it has {len(name)})."

    title = clean_line(field("title"))
    if not title:
        errors["title"] = "Enter the title activities made from it will have."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title to {TITLE_MAX} characters or fewer."

    type_key = field("activity_type").strip()
    if activity_type(type_key) is None:
        errors["activity_type"] = "Choose an activity type from the list."

    minutes = _check(errors, "duration_hours", parse_duration, field("duration_hours"))

    texts = {}
    for key in ("delivered_by", "location"):
        texts[key] = clean_line(field(key))
        if len(texts[key]) > SHORT_TEXT_MAX:
            errors[key] = f"Keep this to {SHORT_TEXT_MAX} characters or fewer."

    quality = field("evidence_quality").strip() or "draft"
    if quality not in EVIDENCE_QUALITY:
        errors["evidence_quality"] = "Choose an evidence quality from the list."

    chosen = _check(errors, "ksb_ids", parse_ksb_ids, ksb_ids, known_ksb_ids)
    tags = _check(errors, "tags", parse_tags, field("tags"))

    weekday, active, start = None, False, None
    if _ticked(field("recurring")):
        weekday = _check(errors, "weekday", parse_weekday, field("weekday"))
        start = _check(errors, "start_date", parse_start, field("start_date"), today)
        active = _ticked(field("active"))

    if errors:
        raise InvalidTemplate(errors)
    return TemplateInput(
        name=name,
        title=title,
        activity_type=type_key,
        duration_minutes=minutes,
        evidence_quality=quality,
        ksb_ids=chosen,
        tags=tags,
        weekday=weekday,
        active=active,
        start_date=start,
        **texts,
    )


def _check(errors: dict[str, str], name: str, parse, *args):
    try:
        return parse(*args)
    except ValueError as exc:
        errors[name] = str(exc)
        return None


def _ticked(value: str) -> bool:
    return value.strip().lower() in ("1", "on", "true", "yes")


def parse_weekday(raw: str) -> int:
    """A weekday as the form sends it: "0" (Monday) to "6" (Sunday)."""
    raw = raw.strip()
    if len(raw) != 1 or raw not in "0123456":
        raise ValueError("Choose the day of the week drafts are made on.")
    return int(raw)


def parse_start(raw: str, today: date) -> date:
    """The first day a draft may be due: today when left empty, at most a year ahead."""
    raw = raw.strip()
    if not raw:
        return today
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(raw, fmt).date()
            break
        except ValueError:
            continue
    else:
        raise ValueError("Enter a real date, like 27/11/2026, or leave it empty for today.")
    if day > today + START_AHEAD_MAX:
        raise ValueError("Start within the next year.")
    if day.year < 1990:
        raise ValueError("Enter a date from 1990 onwards.")
    return day


def due_dates(weekday: int, start: date, last_due: date | None, today: date) -> list[date]:
    """Every date a recurring template is due and has no draft for yet, oldest first.

    Due dates fall on ``weekday``, on or after ``start``, after ``last_due`` (the latest date
    already drafted) and no later than ``today``. Called after the app was closed for weeks,
    this is every missed week, once each; called again, it is nothing.
    """
    first = start if last_due is None else max(start, last_due + timedelta(days=1))
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    found = []
    while day <= today:
        found.append(day)
        day += timedelta(weeks=1)
    return found


def switched_on_floor(today: date) -> date:
    """The ``last_due`` to give a recurrence being switched on (new, resumed or moved): the day
    before today, so it never makes drafts for weeks before it was switched on or while it was
    paused. A due date of today is still made."""
    return today - timedelta(days=1)


def describe_recurrence(weekday: int | None, active: bool) -> str:
    """ "Every Tuesday", "Every Tuesday (paused)" or "" for a template that does not recur."""
    if weekday is None:
        return ""
    return f"Every {WEEKDAYS[weekday]}" + ("" if active else " (paused)")
