"""The planning features in a real browser (Debian's chromium, the real server): the template
form and applying a template to the new-activity form, confirming a draft from the list, and
the appearance toggle switching another window's theme live."""

from __future__ import annotations

import pytest

from otj_desktop.store import templates as template_store
from tests.browser import expect, open_page
from tests.conftest import TODAY

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_template_is_made_in_the_form_and_applied_to_a_new_activity(
    context, live_server, with_standard
):
    page = open_page(context, live_server, "/templates/new")
    page.get_by_label("Template name").fill("Weekly mentoring")
    page.get_by_label("Activity title").fill("Mentoring with Priya")
    page.get_by_label("Activity type").select_option("mentoring")
    page.get_by_label("Duration (hours)").fill("1.5")
    page.get_by_label("K1").check()
    page.get_by_label("Tags").fill("mentoring, people")
    page.get_by_role("button", name="Save template").click()
    expect(page.locator(".flash-success")).to_contain_text("Saved the template “Weekly mentoring”")

    page.get_by_role("link", name="Use Weekly mentoring").click()
    expect(page.locator("#template-applied")).to_contain_text("Weekly mentoring")
    expect(page.get_by_label("Title")).to_have_value("Mentoring with Priya")
    expect(page.get_by_label("Duration (hours)")).to_have_value("1.5")
    expect(page.get_by_label("Date")).to_have_value(TODAY.isoformat())
    expect(page.get_by_label("K1")).to_be_checked()
    # Everything stays editable before saving.
    page.get_by_label("Title").fill("Mentoring: code review")
    page.get_by_label("K2").check()
    page.get_by_label("Description").fill(
        "Walked through a code review with Priya and applied her notes to my pull request."
    )
    page.get_by_role("button", name="Save activity").click()
    expect(page.locator("h1")).to_have_text("Mentoring: code review")
    expect(page.locator(".flash-success")).to_contain_text("Saved")

    # The picker on the form applies it too, without typing the address.
    page.goto(live_server.base_url + "/activities/new")
    page.get_by_label("Start from a template").select_option(label="Weekly mentoring")
    page.get_by_role("button", name="Use template").click()
    expect(page.get_by_label("Title")).to_have_value("Mentoring with Priya")
    assert page.problems == []


def test_a_draft_is_confirmed_from_the_list_and_leaves_it_in_another_window(
    context, live_server, app, with_standard
):
    from datetime import timedelta

    from otj_desktop.domain.templates import TemplateInput
    from otj_desktop.store import drafts as draft_store

    db = app.extensions["otj"].db
    with db.transaction() as tx:
        template_store.create(
            tx,
            TemplateInput(
                name="Standup",
                title="Team standup",
                activity_type="project_work",
                duration_minutes=15,
                weekday=TODAY.weekday(),
                active=True,
                start_date=TODAY,
            ),
            today=TODAY - timedelta(days=1),
        )
    with db.transaction() as tx:
        draft_store.make_due_drafts(tx, TODAY)
    first = open_page(context, live_server, "/activities")
    second = open_page(context, live_server, "/", sign_in=False)
    for page in (first, second):
        expect(page.locator("#live-status")).to_have_attribute("data-state", "connected")
        expect(page.locator("#drafts-to-review")).to_contain_text("Team standup")
    first.get_by_role("button", name="Confirm “Team standup”").click()
    expect(first.locator(".flash-success")).to_contain_text("Confirmed “Team standup”")
    expect(second.locator("#drafts-to-review")).not_to_contain_text("Team standup")
    expect(second.get_by_test_id("activity-count")).to_have_text("1")


def test_the_appearance_toggle_switches_another_windows_theme_live(
    context, live_server, with_standard
):
    first = open_page(context, live_server, "/activities/new")
    second = open_page(context, live_server, "/activities", sign_in=False)
    for page in (first, second):
        expect(page.locator("#live-status")).to_have_attribute("data-state", "connected")
        assert page.evaluate("document.documentElement.getAttribute('data-theme')") is None

    first.get_by_label("Title").fill("Typed before switching")
    first.get_by_role("button", name="Dark").click()
    expect(first.locator("html")).to_have_attribute("data-theme", "dark")
    expect(first.get_by_role("button", name="Dark")).to_have_attribute("aria-pressed", "true")
    expect(first.get_by_label("Title")).to_have_value("Typed before switching")  # never left

    # The reminder's Dismiss saves in the background too, and it leaves every window.
    for page in (first, second):
        expect(page.locator("#reminder")).to_contain_text("November ends in 3 days")
    first.get_by_role("button", name="Dismiss").click()
    for page in (first, second):
        expect(page.locator("#reminder")).to_contain_text("Nothing logged this week yet")
    expect(first.get_by_label("Title")).to_have_value("Typed before switching")
    expect(second.locator("html")).to_have_attribute("data-theme", "dark")
    expect(second.get_by_role("button", name="Dark")).to_have_attribute("aria-pressed", "true")
    background = second.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(17, 20, 24)"  # --bg of the dark theme

    second.get_by_role("button", name="Light").click()
    expect(first.locator("html")).to_have_attribute("data-theme", "light")
    second.get_by_role("button", name="Auto").click()
    expect(first.locator("html")).not_to_have_attribute("data-theme", "light")
    assert first.evaluate("document.documentElement.hasAttribute('data-theme')") is False
    assert first.problems == [] and second.problems == []
