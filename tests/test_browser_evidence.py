"""In a real browser: the resource-link rows added and removed in place, and an upload."""

from __future__ import annotations

import pytest

from otj_desktop.store import activities as activity_store
from otj_desktop.web.security import launch_path
from tests.attachment_helpers import image
from tests.browser import watch

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def browser_page(context, live_server):
    page = watch(context.new_page())
    page.open = lambda path: page.goto(
        live_server.base_url + launch_path(live_server.app.extensions["otj"].launch_tokens, path)
    )
    return page


def stored(live_server, activity_id: int):
    with live_server.app.extensions["otj"].db.connection() as conn:
        return activity_store.get(conn, activity_id)


def test_link_rows_are_added_and_removed_in_place_and_saved(live_server, browser_page):
    page = browser_page
    page.open("/activities/new")
    rows = page.locator("[data-link-row]")
    assert rows.count() == 3
    # The script swapped the no-script controls for buttons.
    assert page.get_by_role("button", name="Add more rows").is_hidden()
    assert page.get_by_text("Remove this link when saving").first.is_hidden()
    page.get_by_label("Title", exact=True).fill("Evidence with links")
    page.get_by_label("Duration (hours)").fill("1")
    page.get_by_label("Activity type").select_option(label="Workshop")

    first = page.get_by_role("group", name="Link 1")
    first.get_by_label("CORE stage").select_option(label="Review")
    first.get_by_label("Source type").select_option(label="Google Docs")
    first.get_by_label("Link name").fill("Retro notes")
    first.get_by_label("Web address").fill("https://docs.google.com/document/d/1")

    page.get_by_role("button", name="Add a link").click()
    assert rows.count() == 4
    new_row = rows.nth(3)
    assert new_row.get_by_label("Link name").evaluate("el => el === document.activeElement")
    new_row.get_by_label("Link name").fill("Pull request")
    new_row.get_by_label("Web address").fill("https://github.com/acme/widgets/pull/9")
    new_row.get_by_label("Source type").select_option(label="GitHub")
    new_row.get_by_label("CORE stage").select_option(label="Engage")

    page.get_by_role("button", name="Remove link 2").click()  # an empty row goes
    assert rows.count() == 3
    assert [rows.nth(i).locator("legend").inner_text() for i in range(3)] == [
        "Link 1",
        "Link 2",
        "Link 3",
    ]
    page.get_by_role("button", name="Save activity").click()
    page.wait_for_url("**/activities/1")
    links = stored(live_server, 1).resource_links
    assert [(x["stage"], x["title"], x["source"]) for x in links] == [
        ("review", "Retro notes", "google_docs"),
        ("engage", "Pull request", "github"),
    ]
    counts = page.locator(".core-stage .count").all_text_contents()  # as screen readers read it
    assert counts == ["0 links", "0 links", "1 link", "1 link"]
    link = page.get_by_role("link", name="Pull request")
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert page.problems == []


def test_a_refused_link_keeps_the_added_rows_with_the_message_beside_it(live_server, browser_page):
    page = browser_page
    page.open("/activities/new")
    page.get_by_label("Title", exact=True).fill("Bad link")
    page.get_by_label("Duration (hours)").fill("1")
    page.get_by_label("Activity type").select_option(label="Workshop")
    page.get_by_role("button", name="Add a link").click()
    row = page.locator("[data-link-row]").nth(3)
    row.get_by_label("Link name").fill("Sneaky")
    row.get_by_label("Web address").fill("javascript:alert(1)")
    page.get_by_role("button", name="Save activity").click()
    error = page.locator("#links-3-url-error")
    assert "Only web addresses" in error.inner_text()
    assert page.locator("#links-3-url").input_value() == "javascript:alert(1)"


def test_uploading_files_shows_them_with_a_thumbnail(live_server, browser_page, tmp_path):
    page = browser_page
    page.open("/activities/new")
    page.get_by_label("Title", exact=True).fill("With files")
    page.get_by_label("Duration (hours)").fill("1")
    page.get_by_label("Activity type").select_option(label="Workshop")
    page.get_by_role("button", name="Save activity").click()
    page.wait_for_url("**/activities/1")
    photo = tmp_path / "whiteboard.png"
    photo.write_bytes(image("PNG", size=(1200, 900)))
    notes = tmp_path / "notes.md"
    notes.write_text("# What I learned\n", encoding="utf-8")
    page.get_by_label("Attach files").set_input_files([str(photo), str(notes)])
    page.get_by_role("button", name="Attach", exact=True).click()
    page.wait_for_url("**/activities/1#attachments")
    assert "Attached “whiteboard.png”, “notes.md”." in page.locator(".flashes").inner_text()
    items = page.locator(".attachment-list .attachment-name").all_inner_texts()
    assert items == ["whiteboard.png", "notes.md"]
    thumb = page.locator("img.attachment-thumb")
    thumb.wait_for()
    assert thumb.evaluate("img => img.complete && img.naturalWidth") == 320
    assert [a.name for a in stored(live_server, 1).attachments] == ["whiteboard.png", "notes.md"]
    # A refused file is explained beside the file field, naming the limits.
    bad = tmp_path / "setup.pdf"
    bad.write_bytes(b"MZ\x90\x00 not a pdf")
    page.get_by_label("Attach files").set_input_files(str(bad))
    page.get_by_role("button", name="Attach", exact=True).click()
    assert "up to 10 MB can be attached" in page.locator("#attachment-files-error").inner_text()
    assert page.problems == []
