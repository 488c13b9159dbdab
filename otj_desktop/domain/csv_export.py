"""CSV text for the activity export: opens right in Excel and cannot run as a formula.

* UTF-8 with a byte-order mark, so Excel (which otherwise guesses the Windows code page) shows
  "é", "–" and "£" correctly; the csv module quotes commas, quotes and line breaks.
* Formula injection: a spreadsheet treats a cell starting with ``=``, ``+``, ``-`` or ``@``
  (and, in some, a tab or carriage return) as a formula, so a title such as
  ``=HYPERLINK(...)`` could run when the file is opened. Such cells get a leading apostrophe,
  which spreadsheets show as text and do not display (the OWASP advice).

Pure logic: rows in, text chunks out; the web layer streams them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = (
    "Date",
    "Title",
    "Hours",
    "Activity type",
    "Evidence quality",
    "Tags",
    "KSBs",
    "Description",
)
ROWS_PER_CHUNK = 500
_FORMULA_FIRST = frozenset(FORMULA_STARTS)


def safe_cell(value: str) -> str:
    """The cell's text, with an apostrophe in front if a spreadsheet would read a formula."""
    if value[:1] in _FORMULA_FIRST:
        return "'" + value
    return value


def csv_chunks(rows: Iterable[Sequence[str]], *, header: Sequence[str] = HEADER) -> Iterator[str]:
    """The BOM and header, then the rows, as text chunks of up to :data:`ROWS_PER_CHUNK` rows.

    Every cell is made safe with :func:`safe_cell`. Lines end with CRLF, as RFC 4180 and
    Excel expect; line breaks inside a cell are kept (the cell is quoted).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    prefix = BOM
    formula_first = _FORMULA_FIRST  # local: the loop below runs once per row of a large export
    batch: list[list[str]] = []
    for row in rows:
        # safe_cell, inlined: "" is in no set, so empty cells pass through.
        batch.append(["'" + cell if cell[:1] in formula_first else cell for cell in row])
        if len(batch) == ROWS_PER_CHUNK:
            writer.writerows(batch)  # one call per chunk: the csv module loops in C
            batch.clear()
            yield prefix + _drain(buffer)
            prefix = ""
    writer.writerows(batch)
    yield prefix + _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
