"""The KSB browser: KSBs by category with activity counts and hours, the no-evidence alert,
and one KSB's page with its statement and every linked activity."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest

from tests.progress_helpers import add_activity


@pytest.fixture
def db(app, with_standard):
    return app.extensions["otj"].db


def row_cells(page: str, ksb_id: int) -> list[str]:
    row = re.search(rf'<tr id="ksb-{ksb_id}"[^>]*>(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells]


def test_ksbs_are_grouped_by_category_with_activity_count_and_hours(client, db, codes):
    add_activity(db, minutes=90, ksb_ids=(codes["K1"], codes["S2"]))
    add_activity(db, minutes=45, ksb_ids=(codes["K1"],))
    gone = add_activity(db, minutes=600, ksb_ids=(codes["K1"],))
    client.post(f"/activities/{gone}/delete")

    page = client.get("/ksbs").get_data(as_text=True)

    headings = re.findall(r'<h2 id="cat-(\w+)">(\w+)</h2>', page)
    assert headings == [
        ("knowledge", "Knowledge"),
        ("skill", "Skills"),
        ("behaviour", "Behaviours"),
    ]
    assert row_cells(page, codes["K1"])[0] == "K1"
    assert row_cells(page, codes["K1"])[2:] == ["2", "2.3"]  # 135 minutes, to one decimal
    assert row_cells(page, codes["S2"])[2:] == ["1", "1.5"]
    assert row_cells(page, codes["B3"])[2:] == ["0", "0"]
    assert page.index('id="cat-knowledge"') < page.index('id="cat-skill"')


def test_ksbs_with_no_evidence_are_listed_in_an_alert(client, db, codes):
    every_but_two = [k for code, k in codes.items() if code not in ("S3", "B2")]
    add_activity(db, ksb_ids=tuple(every_but_two))

    page = client.get("/ksbs").get_data(as_text=True)
    alert = re.search(r'id="no-evidence">(.*?)</div>', page, re.S).group(1)

    assert "2 KSBs with no evidence yet" in alert
    assert re.findall(r">([KSB]\d+)</a>", alert) == ["S3", "B2"]


def test_when_every_ksb_has_evidence_the_page_says_so(client, db, codes):
    add_activity(db, ksb_ids=tuple(codes.values()))

    page = client.get("/ksbs").get_data(as_text=True)

    assert 'id="no-evidence"' not in page
    assert "Every KSB has at least one activity as evidence." in page


def test_ksb_page_shows_the_statement_and_every_linked_activity(client, db, codes):
    for i in range(53):  # more than one page of 50
        add_activity(
            db,
            title=f"Linked {i:02d}",
            day=date(2026, 1, 1) + timedelta(days=i),
            minutes=60,
            ksb_ids=(codes["K3"],),
        )
    add_activity(db, title="Not linked", ksb_ids=(codes["K4"],))

    first = client.get(f"/ksbs/{codes['K3']}").get_data(as_text=True)
    second = client.get(f"/ksbs/{codes['K3']}?page=2").get_data(as_text=True)

    assert "Health and safety" in first  # the statement's words
    assert "53 activities" in " ".join(re.sub(r"<[^>]+>", " ", first).split())
    assert "53 OTJ hours" in " ".join(re.sub(r"<[^>]+>", " ", first).split())
    titles = re.findall(r">(Linked \d\d)</a>", first) + re.findall(r">(Linked \d\d)</a>", second)
    assert sorted(titles) == [f"Linked {i:02d}" for i in range(53)]
    assert titles[0] == "Linked 52"  # newest first
    assert "Not linked" not in first + second
    assert f'href="/ksbs/{codes["K3"]}?page=2"' in first
    assert f'href="/activities/export.csv?ksb={codes["K3"]}"' in first


def test_ksb_page_without_evidence_invites_logging_one(client, db, codes):
    page = client.get(f"/ksbs/{codes['B1']}").get_data(as_text=True)

    assert "No activity is linked to B1 yet." in page


def test_unknown_ksb_is_not_found(client, db):
    assert client.get("/ksbs/9999").status_code == 404


def test_ksbs_page_before_setup_goes_to_setup(client):
    assert client.get("/ksbs").headers["Location"].endswith("/setup")
