"""The dashboard through the test client: cards, pace, charts, coverage, tags, recent entries,
targets edited in place, and the live-region contract on every progress page."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from html import unescape

import pytest

from otj_desktop.store import profile as profile_store
from tests.conftest import TODAY
from tests.progress_helpers import Events, PageScan, add_activity, chart_specs

MONDAY = date(2026, 11, 23)  # TODAY is Friday 27 November 2026


def set_profile(db, **values) -> None:
    with db.transaction() as tx:
        profile_store.save(tx, replace(profile_store.get(tx.conn), **values))


def text_of(page: str, testid: str) -> str:
    """The text of the element with this data-testid (a <p> or <dd>), spaces collapsed."""
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:p|dd)>', page, re.S)
    assert match, testid
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


@pytest.fixture
def db(app, with_standard):
    return app.extensions["otj"].db


def test_summary_cards_count_live_otj_hours_this_week_and_ksb_coverage(client, db, codes):
    set_profile(db, planned_otj_hours=40.0)
    add_activity(db, day=MONDAY, minutes=90, ksb_ids=(codes["K1"], codes["S1"]))
    add_activity(db, day=TODAY, minutes=30, ksb_ids=(codes["K1"],))
    add_activity(db, day=MONDAY - timedelta(days=1), minutes=600)  # last week
    gone = add_activity(db, day=TODAY, minutes=240, ksb_ids=(codes["B1"],))
    client.post(f"/activities/{gone}/delete")

    page = client.get("/").get_data(as_text=True)

    assert text_of(page, "total-hours") == "12"
    assert text_of(page, "week-hours") == "2"
    assert text_of(page, "activity-count") == "3"
    assert text_of(page, "ksb-coverage") == "2 of 14"
    assert "of 40 planned · 30%" in page
    assert re.search(r'<progress max="40.0" value="12.0"', page)


def test_pace_shows_expected_hours_how_far_behind_needed_per_week_and_finish(client, db):
    set_profile(
        db,
        start_date=date(2026, 1, 1),
        practical_end_date=date(2027, 1, 1),
        planned_otj_hours=365.0,
    )
    for week in range(8):  # 7 hours in each of the last 8 weeks: 56 hours, 7 a week
        add_activity(db, day=TODAY - timedelta(weeks=week), minutes=420)

    page = client.get("/").get_data(as_text=True)

    assert text_of(page, "expected-hours") == "330.0 h"
    assert "Behind by" in page
    assert text_of(page, "ahead-by") == "274.0 h"
    assert text_of(page, "needed-per-week") == "61.8 h"  # 309 h over the last 5 weeks
    assert text_of(page, "projected-finish") == "2 Oct 2027"  # 309 h at 7 h a week
    assert "You are 274.0 hours behind" in text_of(page, "pace-sentence")


def test_pace_asks_for_dates_and_planned_hours_until_they_are_set(client, db):
    page = client.get("/").get_data(as_text=True)

    assert "to see whether you are on track" in page
    assert 'data-testid="expected-hours"' not in page


def test_charts_carry_weekly_type_and_ksb_hours(client, db, codes):
    add_activity(db, day=TODAY, minutes=90, kind="workshop", ksb_ids=(codes["K2"],))
    add_activity(db, day=TODAY - timedelta(weeks=11), minutes=60, ksb_ids=(codes["S1"],))
    add_activity(db, day=TODAY - timedelta(weeks=12), minutes=600)  # before the window

    specs = chart_specs(client.get("/").get_data(as_text=True))

    weekly = specs["weekly"]
    assert len(weekly["labels"]) == 12
    assert weekly["values"][-1] == 1.5 and weekly["values"][0] == 1.0
    assert sum(weekly["values"]) == 2.5
    assert weekly["labels"][-1] == "W48" and weekly["titles"][-1] == "2026-W48"
    assert dict(zip(specs["types"]["labels"], specs["types"]["values"], strict=True)) == {
        "Self-study": 11.0,
        "Workshop": 1.5,
    }
    ksbs = specs["ksbs"]
    assert ksbs["labels"][:2] == ["K1", "K2"] and ksbs["labels"][-1] == "B3"
    assert ksbs["categories"][0] == "knowledge" and ksbs["categories"][-1] == "behaviour"
    assert ksbs["values"][ksbs["labels"].index("K2")] == 1.5
    assert ksbs["values"][ksbs["labels"].index("S1")] == 1.0


def test_coverage_map_greys_ksbs_without_evidence_and_links_each_to_its_page(client, db, codes):
    add_activity(db, ksb_ids=(codes["K1"],))

    page = client.get("/").get_data(as_text=True)
    coverage = page[page.index('id="ksb-coverage"') :]

    k1 = re.search(rf'<a class="badge badge-knowledge" href="/ksbs/{codes["K1"]}"', coverage)
    k2 = re.search(
        rf'<a class="badge badge-knowledge badge-empty" href="/ksbs/{codes["K2"]}"', coverage
    )
    assert k1 and k2
    assert coverage.count("badge-empty") == 13


def test_top_tags_with_counts_and_the_five_most_recent_with_ksb_badges(client, db, codes):
    for i in range(7):
        add_activity(
            db,
            title=f"Entry {i}",
            day=TODAY - timedelta(days=7 - i),
            tags=("agile",) if i % 2 else ("agile", "safety"),
            ksb_ids=(codes["S2"],),
        )

    page = client.get("/").get_data(as_text=True)
    tags = page[page.index('id="top-tags"') : page.index('id="recent-activities"')]
    recent = page[page.index('id="recent-activities"') :]

    assert re.findall(r'>(\w+) <span class="count"[^>]*>(\d+)<', tags) == [
        ("agile", "7"),
        ("safety", "4"),
    ]
    assert re.findall(r">(Entry \d)</a>", recent) == [f"Entry {i}" for i in (6, 5, 4, 3, 2)]
    assert recent.count(">S2</span>") == 5


def test_training_target_counts_training_courses_and_workshops(client, db):
    set_profile(db, training_target_hours=10.0)
    add_activity(db, kind="training_course", minutes=120)
    add_activity(db, kind="workshop", minutes=60)
    add_activity(db, kind="self_study", minutes=600)

    page = client.get("/").get_data(as_text=True)

    assert text_of(page, "training-hours") == "3 of 10 h"


def test_weekly_card_uses_the_own_target_or_else_the_hours_needed(client, db):
    set_profile(
        db,
        start_date=date(2026, 1, 1),
        practical_end_date=date(2027, 1, 1),
        planned_otj_hours=365.0,
    )
    assert "of 73.0 h needed a week" in client.get("/").get_data(as_text=True)

    set_profile(db, weekly_target_hours=6.0)
    page = client.get("/").get_data(as_text=True)
    assert "of 6.0 h weekly target" in page
    assert text_of(page, "weekly-target") == "6 h a week"
    assert text_of(page, "needed-beside-target") == "Needed to finish on time: 73.0 h a week"


# --- targets edited in place -------------------------------------------------------------------


def post_target(client, name: str, value: str, *, as_json: bool):
    headers = {"Accept": "application/json"} if as_json else {}
    return client.post(f"/targets/{name}", {"value": value}, headers=headers)


@pytest.mark.parametrize(
    ("name", "value", "stored"),
    [
        ("planned_otj_hours", "420.5", 420.5),
        ("weekly_target_hours", "7.25", 7.25),
        ("training_target_hours", "40", 40.0),
        ("training_target_hours", "", None),
    ],
)
def test_each_target_saves_in_place_and_announces_it(client, app, db, name, value, stored):
    events = Events(db)

    response = post_target(client, name, value, as_json=True)

    assert response.status_code == 200
    assert response.get_json()["ok"] is True
    with db.connection() as conn:
        assert getattr(profile_store.get(conn), name) == stored
    assert events.kinds() == ["profile_saved"]
    assert events.last("profile_saved").data["field"] == name
    assert events.last("profile_saved").data["summary"]


def test_a_bad_target_answers_422_with_the_message_and_saves_nothing(client, db):
    set_profile(db, weekly_target_hours=6.0)

    response = post_target(client, "weekly_target_hours", "200", as_json=True)

    assert response.status_code == 422
    assert response.get_json() == {
        "ok": False,
        "field": "weekly_target_hours",
        "error": "Enter a weekly target between 0.25 and 80 hours.",
    }
    with db.connection() as conn:
        assert profile_store.get(conn).weekly_target_hours == 6.0


def test_without_script_a_target_form_redirects_or_shows_the_error_beside_the_field(client, db):
    saved = post_target(client, "planned_otj_hours", "300", as_json=False)
    assert saved.status_code == 302 and saved.headers["Location"] == "/#targets"
    assert "Planned OTJ hours saved." in client.get("/").get_data(as_text=True)

    bad = post_target(client, "planned_otj_hours", "lots", as_json=False)
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    editor = page[page.index('data-inplace="planned_otj_hours"') :]
    assert "Enter the planned OTJ hours from your training plan." in editor[:1500]
    assert 'value="lots"' in editor[:1500]
    assert '<details class="edit-in-place" open>' in page


def test_an_unknown_target_is_not_found(client, db):
    assert post_target(client, "name", "x", as_json=True).status_code == 404


# --- the live-region contract and the CSP, on every progress page --------------------------------


PAGES = [
    "/",
    "/profile",
    "/ksbs",
    "/ksbs/{K1}",
    "/tags",
    "/tags/{tag}/rename",
    "/tags/{tag}/delete",
    "/activities",
    "/activities?q=unit&type=workshop&tag=agile",
    "/activities?drafts=1",
    "/readiness",
    "/checks",
    "/templates",
    "/templates/new",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_follow_the_live_region_contract_and_need_no_inline_code(client, db, codes, path):
    add_activity(db, ksb_ids=(codes["K1"],), tags=("agile",))
    with db.connection() as conn:
        tag = conn.execute("SELECT id FROM tag").fetchone()[0]
    response = client.get(path.format(K1=codes["K1"], tag=tag))
    assert response.status_code == 200
    scan = PageScan(response.get_data(as_text=True))

    ids = [region_id for region_id, _ in scan.regions]
    assert all(ids), "every live region needs an id"
    assert len(ids) == len(set(ids)), "live region ids must be unique"
    assert all(kinds.split() for _, kinds in scan.regions)
    assert scan.editable_in_regions == []
    assert scan.inline == []


def test_dashboard_regions_listen_for_the_events_that_change_them(client, db):
    scan = PageScan(client.get("/").get_data(as_text=True))
    regions = {region_id: set(kinds.split()) for region_id, kinds in scan.regions}

    assert {"activity_saved", "activity_deleted"} <= regions["summary-cards"]
    assert {"profile_saved", "breaks_changed"} <= regions["pace"]
    assert "tags_changed" in regions["top-tags"]
    assert "profile_saved" in regions["target-planned-view"]
    for chart in ("chart-weekly", "chart-types", "chart-ksbs"):  # each redrawn on its own
        assert {"activity_saved", "activity_deleted"} <= regions[chart]
    assert "day_changed" in regions["chart-weekly"]
    assert {"standard_saved", "profile_saved"} <= regions["chart-ksbs"]


def test_chart_data_in_attributes_cannot_break_out_of_them(client, db, codes):
    with db.transaction() as tx:
        tx.execute(
            "UPDATE ksb SET title = ? WHERE id = ?", ('It\'s <b>"quoted"</b> & odd', codes["K1"])
        )
    page = client.get("/").get_data(as_text=True)

    specs = chart_specs(page)
    assert specs["ksbs"]["titles"][0] == 'It\'s <b>"quoted"</b> & odd'
    assert '<b>"quoted"</b>' not in page  # escaped wherever it is shown
