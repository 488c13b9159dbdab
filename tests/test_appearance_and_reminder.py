"""Appearance (light / dark / system, remembered across restarts, announced to every window)
and the gentle reminder (nothing logged this week, or a month ending with nothing logged)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from otj_desktop.domain.reminders import month_is_ending, reminder_due, week_period
from otj_desktop.store import profile as profile_store
from otj_desktop.web import create_app
from otj_desktop.web.security import launch_path
from tests.archive_helpers import fingerprint
from tests.conftest import TODAY
from tests.progress_helpers import Events, add_activity


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


# --- appearance --------------------------------------------------------------------------------


def test_the_theme_follows_the_system_until_one_is_chosen(client):
    page = client.get("/setup").get_data(as_text=True)
    assert html_tag(page) == '<html lang="en-GB">'
    assert 'aria-pressed="true" title="Match the system">Auto<' in page
    assert 'src="/static/js/appearance.js"' in page and "<script>" not in page


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_choosing_a_theme_renders_it_on_every_page_and_announces_it(client, app, theme):
    events = Events(app.extensions["otj"].db)
    response = client.post("/appearance", {"theme": theme, "next": "/about"})
    assert response.status_code == 303 and response.headers["Location"] == "/about"
    for path in ("/about", "/setup", "/backups"):
        assert html_tag(client.get(path).get_data(as_text=True)) == (
            f'<html lang="en-GB" data-theme="{theme}">'
        )
    assert events.last("appearance_changed").data["theme"] == theme
    client.post("/appearance", {"theme": "system"})
    assert "data-theme" not in html_tag(client.get("/about").get_data(as_text=True))


def test_the_theme_is_remembered_across_restarts(client, app, tmp_path):
    client.post("/appearance", {"theme": "dark"})
    again = create_app({"DATA_DIR": tmp_path / "data", "TESTING": True})
    try:
        other = again.test_client()
        other.get(launch_path(again.extensions["otj"].launch_tokens))
        page = other.get("/about").get_data(as_text=True)
        assert html_tag(page) == '<html lang="en-GB" data-theme="dark">'
        assert 'aria-pressed="true" title="Dark">Dark<' in page
    finally:
        again.extensions["otj"].broker.close()
        again.extensions["otj"].db.release()


def test_the_page_script_saves_the_theme_without_leaving_the_page(client, app):
    response = client.post("/appearance", {"theme": "dark"}, headers={"Accept": "application/json"})
    assert response.status_code == 204
    assert html_tag(client.get("/about").get_data(as_text=True)).endswith('data-theme="dark">')


@pytest.mark.parametrize("theme", ["", "purple", "dark ", "<script>", "System"])
def test_a_theme_the_app_does_not_have_is_refused_and_nothing_changes(client, app, theme):
    before = fingerprint(app.extensions["otj"].db)
    assert client.post("/appearance", {"theme": theme}).status_code == 400
    assert fingerprint(app.extensions["otj"].db) == before


def test_only_same_app_pages_are_returned_to(client):
    for next_path in ("https://evil.example/", "//evil.example", "javascript:alert(1)"):
        response = client.post("/appearance", {"theme": "dark", "next": next_path})
        assert response.headers["Location"] == "/"


def test_an_unreadable_setting_falls_back_to_the_system_theme(client, app):
    with app.extensions["otj"].db.connection() as conn:
        conn.execute("INSERT INTO setting (key, value) VALUES ('appearance', '{broken')")
    assert html_tag(client.get("/about").get_data(as_text=True)) == '<html lang="en-GB">'


# --- the reminder: rules -----------------------------------------------------------------------


def test_a_month_ends_in_its_last_five_days():
    assert not month_is_ending(date(2026, 11, 25))
    assert month_is_ending(date(2026, 11, 26)) and month_is_ending(date(2026, 11, 30))
    assert month_is_ending(date(2027, 2, 24)) and not month_is_ending(date(2027, 2, 23))


def test_which_reminder_is_due():
    friday = TODAY  # 27 November 2026: the month is ending
    quiet = {"minutes_this_week": 0, "minutes_this_month": 0, "dismissed": {}}
    month = reminder_due(friday, **quiet)
    assert (month.kind, month.period) == ("month", "2026-11")
    assert month.message.startswith("November ends in 3 days and no learning is logged")
    week = reminder_due(friday, **{**quiet, "minutes_this_month": 60})
    assert (week.kind, week.period) == ("week", "2026-W48")
    assert (
        reminder_due(friday, **{**quiet, "minutes_this_week": 15, "minutes_this_month": 15}) is None
    )
    # Dismissing the month one still leaves the week one; dismissing both leaves nothing.
    assert reminder_due(friday, **{**quiet, "dismissed": {"month": "2026-11"}}).kind == "week"
    both = {"month": "2026-11", "week": "2026-W48"}
    assert reminder_due(friday, **{**quiet, "dismissed": both}) is None
    # A new week brings it back.
    assert reminder_due(date(2026, 12, 1), **{**quiet, "dismissed": both}).period == "2026-W49"
    # Only inside the practical period.
    assert reminder_due(friday, **quiet, start=date(2027, 1, 1)) is None
    assert reminder_due(friday, **quiet, end=date(2026, 10, 31)) is None
    assert reminder_due(date(2026, 11, 30), **quiet).message.startswith("November ends today")
    assert week_period(date(2027, 1, 1)) == "2026-W53"


# --- the reminder: pages -----------------------------------------------------------------------


@pytest.fixture
def db(app, with_standard):
    return app.extensions["otj"].db


def reminder_text(page: str) -> str:
    block = re.search(r'<div id="reminder"[^>]*>(.*?)</div>\s*</div>', page, re.S)
    return block.group(1) if block else ""


def test_the_reminder_shows_on_every_page_until_something_is_logged(client, db):
    for path in ("/", "/activities", "/ksbs"):
        page = client.get(path).get_data(as_text=True)
        assert "November ends in 3 days and no learning is logged for it yet." in page
        assert 'form="reminder-form" name="period" value="2026-11"' in page
    add_activity(db, day=date(2026, 11, 2))
    page = client.get("/").get_data(as_text=True)
    assert "Nothing logged this week yet." in page
    add_activity(db, day=TODAY)
    assert 'class="notice notice-info reminder"' not in client.get("/").get_data(as_text=True)


def test_drafts_and_non_otj_types_do_not_quiet_the_reminder(client, db):
    add_activity(db, day=TODAY, kind="progress_review")
    assert "no learning is logged" in client.get("/").get_data(as_text=True)


def test_dismissing_it_is_remembered_for_its_month_and_announced(client, app, db):
    events = Events(db)
    response = client.post("/reminders/dismiss", {"period": "2026-11", "next": "/activities"})
    assert response.status_code == 303 and response.headers["Location"] == "/activities"
    assert events.last("reminder_dismissed").data == {
        "reminder": "month",
        "period": "2026-11",
        "summary": "",
    }
    page = client.get("/").get_data(as_text=True)
    assert "November ends" not in page and "Nothing logged this week yet." in page
    client.post("/reminders/dismiss", {"period": "2026-W48"})
    assert 'class="notice notice-info reminder"' not in client.get("/").get_data(as_text=True)
    app.extensions["otj"].clock = lambda: date(2026, 11, 30)  # a new week, same month
    assert "Nothing logged this week yet." in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("period", ["", "2026", "2026-W4", "week", "2026-11-01", "<b>", "2026-13x"])
def test_a_bad_period_is_refused_and_nothing_changes(client, db, period):
    before = fingerprint(db)
    assert client.post("/reminders/dismiss", {"period": period}).status_code == 400
    assert fingerprint(db) == before


def test_no_reminder_before_setup_or_outside_the_practical_period(client, app):
    assert "reminder" not in reminder_text(client.get("/setup").get_data(as_text=True))
    from otj_desktop.standards.importer import parse_standard
    from otj_desktop.store import standards as standard_store
    from tests.conftest import standard_json  # set up, with a period that starts next year

    db = app.extensions["otj"].db
    with db.transaction() as tx:
        standard_id = standard_store.add(tx, parse_standard(standard_json())).standard_id
        profile_store.save(
            tx,
            replace(
                profile_store.get(tx.conn), standard_id=standard_id, start_date=date(2027, 1, 4)
            ),
        )
    assert 'class="notice notice-info reminder"' not in client.get("/").get_data(as_text=True)


def test_the_reminder_and_toggle_are_live_regions_holding_no_form(client, db):
    page = client.get("/").get_data(as_text=True)
    reminder = re.search(r'<div id="reminder" data-live="([^"]+)"', page).group(1).split()
    assert {"activity_saved", "day_changed", "reminder_dismissed"} <= set(reminder)
    toggle = re.search(r'id="appearance-toggle" data-live="([^"]+)"', page).group(1)
    assert toggle == "appearance_changed"
    assert page.index('id="reminder-form"') < page.index('id="reminder"')


def test_the_page_script_dismisses_without_leaving_the_page(client, db):
    response = client.post(
        "/reminders/dismiss", {"period": "2026-11"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 204
    assert "November ends" not in client.get("/").get_data(as_text=True)
