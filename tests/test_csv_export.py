"""CSV export of the filtered activity list: parsed back with the csv module, it holds exactly
what was logged (commas, quotes, line breaks, any language), opens right in Excel (UTF-8 with a
BOM), and no cell can run as a spreadsheet formula."""

from __future__ import annotations

import csv
import http.client
import io
from datetime import date, timedelta

import pytest

from otj_desktop.domain.csv_export import HEADER, csv_chunks, safe_cell
from tests.progress_helpers import add_activity
from tests.test_server import sign_in


@pytest.fixture
def db(app, with_standard):
    return app.extensions["otj"].db


def export(client, query: str = "") -> list[list[str]]:
    response = client.get("/activities/export.csv" + query)
    assert response.status_code == 200
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM, once, at the very start
    text = body.decode("utf-8-sig")
    assert "\ufeff" not in text
    return list(csv.reader(io.StringIO(text, newline="")))


def test_header_and_one_row_with_every_column(client, db, codes):
    add_activity(
        db,
        title="Torque workshop",
        day=date(2026, 11, 2),
        minutes=90,
        kind="workshop",
        quality="review_ready",
        ksb_ids=(codes["S1"], codes["K2"], codes["B1"]),
        tags=("safety", "Agile"),
        description="Learned torque settings.",
    )

    rows = export(client)

    assert rows[0] == list(HEADER)
    assert rows[1] == [
        "2026-11-02",
        "Torque workshop",
        "1.5",
        "Workshop",
        "Ready for review",
        "Agile; safety",
        "K2 S1 B1",
        "Learned torque settings.",
    ]


def test_hours_are_exact_not_rounded_as_the_pages_show_them(client, db):
    for minutes in (15, 45, 480):
        add_activity(db, title=f"{minutes} minutes", minutes=minutes)

    hours = {row[1]: row[2] for row in export(client)[1:]}

    assert hours == {"15 minutes": "0.25", "45 minutes": "0.75", "480 minutes": "8"}


def test_commas_quotes_line_breaks_and_non_ascii_survive_the_round_trip(client, db):
    title = 'Café review, “smart quotes” and "straight" ones – £5 日本語 🎓'
    description = 'Line one, with a comma\nLine "two"\r\nÜber-line three\n\n  indented'
    add_activity(db, title=title, description=description, tags=("naïve", "ß"))

    rows = export(client)

    assert len(rows) == 2
    assert rows[1][1] == title
    assert rows[1][7] == description
    assert rows[1][5] == "naïve; ß"


@pytest.mark.parametrize(
    "dangerous", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1:A2)", "=1"]
)
def test_cells_that_would_run_as_formulas_are_made_text(client, db, dangerous):
    add_activity(db, title=dangerous, description=dangerous, tags=(dangerous,))

    row = export(client)[1]

    assert row[1] == "'" + dangerous
    assert row[7] == "'" + dangerous
    assert row[5] == "'" + dangerous


def test_leading_tab_and_carriage_return_are_made_text_too(client, db):
    activity = add_activity(db, title="placeholder")
    with db.connection() as conn:  # as an import might store them, bypassing the form
        conn.execute(
            "UPDATE activity SET title = ?, description = ? WHERE id = ?",
            ("\t=cmd", "\r=cmd", activity),
        )

    row = export(client)[1]

    assert row[1] == "'\t=cmd"
    assert row[7] == "'\r=cmd"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=x", "'=x"),
        ("+x", "'+x"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("x=1", "x=1"),
        ("", ""),
        ("2026-11-02", "2026-11-02"),
    ],
)
def test_safe_cell_prefixes_only_formula_starts(value, expected):
    assert safe_cell(value) == expected


def test_export_holds_the_filtered_list_newest_first_without_deleted_entries(client, db):
    add_activity(db, title="Old agile", day=date(2026, 1, 5), tags=("agile",))
    add_activity(db, title="New agile", day=date(2026, 2, 5), tags=("agile",))
    add_activity(db, title="Not agile", day=date(2026, 3, 5))
    gone = add_activity(db, title="Deleted agile", day=date(2026, 4, 5), tags=("agile",))
    client.post(f"/activities/{gone}/delete")

    assert [r[1] for r in export(client, "?tag=agile")] == ["Title", "New agile", "Old agile"]
    assert [r[1] for r in export(client, "?q=agile&from=2026-02-01")] == [
        "Title",
        "Not agile",
        "New agile",
    ]


def test_export_is_streamed_as_a_dated_csv_download(client, db):
    add_activity(db)

    response = client.get("/activities/export.csv")

    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="otj-activities-2026-11-27.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"


def test_many_rows_come_out_in_chunks_all_present_and_in_order(client, db):
    start = date(2023, 1, 1)
    with db.transaction() as tx:
        tx.conn.executemany(
            """INSERT INTO activity (title, activity_date, duration_minutes, activity_type,
                   created_at, updated_at) VALUES (?, ?, 60, 'research', 'x', 'x')""",
            [(f"Row {i:04d}", (start + timedelta(days=i)).isoformat()) for i in range(1234)],
        )

    rows = export(client)

    assert len(rows) == 1235
    assert rows[1][1] == "Row 1233" and rows[-1][1] == "Row 0000"


def test_csv_chunks_put_the_bom_only_at_the_start():
    chunks = list(csv_chunks([["a"]] * 1100, header=["h"]))

    assert len(chunks) == 3
    assert chunks[0].startswith('\ufeff"h"\r\n"a"\r\n')
    assert all("\ufeff" not in chunk for chunk in chunks[1:])


def test_export_streams_through_the_real_server(live_server, with_standard):
    db = live_server.app.extensions["otj"].db
    for i in range(600):
        add_activity(db, title=f"Entry, {i}", description='say "hi"\nbye')
    cookie = sign_in(live_server)
    conn = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=10)
    conn.request("GET", "/activities/export.csv", headers={"Cookie": cookie})
    response = conn.getresponse()

    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"
    rows = list(csv.reader(io.StringIO(response.read().decode("utf-8-sig"), newline="")))
    conn.close()
    assert len(rows) == 601
    assert {r[7] for r in rows[1:]} == {'say "hi"\nbye'}
