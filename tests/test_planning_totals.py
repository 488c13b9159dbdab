"""Drafts and the types that do not count towards OTJ are left out of every total: the dashboard,
KSB coverage (dashboard and KSB browser), the activity list's counts and search, the CSV export
by default, and the running totals (checked against store/totals.py EXPECTED)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from otj_desktop.domain.activities import ActivityInput
from otj_desktop.domain.activity_types import ACTIVITY_TYPES, counting_type_keys
from otj_desktop.store import activities as activity_store
from otj_desktop.store import stats, totals
from tests.conftest import TODAY
from tests.progress_helpers import add_activity
from tests.test_progress_dashboard import text_of

MONDAY = date(2026, 11, 23)
NOT_OTJ = [t.key for t in ACTIVITY_TYPES if not t.counts_towards_otj]


@pytest.fixture
def db(app, with_standard):
    return app.extensions["otj"].db


def add_draft(db, *, title="Weekly mentoring", day=MONDAY, minutes=120, ksb_ids=(), tags=()):
    with db.transaction() as tx:
        return activity_store.create(
            tx,
            ActivityInput(
                title=title,
                activity_date=day,
                duration_minutes=minutes,
                activity_type="mentoring",
                evidence_quality="good",
                ksb_ids=ksb_ids,
                tags=tags,
            ),
            status="draft",
        )


def csv_titles(client, query: str = "") -> list[str]:
    body = client.get("/activities/export.csv" + query).get_data().decode("utf-8-sig")
    return [row[1] for row in list(csv.reader(io.StringIO(body, newline="")))[1:]]


def listed_count(client, query: str = "") -> str:
    page = client.get("/activities" + query).get_data(as_text=True)
    return re.search(r"(\d+) activit(?:y|ies) (?:in all|match)", page).group(1)


def test_the_new_types_are_logged_but_do_not_count(client, db):
    assert {"english_maths", "progress_review", "assessment", "induction"} <= set(NOT_OTJ)
    assert not set(NOT_OTJ) & set(counting_type_keys())
    page = client.get("/activities/new").get_data(as_text=True)
    assert ">Progress review (not OTJ)</option>" in page
    assert ">English or maths (up to level 2) (not OTJ)</option>" in page


def test_drafts_are_in_no_dashboard_figure_until_confirmed(client, db, codes):
    add_activity(db, day=MONDAY, minutes=60, ksb_ids=(codes["K1"],), quality="good")
    draft = add_draft(db, ksb_ids=(codes["S1"], codes["B1"]), tags=("mentoring",))

    page = client.get("/").get_data(as_text=True)
    assert text_of(page, "total-hours") == "1"
    assert text_of(page, "week-hours") == "1"
    assert text_of(page, "activity-count") == "1"
    assert text_of(page, "ksb-coverage") == "1 of 14"
    assert "mentoring" not in re.search(r'id="top-tags".*?</section>', page, re.S).group(0)
    assert 'id="draft-' + str(draft) + '"' in page  # listed to review instead

    client.post(f"/drafts/{draft}/confirm", {"version": "1"})
    page = client.get("/").get_data(as_text=True)
    assert text_of(page, "total-hours") == "3"
    assert text_of(page, "activity-count") == "2"
    assert text_of(page, "ksb-coverage") == "3 of 14"


def test_non_counting_types_are_in_no_dashboard_figure(client, db, codes):
    add_activity(db, day=MONDAY, minutes=60, kind="workshop", ksb_ids=(codes["K1"],))
    for kind in NOT_OTJ:
        add_activity(db, day=TODAY, minutes=240, kind=kind, ksb_ids=(codes["S1"],))

    page = client.get("/").get_data(as_text=True)
    assert text_of(page, "total-hours") == "1"
    assert text_of(page, "week-hours") == "1"
    assert text_of(page, "activity-count") == "1"
    assert (
        text_of(page, "other-count") == f"and {len(NOT_OTJ)} logged that do not count towards OTJ"
    )
    assert text_of(page, "ksb-coverage") == "1 of 14"  # S1 is linked only by non-OTJ types
    assert text_of(page, "training-hours") == "1"
    weekly = re.search(r"<canvas data-chart='([^']+)'", page).group(1)
    assert '"values": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]' in weekly


def test_ksb_browser_counts_neither_drafts_nor_non_counting_types(client, db, codes):
    add_draft(db, ksb_ids=(codes["K1"],))
    add_activity(db, kind="progress_review", ksb_ids=(codes["K1"],))
    add_activity(db, kind="self_study", minutes=30, ksb_ids=(codes["K2"],))
    with db.connection() as conn:
        found = {
            k.code: k
            for k in stats.ksb_stats(
                conn, conn.execute("SELECT standard_id FROM profile").fetchone()[0]
            )
        }
    assert (found["K1"].activity_count, found["K1"].minutes, found["K1"].other_count) == (0, 0, 1)
    assert (found["K2"].activity_count, found["K2"].minutes) == (1, 30)
    page = client.get("/ksbs").get_data(as_text=True)
    assert re.search(r'id="no-evidence".*?>K1</a>', page, re.S)


def test_lists_search_and_csv_leave_drafts_out_unless_asked(client, db):
    add_activity(db, title="Confirmed reading", day=MONDAY)
    add_draft(db, title="Draft reading")

    assert listed_count(client) == "1"
    assert listed_count(client, "?q=reading") == "1"
    assert listed_count(client, "?drafts=1") == "2"
    assert listed_count(client, "?q=reading&drafts=1") == "2"
    assert csv_titles(client) == ["Confirmed reading"]
    assert sorted(csv_titles(client, "?drafts=1")) == ["Confirmed reading", "Draft reading"]
    page = client.get("/activities?drafts=1").get_data(as_text=True)
    assert 'class="tag draft-tag">Draft</span>' in page


def test_running_totals_match_expected_through_drafts_and_confirmation(client, db, codes):
    add_activity(db, ksb_ids=(codes["K1"],), tags=("agile",))
    draft = add_draft(db, ksb_ids=(codes["K1"], codes["S2"]), tags=("agile", "new"))
    for kind in NOT_OTJ:
        add_activity(db, kind=kind, ksb_ids=(codes["S2"],))

    def check() -> None:
        with db.connection() as conn:
            assert totals.differences(conn) == {}

    def mentoring_total() -> int:
        with db.connection() as conn:
            row = conn.execute(
                "SELECT activity_count FROM activity_type_total WHERE activity_type = 'mentoring'"
            ).fetchone()
        return row[0] if row else 0

    check()
    assert mentoring_total() == 0  # the draft
    client.post(f"/drafts/{draft}/confirm", {"version": "1"})
    check()
    assert mentoring_total() == 1
    client.post(f"/activities/{draft}/delete")
    check()
    assert mentoring_total() == 0
    with db.transaction() as tx:
        activity_store.restore(tx, draft, expected_version=3)
    check()
    assert mentoring_total() == 1
