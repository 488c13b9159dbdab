"""The evidence pack: grouping and totals, the page and its options, the PDF's content (read
back with pypdf), and "Save as PDF" through the desktop bridge or as a download."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest

from otj_desktop.domain.evidence_pack import (
    PackActivity,
    PackKsbInfo,
    PackOptions,
    build_pack,
    parse_options,
)
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.web.context import DesktopBridge
from tests.conftest import TODAY, activity_form

pypdf = pytest.importorskip("pypdf")

K1 = PackKsbInfo(1, "K1", "knowledge", "Materials", "Widget materials")
K2 = PackKsbInfo(2, "K2", "knowledge", None, "Assembly")
S1 = PackKsbInfo(3, "S1", "skill", "Safe working", "Works safely")
B1 = PackKsbInfo(4, "B1", "behaviour", None, "Takes ownership")
KSBS = [K1, K2, S1, B1]


def act(n: int, minutes: int, day: str, *ksbs: int) -> PackActivity:
    return PackActivity(n, f"A{n}", date.fromisoformat(day), minutes, "workshop", "good", "", ksbs)


# --- the rules ---------------------------------------------------------------------------------


def test_hours_are_totalled_per_ksb_per_category_and_overall_without_double_counting():
    pack = build_pack(
        [
            act(1, 60, "2026-10-01", 1, 3),  # K1 and S1: counts in knowledge and in skills
            act(2, 90, "2026-10-02", 1, 2),  # two knowledge KSBs: knowledge once
            act(3, 30, "2026-10-03"),  # no KSB
        ],
        KSBS,
        PackOptions(),
    )
    assert {k.ksb.code: k.minutes for k in pack.ksbs} == {"K1": 150, "K2": 90, "S1": 60, "B1": 0}
    assert pack.category_minutes == {"knowledge": 150, "skill": 60, "behaviour": 0}
    assert pack.total_minutes == 180  # each activity once, the unlinked one included
    assert [a.id for a in pack.unlinked] == [3]
    assert pack.ksbs_with_evidence == 3


def test_choosing_ksbs_and_a_period_narrows_the_pack():
    activities = [
        act(1, 60, "2026-09-30", 1),
        act(2, 90, "2026-10-02", 3),
        act(3, 30, "2026-10-03"),
    ]
    options = PackOptions(date(2026, 10, 1), date(2026, 10, 31), frozenset({3}))
    pack = build_pack(activities, KSBS, options)
    assert [k.ksb.code for k in pack.ksbs] == ["S1"]
    assert [a.id for a in pack.activities] == [2] and pack.unlinked == []


def test_options_are_read_from_the_query_and_bad_ones_reported_not_fatal():
    options, errors = parse_options(
        {"from": "2026-12-01", "to": "31/10/2026", "name1": " Dr  Ada\x00 ", "descriptions": "0"},
        ["1", "99", "x"],
        today=TODAY,
        known_ksb_ids={1, 2},
        apprentice_name="Sam",
    )
    assert errors.keys() == {"from", "ksb"}
    assert options.date_from is None and options.date_to == date(2026, 10, 31)
    assert options.ksb_ids == frozenset({1}) and options.descriptions is False
    assert [s.name for s in options.signatories] == ["Sam", "Dr Ada", ""]
    _options, errors = parse_options(
        {"from": "2026-10-02", "to": "2026-10-01"}, [], today=TODAY, known_ksb_ids=set()
    )
    assert "on or after its start" in errors["to"]


# --- through the app ---------------------------------------------------------------------------


@pytest.fixture
def logged(client, app, with_standard):
    """A realistic little log: names with accents, dashes and emoji; KSBs in two categories."""
    with app.extensions["otj"].db.transaction() as tx:
        profile_store.save(
            tx,
            profile_store.Profile(name="Zoë O’Brien-Łukasz 😀", standard_id=with_standard),
        )
    with app.extensions["otj"].db.connection() as conn:
        ids = {k.code: str(k.id) for k in standard_store.ksbs(conn, with_standard)}
    entries = [
        (
            "Widget safety — day 1 ✓",
            "2026-10-05",
            "3.5",
            [ids["K1"], ids["S1"]],
            "Lock-out; “tags”.",
        ),
        ("Ελληνικά и кириллица", "2026-10-12", "1.25", [ids["K1"]], ""),
        ("No KSB yet", "2026-10-20", "2", [], "Still to map."),
        ("Too early", "2025-01-10", "1", [ids["B1"]], ""),
    ]
    for title, day, hours, ksbs, description in entries:
        response = client.post(
            "/activities/new",
            {
                **activity_form(
                    title=title, activity_date=day, duration_hours=hours, description=description
                ),
                "ksb_ids": ksbs,
            },
        )
        assert response.status_code == 302
    client.get("/activities")  # shows (and so clears) the "Saved" notices
    return ids


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_page_groups_activities_by_ksb_with_totals_and_a_sign_off_block(client, logged):
    response = client.get("/evidence-pack")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Evidence pack — OTJ Desktop</title>" in page
    assert "Zoë O’Brien-Łukasz 😀" in page
    totals = dict(re.findall(r"<span>([\w ]+)</span><strong>([\d.]+) hours</strong>", page))
    assert totals == {"Overall": "7.8", "Knowledge": "4.8", "Skills": "3.5", "Behaviours": "1"}
    assert "Widget safety — day 1 ✓" in page and "Not linked to a KSB yet" in page
    for line in ("Signature", "Tutor / training provider", "Employer / line manager"):
        assert line in page
    region = re.search(r'<article id="evidence-pack" class="pack" data-live="([^"]+)"', page)
    assert region and {"activity_saved", "activity_deleted"} <= set(region.group(1).split())


def test_a_period_and_ksb_choice_narrow_the_page_and_bad_dates_say_why(client, logged):
    page = client.get(
        "/evidence-pack", query_string={"from": "2026-10-01", "ksb": logged["S1"]}
    ).get_data(as_text=True)
    assert "Widget safety" in page and "Ελληνικά" not in page and "Too early" not in page
    assert "1 Oct 2026" in page
    response = client.get("/evidence-pack", query_string={"from": "2099-01-01", "ksb": "x"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "be in the future" in text and 'id="from-error"' in text and "Too early" in text


def test_the_pdf_holds_the_titles_totals_ksb_codes_and_sign_off(client, logged):
    response = client.get(
        "/evidence-pack.pdf",
        query_string={"from": "2026-01-01", "name1": "Dr Ada Lovelace", "job1": "Tutor — Acme"},
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="otj-evidence-pack-2026-11-27.pdf"'
    )
    assert response.data.startswith(b"%PDF-")
    text = pdf_text(response.data)
    flat = " ".join(text.split())
    for expected in (
        "Evidence pack",
        "Zoë O’Brien-Łukasz",
        "Example widget technician (ST9999 v1.0)",
        "Period: From 1 Jan 2026",
        "Overall: 6.8 hours from 3 activities",
        "Knowledge: 4.8 hours",
        "Skills: 3.5 hours",
        "Widget safety — day 1",
        "Ελληνικά и кириллица",
        "Not linked to a KSB yet",
        "Sign-off",
        "Dr Ada Lovelace",
        "Tutor — Acme",
        "Signature:",
        "Page 1 of",
    ):
        assert expected in flat, expected
    for code in ("K1", "K2", "S1", "B1"):
        assert re.search(rf"\b{code}\b", flat), code
    assert "Too early" not in flat
    assert "Lock-out; “tags”." in flat  # descriptions included by default


def test_the_pdf_leaves_descriptions_out_when_asked(client, logged):
    data = client.get("/evidence-pack.pdf", query_string={"descriptions": "0"}).data
    assert "Lock-out" not in pdf_text(data)


def test_the_pdf_never_fails_on_characters_the_font_lacks(client, app, logged):
    client.post(
        "/activities/new",
        activity_form(title="日本語 \u202eevil\u202c \x7f 🦄 test", activity_date="2026-10-30"),
    )
    response = client.get("/evidence-pack.pdf")
    assert response.status_code == 200
    assert "evil" in pdf_text(response.data)


def test_save_as_pdf_uses_the_native_save_dialog_in_the_app(client, app, logged, tmp_path):
    saved: list[tuple[str, bytes]] = []

    def save(name: str, data: bytes) -> str:
        saved.append((name, data))
        return str(tmp_path / name)

    app.extensions["otj"].desktop = DesktopBridge(has_windows=True, save_file=save)
    page = client.get("/evidence-pack", query_string={"from": "2026-10-01"}).get_data(as_text=True)
    assert 'action="/evidence-pack/save-pdf"' in page and "Save as PDF…" in page
    assert 'name="from" value="2026-10-01"' in page
    response = client.post("/evidence-pack/save-pdf", {"from": "2026-10-01", "descriptions": "1"})
    assert response.status_code == 302 and "from=2026-10-01" in response.headers["Location"]
    [(name, data)] = saved
    assert name == "otj-evidence-pack-2026-11-27.pdf" and data.startswith(b"%PDF-")
    assert "Period: From 1 Oct 2026" in pdf_text(data)
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Saved the evidence pack as {tmp_path}" in flashed


def test_a_cancelled_or_failed_save_says_so_and_writes_nothing(client, app, logged):
    app.extensions["otj"].desktop = DesktopBridge(has_windows=True, save_file=lambda n, d: None)
    response = client.post("/evidence-pack/save-pdf", {})
    assert response.status_code == 302

    def full_disk(name, data):
        raise OSError(28, "No space left on device")

    app.extensions["otj"].desktop = DesktopBridge(has_windows=True, save_file=full_disk)
    response = client.post("/evidence-pack/save-pdf", {}, follow_redirects=True)
    assert "No space left on device" in response.get_data(as_text=True)


def test_in_a_browser_save_as_pdf_is_a_download(client, logged):
    page = client.get("/evidence-pack").get_data(as_text=True)
    assert 'href="/evidence-pack.pdf?descriptions=1' in page and "data-print" in page
    response = client.post("/evidence-pack/save-pdf", {"descriptions": "1"})
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_the_pack_page_works_before_a_standard_is_chosen(client):
    response = client.get("/evidence-pack")
    assert response.status_code == 200
    assert "No standard chosen yet" in response.get_data(as_text=True)
    assert client.get("/evidence-pack.pdf").data.startswith(b"%PDF-")
