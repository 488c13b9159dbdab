"""In a real browser: log an activity through the form, and see a bad duration explained."""

from __future__ import annotations

import pytest

from tests.browser import open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def page(context, live_server, with_standard):
    return open_page(context, live_server, "/activities/new")


def fill_form(page, duration: str) -> None:
    page.get_by_label("Title").fill("Pairing on the API client")
    page.get_by_label("Date").fill("2026-11-20")
    page.get_by_label("Duration (hours)").fill(duration)
    page.get_by_label("Activity type").select_option(label="Mentoring")
    page.get_by_label("Description").fill("Learned contract testing; applied it to the orders API.")
    page.get_by_label("K1", exact=False).first.check()
    page.get_by_label("Tags").fill("api, pairing")


def test_logging_an_activity_in_the_browser_lists_it(page):
    assert page.title() == "Log an activity — OTJ Desktop"
    fill_form(page, "1.5")
    page.get_by_role("button", name="Save activity").click()
    page.get_by_role("link", name="Activities", exact=True).click()
    row = page.locator("tr", has_text="Pairing on the API client")
    assert row.count() == 1
    assert "1.5" in row.inner_text() and "K1" in row.inner_text()
    assert page.problems == []


def test_bad_duration_shows_the_error_and_keeps_what_was_typed(page):
    fill_form(page, "0.3")
    page.get_by_role("button", name="Save activity").click()
    error = page.locator("#duration_hours-error")
    assert "steps of 0.25" in error.inner_text()
    assert page.get_by_label("Title").input_value() == "Pairing on the API client"
    assert page.get_by_label("Description").input_value().startswith("Learned contract testing")
    assert page.get_by_label("K1", exact=False).first.is_checked()
    assert page.get_by_label("Duration (hours)").get_attribute("aria-invalid") == "true"
