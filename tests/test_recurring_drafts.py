"""Recurring templates make one draft per due date: with a frozen clock across gaps of weeks,
across restarts, never before the template's start, never twice; the day scheduler runs them;
and the drafts are reviewed (confirmed, edited, deleted) through the pages."""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from datetime import date, timedelta

import pytest

from otj_desktop.domain.templates import TemplateInput, due_dates
from otj_desktop.scheduler import DayScheduler
from otj_desktop.store import activities as activity_store
from otj_desktop.store import drafts as draft_store
from otj_desktop.store import templates as template_store
from otj_desktop.web import create_app
from tests.conftest import TODAY, activity_form
from tests.progress_helpers import Events, ksb_ids_by_code

MONDAY = date(2026, 11, 23)  # TODAY (Friday 27 November 2026) is in its week


def weekly(**overrides) -> TemplateInput:
    values = {
        "name": "Weekly mentoring",
        "title": "Mentoring with Priya",
        "activity_type": "mentoring",
        "duration_minutes": 60,
        "evidence_quality": "good",
        "tags": ("mentoring",),
        "weekday": 0,
        "active": True,
        "start_date": MONDAY,
    }
    values.update(overrides)
    return TemplateInput(**values)


def add_template(db, data: TemplateInput, *, today: date) -> int:
    with db.transaction() as tx:
        return template_store.create(tx, data, today=today)


def draft_dates(db) -> list[date]:
    with db.connection() as conn:
        rows = conn.execute(
            """SELECT a.activity_date FROM template_draft d JOIN activity a ON a.id = d.activity_id
               ORDER BY a.activity_date"""
        ).fetchall()
    return [date.fromisoformat(r[0]) for r in rows]


def make(db, today: date) -> list[draft_store.Made]:
    with db.transaction() as tx:
        return draft_store.make_due_drafts(tx, today)


@contextmanager
def app_on(folder, today: date):
    """Another start of the app on the same data folder, its clock frozen at ``today``."""
    app = create_app({"DATA_DIR": folder, "TESTING": True})
    app.extensions["otj"].clock = lambda: today
    try:
        yield app
    finally:
        app.extensions["otj"].broker.close()
        app.extensions["otj"].db.release()


# --- the rule ----------------------------------------------------------------------------------


def test_due_dates_fall_on_the_weekday_from_the_start_after_the_last_one_made():
    start = date(2026, 11, 4)  # a Wednesday
    assert due_dates(0, start, None, start) == []  # the first Monday is not yet
    assert due_dates(0, start, None, date(2026, 11, 23)) == [
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 23),
    ]
    assert due_dates(2, start, None, start) == [start]  # the start day itself can be due
    assert due_dates(0, start, date(2026, 11, 16), date(2026, 11, 29)) == [date(2026, 11, 23)]
    assert due_dates(0, start, date(2026, 11, 23), date(2026, 11, 29)) == []
    assert due_dates(0, date(2027, 1, 1), None, date(2026, 11, 30)) == []  # starts later


# --- catching up -------------------------------------------------------------------------------


def test_weeks_closed_are_caught_up_once_each_and_never_again_after_restarts(app, tmp_path):
    db = app.extensions["otj"].db
    add_template(db, weekly(start_date=MONDAY - timedelta(weeks=2)), today=MONDAY - timedelta(1))
    # The app is closed for five weeks; it starts again on a Thursday.
    later = MONDAY + timedelta(weeks=5, days=3)
    folder = tmp_path / "data"
    with app_on(folder, later) as second:
        made = DayScheduler(second.extensions["otj"]).run_once()
    expected = [MONDAY + timedelta(weeks=n) for n in range(6)]
    assert [m.due_date for m in made] == expected
    assert draft_dates(db) == expected
    for _ in range(2):  # restarted the same day, twice: nothing new
        with app_on(folder, later) as again:
            assert DayScheduler(again.extensions["otj"]).run_once() == []
    assert draft_dates(db) == expected
    with db.connection() as conn:
        drafts = activity_store.drafts(conn)
        assert len(drafts) == 6 and all(d.status == "draft" for d in drafts)
        assert {d.title for d in drafts} == {"Mentoring with Priya"}
        assert {tuple(d.tags) for d in drafts} == {("mentoring",)}


def test_no_draft_is_made_before_the_template_starts(app):
    db = app.extensions["otj"].db
    start = MONDAY + timedelta(weeks=3, days=2)  # a Wednesday, three weeks ahead
    add_template(db, weekly(start_date=start), today=MONDAY)
    for day in range(0, 7 * 6):
        make(db, MONDAY + timedelta(days=day))
    dates = draft_dates(db)
    assert dates == [MONDAY + timedelta(weeks=n) for n in (4, 5)]
    assert all(d >= start for d in dates)


