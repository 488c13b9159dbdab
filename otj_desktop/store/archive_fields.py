"""Typed, bounded reads from one untrusted JSON object of an export: :class:`Fields`.

Every record an import reads (a standard, an activity, a history snapshot, a link, a template
...) goes through a :class:`Fields`: each value is checked for type, size, format and the
characters the app never stores, and a bad one raises
:class:`~otj_desktop.store.archive_format.ArchiveError` saying where (``activities.json,
activity 3``), which field and what was wrong. The readers of the two shapes several records
share, KSB links and tag lists, are here too. The section validators (``archive_validate``,
``archive_activities``, ``archive_files``, ``archive_templates``) build on these.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container
from datetime import date, datetime
from typing import Any, NoReturn

from otj_desktop.domain import activities as rules
from otj_desktop.domain import plan_dates
from otj_desktop.store.archive_format import fail

_UID = re.compile(r"[0-9a-f]{32}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}")
# Characters the app never stores: in one-line fields (titles, names, tags) any control
# character or line break; in free text (description, notes) anything but tabs and newlines.
_BAD_IN_LINE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_BAD_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_uid(value: str) -> bool:
    """An activity's or template's uid: 32 lower-case hex digits."""
    return bool(_UID.fullmatch(value))


class Fields:
    """Typed reads from one untrusted JSON object, failing with where and what was wrong."""

    def __init__(self, obj: Any, where: str) -> None:
        if not isinstance(obj, dict):
            fail(f"The export is damaged: {where} is not an object.")
        self.obj = obj
        self.where = where

    def fail(self, key: str, problem: str) -> NoReturn:
        fail(f"The export can't be imported: {self.where}, “{key}” {problem}.")

    def raw(self, key: str) -> Any:
        if key not in self.obj:
            self.fail(key, "is missing")
        return self.obj[key]

    def text(
        self,
        key: str,
        *,
        max_len: int,
        nullable: bool = False,
        allow_empty: bool = True,
        line: bool = False,
    ) -> str | None:
        """Text up to ``max_len``; ``line`` for one-line fields (no line breaks at all)."""
        value = self.raw(key)
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            self.fail(key, "should be text")
        if not value.strip() and not allow_empty:
            self.fail(key, "is empty")
        if len(value) > max_len:
            self.fail(key, f"is longer than {max_len:,} characters")
        if (_BAD_IN_LINE if line else _BAD_IN_TEXT).search(value):
            self.fail(key, "holds control characters the app never writes")
        return value

    def integer(self, key: str, low: int, high: int, *, nullable: bool = False) -> int | None:
        value = self.raw(key)
        if value is None and nullable:
            return None
        if not is_int(value) or not low <= value <= high:
            self.fail(key, f"should be a whole number from {low} to {high}")
        return value

    def number(self, key: str, low: float, high: float) -> float | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.fail(key, "should be a number")
        if not math.isfinite(value) or not low <= value <= high:
            self.fail(key, f"should be a number from {low:g} to {high:g}")
        return value

    def choice(self, key: str, options: Container[str]) -> str:
        value = self.raw(key)
        if not isinstance(value, str) or value not in options:
            self.fail(key, "is not one of the values the app knows")
        return value

    def date(self, key: str, *, nullable: bool = False) -> str | None:
        value = self.raw(key)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            self.fail(key, "should be a date like 2026-11-27")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(key, "is not a real date")
        if plan_dates.date_problem(day):
            self.fail(
                key,
                f"is not from {plan_dates.EARLIEST_DATE.year} to {plan_dates.LATEST_DATE.year}",
            )
        return value

    def time(self, key: str) -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, str) or not _TIME.fullmatch(value):
            self.fail(key, "should be a time like 09:30")
        try:
            datetime.strptime(value, "%H:%M")
        except ValueError:
            self.fail(key, "is not a real time")
        return value

    def timestamp(self, key: str, *, nullable: bool = False) -> str | None:
        value = self.raw(key)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
            self.fail(key, "should be a time like 2026-11-27T09:30:00Z")
        try:
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            self.fail(key, "is not a real time")
        return value

    def boolean(self, key: str) -> bool:
        value = self.raw(key)
        if not isinstance(value, bool):
            self.fail(key, "should be true or false")
        return value

    def mapping(self, key: str) -> dict:
        value = self.raw(key)
        if not isinstance(value, dict):
            self.fail(key, "should be an object")
        return value

    def items(self, key: str, max_items: int) -> list:
        value = self.raw(key)
        if not isinstance(value, list):
            self.fail(key, "should be a list")
        if len(value) > max_items:
            self.fail(key, f"has more than {max_items} items")
        return value


# --- shapes several records share --------------------------------------------------------------


def ksb_refs(f: Fields) -> list[dict]:
    """``ksbs``: links to KSBs by standard reference, version and code (activities, snapshots,
    templates). Whether each names a KSB in the export is the caller's to check."""
    refs, seen = [], set()
    for i, item in enumerate(f.items("ksbs", 2000), 1):
        ref = Fields(item, f"{f.where}, KSB link {i}")
        key = (
            ref.text("standard", max_len=50, allow_empty=False, line=True),
            ref.text("version", max_len=20, allow_empty=False, line=True),
            ref.text("code", max_len=10, allow_empty=False, line=True),
        )
        if key in seen or len(item) != 3:
            ref.fail("code", "appears twice, or the link has fields the app never records")
        seen.add(key)
        refs.append({"standard": key[0], "version": key[1], "code": key[2]})
    return refs


def tag_names(f: Fields) -> list[str]:
    """``tags``: different tag names (activities, snapshots, templates)."""
    names = f.items("tags", rules.TAGS_PER_ACTIVITY_MAX)
    seen = set()
    for name in names:
        if not is_tag_name(name) or name.casefold() in seen:
            f.fail("tags", "should be a list of different tag names")
        seen.add(name.casefold())
    return names


def is_tag_name(name: Any) -> bool:
    """A name the activity form could have made: one line, no commas, not too long."""
    return (
        isinstance(name, str)
        and bool(name.strip())
        and len(name) <= rules.TAG_MAX
        and "," not in name
        and not _BAD_IN_LINE.search(name)
    )
