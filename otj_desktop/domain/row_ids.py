"""Ids that arrive as text (a URL, a form) and must be ones SQLite could hold.

SQLite's INTEGER is a signed 64-bit number, so binding anything from 2**63 up raises
``OverflowError`` in the query; and ``str.isdigit`` accepts digits ``int()`` refuses ("²").
Both once gave 500s, found by the fuzz tests: every id read from text goes through here.

Pure logic: no Flask, no SQL.
"""

from __future__ import annotations

ROW_ID_MAX = 2**63 - 1  # the largest INTEGER SQLite stores


def is_row_id(number: int) -> bool:
    """True when ``number`` could be the id of a row (ids start at 1)."""
    return 0 < number <= ROW_ID_MAX


def parse_row_id(text: str) -> int | None:
    """The id written in ``text`` (plain ASCII digits), or None when it cannot be one."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(ROW_ID_MAX)):
        return None
    number = int(text)
    return number if is_row_id(number) else None