def test_a_recurrence_switched_on_makes_no_drafts_for_the_weeks_before(app):
    db = app.extensions["otj"].db
    add_template(db, weekly(start_date=MONDAY - timedelta(weeks=8)), today=TODAY)
    assert make(db, TODAY) == []
    assert [m.due_date for m in make(db, MONDAY + timedelta(weeks=1))] == [
        MONDAY + timedelta(weeks=1)
    ]


def test_a_paused_recurrence_makes_nothing_and_resuming_does_not_fill_the_gap(app):
    db = app.extensions["otj"].db
    template_id = add_template(db, weekly(), today=MONDAY - timedelta(days=1))
    make(db, MONDAY)
    with db.transaction() as tx:
        template_store.update(tx, template_id, weekly(active=False), today=MONDAY)
    assert make(db, MONDAY + timedelta(weeks=3)) == []
    resumed_on = MONDAY + timedelta(weeks=3, days=2)
    with db.transaction() as tx:
        template_store.update(tx, template_id, weekly(), today=resumed_on)
    make(db, MONDAY + timedelta(weeks=5))
    assert draft_dates(db) == [MONDAY, MONDAY + timedelta(weeks=4), MONDAY + timedelta(weeks=5)]


def test_a_deleted_draft_is_not_made_again(app):
    db = app.extensions["otj"].db
    add_template(db, weekly(), today=MONDAY - timedelta(days=1))
    [made] = make(db, MONDAY)
    with db.transaction() as tx:
        activity_store.soft_delete(tx, made.activity_id)
    with db.transaction() as tx:  # even if its last date were wound back by hand
        tx.execute("UPDATE activity_template SET last_due_date = NULL")
    assert make(db, TODAY) == []


def test_the_database_refuses_a_second_draft_for_the_same_date(app):
    db = app.extensions["otj"].db
    template_id = add_template(db, weekly(), today=MONDAY - timedelta(days=1))
    make(db, MONDAY)
    with pytest.raises(sqlite3.IntegrityError), db.connection() as conn:
        conn.execute(
            "INSERT INTO template_draft (template_id, due_date, created_at) VALUES (?, ?, 'x')",
            (template_id, MONDAY.isoformat()),
        )


def test_a_draft_links_the_ksbs_still_in_the_standard(app, with_standard):
    db = app.extensions["otj"].db
    codes = ksb_ids_by_code(db)
    add_template(db, weekly(ksb_ids=(codes["K1"], codes["S5"])), today=MONDAY - timedelta(1))
    from otj_desktop.store import standards as standard_store

    with db.transaction() as tx:
        standard_store.delete_ksb(tx, codes["S5"])
    [made] = make(db, MONDAY)
    with db.connection() as conn:
        assert activity_store.get(conn, made.activity_id).ksb_codes == ["K1"]


def test_drafts_are_announced_without_a_notice(app):
    db = app.extensions["otj"].db
    events = Events(db)
    add_template(db, weekly(), today=MONDAY - timedelta(days=1))
    [made] = make(db, MONDAY)
    saved = events.last("activity_saved")
    assert saved.data["id"] == made.activity_id and saved.data["status"] == "draft"
    assert saved.data["summary"] == ""  # no "… in another window" for the app's own work


# --- the scheduler -----------------------------------------------------------------------------


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_scheduler_runs_at_start_and_again_when_the_day_changes(app):
    state = app.extensions["otj"]
    events = Events(state.db)
    add_template(state.db, weekly(), today=MONDAY - timedelta(days=1))
    today = [MONDAY - timedelta(days=1)]
    state.clock = lambda: today[0]
    scheduler = DayScheduler(state, interval=0.02)
    scheduler.start()
    try:
        assert draft_dates(state.db) == []
        assert [c.data["day"] for c in events.changes if c.kind == "day_changed"] == [
            (MONDAY - timedelta(days=1)).isoformat()
        ]
        today[0] = MONDAY  # midnight passes while the app runs
        wait_for(lambda: draft_dates(state.db) == [MONDAY])
        wait_for(lambda: events.last("day_changed").data["day"] == MONDAY.isoformat())
        time.sleep(0.1)  # many more checks on the same day: nothing more happens
        assert draft_dates(state.db) == [MONDAY]
        assert [c.kind for c in events.changes].count("day_changed") == 2
    finally:
        scheduler.stop()
    assert not scheduler._thread.is_alive()


