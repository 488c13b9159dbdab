"""The activity list's filters, as they live in the URL.

Filters are query parameters (``?ksb=12&type=workshop&tag=agile&quality=good&from=2026-01-01
&to=2026-03-31&q=unit+tests&page=2``), so a filtered list can be bookmarked, opened in another
window, and walked back through with the browser's Back button. Drafts (activities not
confirmed yet) are left out unless ``drafts=1`` asks for them too. :func:`parse_filter` reads them
into an :class:`ActivityFilter` and says what was wrong with any it could not use;
:meth:`ActivityFilter.query_args` writes them back for links (pagination, export).

Text search goes to SQLite FTS5. :func:`fts_query` turns what was typed into a safe FTS5 query:
each word quoted (so FTS5 operators and punctuation typed by the user mean nothing) and
matched as a prefix ("test" finds "testing"); all words must appear.

Pure logic: no Flask, no SQL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime

from otj_desktop.domain.activities import EVIDENCE_QUALITY, clean_line
from otj_desktop.domain.activity_types import activity_type
from otj_desktop.domain.row_ids import parse_row_id

TEXT_MAX = 200
WORDS_MAX = 12
_WORD = re.compile(r"\w+", re.UNICODE)

# URL parameter for each filter field.
PARAMS = {
    "ksb_id": "ksb",
    "activity_type": "type",
    "tag": "tag",
    "quality": "quality",
    "date_from": "from",
    "date_to": "to",
    "text": "q",
    "include_drafts": "drafts",
}


@dataclass(frozen=True)
class ActivityFilter:
    """What the list is narrowed to; every field ``None`` (or empty) means "any"."""

    ksb_id: int | None = None
    activity_type: str | None = None
    tag: str | None = None
    quality: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""
    include_drafts: bool = False

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    @property
    def search(self) -> str | None:
        """The FTS5 query for :attr:`text`, or None when there is nothing to search for."""
        return fts_query(self.text)

    def query_args(self) -> dict[str, str]:
        """The filters as URL parameters (only those that are set)."""
        args = {}
        for name, param in PARAMS.items():
            value = getattr(self, name)
            if value is True:
                args[param] = "1"
            elif value:
                args[param] = value.isoformat() if isinstance(value, date) else str(value)
        return args


def parse_filter(args: Mapping[str, str]) -> tuple[ActivityFilter, dict[str, str]]:
    """Read the filters from URL parameters.

    Returns the filter and ``{param: message}`` for values that could not be used (those
    filters are left off, so the list still shows). Unknown parameters are ignored.
    """
    errors: dict[str, str] = {}

    def raw(param: str) -> str:
        value = args.get(param, "")
        return value.strip() if isinstance(value, str) else ""

    ksb_id = parse_row_id(raw("ksb")) if raw("ksb") else None
    if raw("ksb") and ksb_id is None:
        errors["ksb"] = "Choose a KSB from the list."

    type_key = raw("type") or None
    if type_key and activity_type(type_key) is None:
        errors["type"] = "Choose an activity type from the list."
        type_key = None

    quality = raw("quality") or None
    if quality and quality not in EVIDENCE_QUALITY:
        errors["quality"] = "Choose an evidence quality from the list."
        quality = None

    date_from = _date(raw("from"), "from", errors)
    date_to = _date(raw("to"), "to", errors)
    if date_from and date_to and date_to < date_from:
        errors["to"] = "The end of the date range must not be before its start."
        date_to = None

    tag = clean_line(raw("tag"))[:TEXT_MAX] or None
    text = clean_line(raw("q"))
    if len(text) > TEXT_MAX:
        errors["q"] = f"Keep the search to {TEXT_MAX} characters or fewer."
        text = ""
    elif text and fts_query(text) is None:
        errors["q"] = "Search for words or numbers."

    include_drafts = raw("drafts").lower() in ("1", "on", "true", "yes")

    return (
        ActivityFilter(ksb_id, type_key, tag, quality, date_from, date_to, text, include_drafts),
        errors,
    )


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression: every word as a quoted prefix term, all required.

    ``unit-test "quoted"`` becomes ``"unit"* "test"* "quoted"*``. Words are runs of letters
    and digits, as FTS5's unicode61 tokenizer sees them, so nothing typed can be read as an
    FTS5 operator. None when there are no words.
    """
    words = _WORD.findall(text)[:WORDS_MAX]
    words = [w.replace("_", " ").strip() for w in words]
    terms = [f'"{w}"*' for w in words if w]
    return " ".join(terms) if terms else None


def _date(value: str, param: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    errors[param] = "Enter a real date, like 27/11/2026."
    return None
