"""Readiness and gaps: the score and its weights (pure rules), and the page and dashboard card
through the test client, including the CORE-stage check against resource links when the app
has them."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from otj_desktop.domain.activities import ActivityInput
from otj_desktop.domain.readiness import (
    CORE_STAGES,
    ENOUGH_MINUTES,
    WEIGHTS,
    KsbEvidence,
    assess,
    best_quality,
)
from otj_desktop.store import activities as activity_store
from otj_desktop.store import readiness as readiness_store
from tests.conftest import TODAY
from tests.progress_helpers import add_activity
from tests.test_progress_dashboard import text_of


def ksb(code: str, **values) -> KsbEvidence:
    return KsbEvidence(id=hash(code) % 1000, code=code, category="knowledge", label=code, **values)


# --- the rules ---------------------------------------------------------------------------------


def test_the_weights_add_up_and_the_score_follows_them():
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    full = ksb(
        "K1",
        activity_count=3,
        minutes=ENOUGH_MINUTES,
        best_quality="review_ready",
        touched_recently=True,
    )
    assert assess([full]).score == 100
    assert assess([]).score == 0
    # Some evidence (0.5 coverage) of Good quality (0.75): 0.6 * 0.5 + 0.4 * 0.75 = 0.6.
    thin = ksb("K2", activity_count=1, minutes=30, best_quality="good", touched_recently=True)
    assert assess([thin]).score == 60
    # Averaged over every KSB: one full and one with nothing.
    result = assess([full, ksb("K3")])
    assert (result.coverage, result.quality, result.score) == (0.5, 0.5, 50)


def test_gaps_are_sorted_into_their_kinds():
    none = ksb("K1")
    drafts_only = ksb("K2", draft_count=2)
    draft_quality = ksb("K3", activity_count=1, minutes=200, best_quality="draft")
    thin = ksb("K4", activity_count=1, minutes=60, best_quality="good", touched_recently=True)
    stale = ksb("K5", activity_count=4, minutes=600, best_quality="good")
    good = ksb(
        "K6", activity_count=2, minutes=180, best_quality="review_ready", touched_recently=True
    )
    r = assess([none, drafts_only, draft_quality, thin, stale, good])
    assert [k.code for k in r.no_evidence] == ["K1"]
    assert [k.code for k in r.only_draft] == ["K2", "K3"]
    assert [k.code for k in r.under_two_hours] == ["K4"]
    assert [k.code for k in r.stale] == ["K3", "K5"]


def test_priority_actions_come_most_useful_first():
    r = assess(
        [ksb(f"K{n}") for n in range(1, 7)] + [ksb("S1", activity_count=1, minutes=15)],
        types_never_used=["Shadowing", "Research"],
        core_never_used=["Engage"],
        drafts_waiting=2,
    )
    texts = [a.text for a in r.actions]
    assert texts[0] == "Review 2 drafts: drafts count once you confirm them."
    assert texts[1] == "Log learning for K1, K2, K3, K4 and 2 more: no evidence yet."
    assert texts[-2] == "Try other kinds of learning: Shadowing and Research."
    assert texts[-1] == "Add resource links for the Engage stage of CORE."
    assert len(r.top_actions) == 3
    assert assess([ksb("K1")], core_never_used=None).core_never_used is None


def test_best_quality_prefers_ready_then_good_then_draft():
    assert best_quality(("draft", "review_ready", "good")) == "review_ready"
    assert best_quality(("draft", "good")) == "good"
    assert best_quality(()) is None


# --- from the database and through the pages --------------------------------------------------


@pytest.fixture
def db(app, with_standard):
    return app.extensions["otj"].db


def add_draft(db, ksb_ids) -> int:
    with db.transaction() as tx:
        return activity_store.create(
            tx,
            ActivityInput(
                title="Draft",
                activity_date=TODAY,
                duration_minutes=600,
                activity_type="mentoring",
                evidence_quality="review_ready",
                ksb_ids=ksb_ids,
            ),
            status="draft",
        )


def evidence(db, with_standard) -> dict[str, KsbEvidence]:
    with db.connection() as conn:
        return {k.code: k for k in readiness_store.evidence(conn, with_standard, TODAY)}


def test_evidence_is_read_from_confirmed_otj_activities_only(db, codes, with_standard):
    add_activity(db, day=TODAY, minutes=150, ksb_ids=(codes["K1"],), quality="good")
    add_activity(
        db,
        day=TODAY - timedelta(days=45),
        minutes=60,
        ksb_ids=(codes["K2"],),
        quality="review_ready",
    )
    add_activity(
        db,
        kind="progress_review",
        minutes=600,
        ksb_ids=(codes["K3"],),
        quality="review_ready",
        day=TODAY,
    )
    add_draft(db, (codes["K4"],))
    found = evidence(db, with_standard)
    assert (found["K1"].minutes, found["K1"].best_quality, found["K1"].touched_recently) == (
        150,
        "good",
        True,
    )
    assert (found["K2"].best_quality, found["K2"].touched_recently) == ("review_ready", False)
    assert (found["K3"].activity_count, found["K3"].best_quality) == (0, None)
    assert (found["K4"].activity_count, found["K4"].draft_count) == (0, 1)
    with db.connection() as conn:
        assert readiness_store.last_evidenced(conn, [codes["K2"]]) == {
            codes["K2"]: TODAY - timedelta(days=45)
        }
        assert "Mentoring" in readiness_store.types_never_used(conn)
        assert "Self-study" not in readiness_store.types_never_used(conn)
        assert readiness_store.core_stages_never_used(conn) == list(CORE_STAGES.values())


def test_the_readiness_page_shows_the_score_weights_actions_and_gaps(client, db, codes):
    add_activity(db, day=TODAY, minutes=150, ksb_ids=(codes["K1"],), quality="review_ready")
    add_activity(db, day=date(2026, 9, 1), minutes=60, ksb_ids=(codes["S1"],), quality="draft")
    add_draft(db, (codes["B1"],))
    page = client.get("/readiness").get_data(as_text=True)
    assert "Readiness and gaps — OTJ Desktop" in page
    # 14 KSBs: K1 full (1, 1); S1 some (0.5) of Draft quality (0.25); the rest nothing.
    coverage, quality = 1.5 / 14, 1.25 / 14
    score = round(100 * (0.6 * coverage + 0.4 * quality))
    assert text_of(page, "readiness-score") == f"{score} /100"
    assert ">60%<" in page and ">40%<" in page  # the weights are shown
    assert "Review 1 draft: drafts count once you confirm them." in page
    no_evidence = re.search(r'id="gap-no-evidence".*?</div>', page, re.S).group(0)
    assert ">K2</a>" in no_evidence and ">B1</a>" not in no_evidence  # B1 has a draft
    only_draft = re.search(r'id="gap-only-draft".*?</div>', page, re.S).group(0)
    assert ">S1</a>" in only_draft and ">B1</a>" in only_draft and ">K1</a>" not in only_draft
    stale = re.search(r'id="gap-stale".*?</div>', page, re.S).group(0)
    assert ">S1</a>" in stale and "last 1 Sep 2026" in stale
    core = re.search(r'id="gap-core".*?</div>', page, re.S).group(0)
    assert "Capture, Organise, Review, Engage" in core  # no resource links yet
    assert 'data-live="activity_saved activity_deleted' in page


def test_the_dashboard_card_shows_the_score_and_the_top_actions(client, db, codes):
    page = client.get("/").get_data(as_text=True)
    card = re.search(r'<section id="readiness-card".*?</section>', page, re.S).group(0)
    assert text_of(card, "readiness-score") == "0 /100"
    assert card.count("<li>") == 3  # no evidence; other kinds of learning; CORE stages
    add_activity(db, day=TODAY, minutes=30, ksb_ids=(codes["K1"],), quality="draft")
    page = client.get("/").get_data(as_text=True)
    card = re.search(r'<section id="readiness-card".*?</section>', page, re.S).group(0)
    assert card.count("<li>") == 3  # the top three of five
    assert "Log learning for K2" in card and "Write up the evidence for K1" in card
    assert 'href="/readiness"' in card and 'href="/checks"' in card


def test_core_stages_are_checked_against_resource_links(client, db):
    activity_id = add_activity(db)
    gone = add_activity(db, title="Deleted")
    with db.connection() as conn:
        conn.execute(
            """INSERT INTO activity_resource_link
                   (activity_id, position, stage, title, url, source)
               VALUES (?, 1, 'capture', 'a', 'https://a', 'website'),
                      (?, 2, 'review', 'b', 'https://b', 'website'),
                      (?, 1, 'engage', 'c', 'https://c', 'website')""",
            (activity_id, activity_id, gone),
        )
    client.post(f"/activities/{gone}/delete")
    with db.connection() as conn:
        assert readiness_store.core_stages_never_used(conn) == ["Organise", "Engage"]
    page = client.get("/readiness").get_data(as_text=True)
    core = re.search(r'id="gap-core".*?</div>', page, re.S).group(0)
    assert "Organise, Engage" in core
    assert "Add resource links for the Organise and Engage stages of CORE." in page


def test_readiness_waits_for_setup(client):
    assert client.get("/readiness").headers["Location"] == "/setup"