def test_saving_a_recurring_template_wakes_the_scheduler(client, app):
    state = app.extensions["otj"]
    state.clock = lambda: MONDAY
    scheduler = DayScheduler(state, interval=3600)  # only a wake-up can make it run again
    scheduler.start()
    try:
        response = client.post(
            "/templates/new",
            {
                "name": "Standup",
                "title": "Team standup",
                "activity_type": "project_work",
                "duration_hours": "0.25",
                "recurring": "1",
                "weekday": "0",
                "active": "1",
            },
        )
        assert response.status_code == 302
        wait_for(lambda: draft_dates(state.db) == [MONDAY])
    finally:
        scheduler.stop()


def test_a_failing_run_is_logged_and_the_scheduler_carries_on(app, monkeypatch, caplog):
    state = app.extensions["otj"]

    def broken(tx, today):
        raise RuntimeError("boom")

    monkeypatch.setattr(draft_store, "make_due_drafts", broken)
    assert DayScheduler(state).run_once() == []
    assert "The day's jobs failed" in caplog.text


# --- reviewing drafts --------------------------------------------------------------------------


@pytest.fixture
def draft(app, with_standard) -> int:
    db = app.extensions["otj"].db
    add_template(db, weekly(), today=MONDAY - timedelta(days=1))
    [made] = make(db, MONDAY)
    return made.activity_id


def test_drafts_are_listed_to_review_on_the_dashboard_and_the_activity_list(client, draft):
    for path in ("/", "/activities"):
        page = client.get(path).get_data(as_text=True)
        assert 'id="drafts-to-review"' in page
        assert 'data-testid="draft-count">1<' in page
        assert f'formaction="/drafts/{draft}/confirm" name="version" value="1"' in page
        assert f'href="/activities/{draft}/edit"' in page
        assert f'href="/activities/{draft}/delete"' in page
        assert "from “Weekly mentoring”" in page
    show = client.get(f"/activities/{draft}").get_data(as_text=True)
    assert 'data-testid="draft-notice"' in show and "Confirm draft" in show


def test_confirming_a_draft_counts_it_and_every_window_hears(client, app, draft):
    events = Events(app.extensions["otj"].db)
    response = client.post(f"/drafts/{draft}/confirm", {"version": "1", "next": "/activities"})
    assert response.status_code == 303 and response.headers["Location"] == "/activities"
    saved = events.last("activity_saved")
    assert (saved.data["id"], saved.data["action"], saved.data["status"]) == (
        draft,
        "confirmed",
        "confirmed",
    )
    assert saved.data["summary"] == "“Mentoring with Priya” confirmed"
    page = client.get("/activities").get_data(as_text=True)
    assert "Confirmed “Mentoring with Priya”: it now counts in every total." in page
    assert f'id="draft-{draft}"' not in page
    history = client.get(f"/activities/{draft}").get_data(as_text=True)
    assert "Draft (not confirmed yet)" in history and "Confirmed" in history


def test_confirming_a_stale_or_confirmed_draft_does_nothing(client, app, draft):
    response = client.post(f"/drafts/{draft}/confirm", {"version": "7"})
    assert response.status_code == 303
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "changed in another window" in follow
    client.post(f"/drafts/{draft}/confirm", {"version": "1"})
    response = client.post(f"/drafts/{draft}/confirm", {"version": "2"})
    assert "already confirmed or deleted" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert client.post("/drafts/999/confirm", {"version": "1"}).status_code == 303
    with app.extensions["otj"].db.connection() as conn:
        assert activity_store.get(conn, draft).version == 2


def test_a_draft_can_be_edited_and_confirmed_in_one_save(client, app, draft):
    form = client.get(f"/activities/{draft}/edit").get_data(as_text=True)
    assert 'name="confirm" value="1"' in form and "Save and confirm" in form
    edited = activity_form(title="Mentoring: code review", activity_date=MONDAY.isoformat())
    client.post(f"/activities/{draft}/edit", {**edited, "version": "1"})  # plain save
    with app.extensions["otj"].db.connection() as conn:
        assert activity_store.get(conn, draft).status == "draft"
    client.post(f"/activities/{draft}/edit", {**edited, "version": "2", "confirm": "1"})
    with app.extensions["otj"].db.connection() as conn:
        stored = activity_store.get(conn, draft)
    assert (stored.title, stored.status, stored.version) == (
        "Mentoring: code review",
        "confirmed",
        3,
    )


def test_confirm_on_a_confirmed_activity_changes_nothing(client, app, with_standard):
    location = client.post("/activities/new", activity_form()).headers["Location"]
    activity_id = int(location.rsplit("/", 1)[1])
    client.post(
        f"/activities/{activity_id}/edit", {**activity_form(), "version": "1", "confirm": "1"}
    )
    with app.extensions["otj"].db.connection() as conn:
        assert activity_store.get(conn, activity_id).status == "confirmed"
    assert "Save and confirm" not in client.get(f"/activities/{activity_id}/edit").get_data(
        as_text=True
    )
