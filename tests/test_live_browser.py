"""Live sync in a real browser: Debian's chromium, several pages of one profile, a real server.

Pages of one browser context share one profile: one cookie jar, one SharedWorker, and about 6
HTTP/1.1 connections to the app, which is what makes "8 windows" a real test.
"""

from __future__ import annotations

import re
import time

import pytest

from otj_desktop.domain.activities import validate_activity
from otj_desktop.server import AppServer
from otj_desktop.store import activities as activity_store
from otj_desktop.store import standards as standard_store
from otj_desktop.store import tags as tag_store
from tests.browser import expect, open_page
from tests.conftest import TODAY, activity_form

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_pages(context, server: AppServer, count: int, path: str = "/") -> list:
    """``count`` pages of one profile at ``path``, each connected (its status dot green)."""
    # One sign-in with the launch secret serves the whole profile, as in the app.
    pages = [open_page(context, server, path, sign_in=n == 0) for n in range(count)]
    for page in pages:
        expect(page.locator("#live-status")).to_have_attribute("data-state", "connected")
    return pages


def record_live_events(page) -> None:
    """Keep every `otj:live` event the page sees in window.__live (a test's view of it)."""
    page.evaluate(
        """() => { window.__live = [];
        document.addEventListener('otj:live', e => window.__live.push(e.detail)); }"""
    )


def seen_kinds(page) -> list[str]:
    return page.evaluate("() => window.__live.map(e => e.kind)")


def save(app, title: str, **fields) -> int:
    """A change made elsewhere (as another window's request would), straight through the store."""
    db = app.extensions["otj"].db
    with db.transaction() as tx:
        return activity_store.create(
            tx, validate_activity(activity_form(title=title, **fields), today=TODAY)
        )


def count_refetches(server: AppServer, monkeypatch) -> list[str]:
    """The paths live sync re-fetches from now on (requests with ``X-OTJ-Live: 1``)."""
    refreshes: list[str] = []
    wsgi_app = server.app.wsgi_app

    def counting(environ, start_response):
        if environ.get("HTTP_X_OTJ_LIVE") == "1":
            refreshes.append(environ["PATH_INFO"])
        return wsgi_app(environ, start_response)

    monkeypatch.setattr(server.app, "wsgi_app", counting)
    return refreshes


def stored(app, activity_id: int):
    with app.extensions["otj"].db.connection() as conn:
        return activity_store.get(conn, activity_id, include_deleted=True)


@pytest.fixture
def server(live_server, with_standard):
    live_server.with_standard = with_standard  # the standard's id
    return live_server


# --- the dashboard and lists update in place ------------------------------------------------


def test_create_in_one_page_updates_the_others_dashboard_in_place(context, server):
    saver, watcher = open_pages(context, server, 2)
    assert watcher.evaluate("() => OTJLive.transport") == "shared"
    watcher.evaluate("() => { window.__marker = 'still here'; }")
    saver.goto(server.base_url + "/activities/new")
    saver.get_by_label("Title").fill("Team retro")
    saver.get_by_label("Duration (hours)").fill("1.5")
    saver.get_by_label("Activity type").select_option(label="Workshop")
    saver.get_by_role("button", name="Save activity").click()
    expect(saver.get_by_role("heading", name="Team retro")).to_be_visible()

    expect(watcher.locator("#recent-activities")).to_contain_text("Team retro")
    expect(watcher.get_by_test_id("activity-count")).to_have_text("1")
    expect(watcher.get_by_test_id("total-hours")).to_have_text("1.5")
    assert watcher.evaluate("() => window.__marker") == "still here"  # no navigation
    expect(watcher.locator("#live-notice")).to_have_text("“Team retro” created in another window")
    # The window that saved is not told about its own change.
    expect(saver.locator("#live-notice")).to_be_empty()
    assert watcher.problems == [] and saver.problems == []


def test_a_region_the_change_leaves_as_it_was_is_not_swapped(context, server):
    """Only regions whose HTML changed are swapped: an open "Show the numbers" under the KSB
    chart stays open when a save without KSBs changes the other charts, and the KSB chart is
    not drawn again."""
    (page,) = open_pages(context, server, 1, "/")
    save(server.app, "First")  # the first update swaps every region it names
    expect(page.locator("#recent-activities")).to_contain_text("First")
    page.locator("#chart-ksbs summary").click()
    page.evaluate(
        """() => { window.__ksbCanvas = document.querySelector('#chart-ksbs canvas');
                   window.__typesCanvas = document.querySelector('#chart-types canvas'); }"""
    )
    save(server.app, "Second, without KSBs", activity_type="workshop")
    expect(page.locator("#recent-activities")).to_contain_text("Second, without KSBs")
    assert page.locator("#chart-ksbs details").evaluate("d => d.open")
    assert page.evaluate("() => document.querySelector('#chart-ksbs canvas') === __ksbCanvas")
    # The hours by type did change: that chart was swapped, and drawn again.
    page.wait_for_function(
        """() => { const c = document.querySelector('#chart-types canvas');
                   return c !== __typesCanvas && window.Chart.getChart(c); }"""
    )


def test_typed_text_survives_a_save_in_another_page(context, server):
    typist, saver = open_pages(context, server, 2, "/activities/new")
    record_live_events(typist)
    typist.get_by_label("Title").fill("Half-typed title")
    typist.get_by_label("Description").fill("Half a thought")
    saver.get_by_label("Title").fill("Saved elsewhere")
    saver.get_by_label("Duration (hours)").fill("2")
    saver.get_by_label("Activity type").select_option(label="Self-study")
    saver.get_by_role("button", name="Save activity").click()
    typist.wait_for_function("() => window.__live.some(e => e.kind === 'activity_saved')")
    time.sleep(0.3)  # room for any (wrong) swap or reload to happen
    assert typist.get_by_label("Title").input_value() == "Half-typed title"
    assert typist.get_by_label("Description").input_value() == "Half a thought"
    assert typist.evaluate("() => window.__live !== undefined")  # the page was not reloaded


def test_delete_in_one_page_drops_the_row_in_the_others_list(context, server):
    keep = save(server.app, "Keep me")
    doomed = save(server.app, "Delete me")
    deleter, lister = open_pages(context, server, 2, "/activities")
    expect(lister.locator(f"#activity-{doomed}")).to_be_visible()
    deleter.goto(server.base_url + f"/activities/{doomed}/delete")
    deleter.get_by_role("button", name="Delete activity").click()
    expect(lister.locator(f"#activity-{doomed}")).to_have_count(0)
    expect(lister.locator(f"#activity-{keep}")).to_be_visible()
    expect(lister.locator("#live-notice")).to_contain_text("“Delete me” deleted")


def test_an_activity_page_follows_edits_and_deletion_elsewhere(context, server):
    activity_id = save(server.app, "Before")
    (viewer,) = open_pages(context, server, 1, f"/activities/{activity_id}")
    db = server.app.extensions["otj"].db
    with db.transaction() as tx:
        activity_store.update(
            tx,
            activity_id,
            validate_activity(activity_form(title="After"), today=TODAY),
            expected_version=1,
        )
    expect(viewer.get_by_role("heading", level=1)).to_have_text("After")
    expect(viewer).to_have_title("After — OTJ Desktop")
    with db.transaction() as tx:
        activity_store.soft_delete(tx, activity_id)
    expect(viewer.locator("#activity-detail")).to_contain_text("This activity was deleted")


def test_a_page_opened_on_a_deleted_activity_comes_back_whole_when_it_is_restored(context, server):
    activity_id = save(server.app, "Deleted first")
    db = server.app.extensions["otj"].db
    with db.transaction() as tx:
        activity_store.soft_delete(tx, activity_id)
    (viewer,) = open_pages(context, server, 1, f"/activities/{activity_id}")
    expect(viewer.locator("#activity-detail")).to_contain_text("This activity was deleted")
    expect(viewer.locator("#attachments")).to_have_count(0)
    version = stored(server.app, activity_id).version
    with db.transaction() as tx:  # Recently deleted → Restore, in another window
        activity_store.restore(tx, activity_id, expected_version=version)
    expect(viewer.get_by_role("heading", level=1)).to_have_text("Deleted first")
    # Not only the details: the attachments, planning forms and history arrive too, working.
    expect(viewer.locator("#activity-history")).to_contain_text("Restored")
    expect(viewer.get_by_role("button", name="Attach", exact=True)).to_be_visible()
    viewer.get_by_label("Attach files").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"what I learned"}]
    )
    viewer.get_by_role("button", name="Attach", exact=True).click()
    expect(viewer.locator("#attachments")).to_contain_text("notes.txt")


def test_renaming_a_tag_updates_an_open_activity_page(context, server):
    save(server.app, "Untagged", tags="")
    activity_id = save(server.app, "Tagged", tags="testing, TDD")
    with server.app.extensions["otj"].db.connection() as conn:
        tag_id = tag_store.find(conn, "testing").id
    assert tag_id != activity_id  # so an id filter applied to tags_changed would drop it
    viewer, renamer = open_pages(context, server, 2, f"/activities/{activity_id}")
    expect(viewer.locator("#activity-detail .tag", has_text="testing")).to_be_visible()
    renamer.goto(server.base_url + f"/tags/{tag_id}/rename")
    renamer.get_by_label("New name").fill("unit-testing")
    renamer.get_by_role("button", name="Rename").click()
    # tags_changed carries the tag's id, not the activity's: the page's data-live-id must not
    # filter it out.
    expect(viewer.locator("#activity-detail .tag", has_text="unit-testing")).to_be_visible()
    expect(viewer.locator("#live-notice")).to_contain_text("renamed to “unit-testing”")


def test_an_activity_page_still_ignores_other_activities_changes(context, server):
    shown = save(server.app, "Shown")
    (viewer,) = open_pages(context, server, 1, f"/activities/{shown}")
    viewer.evaluate(
        """() => { window.__swapped = [];
        document.addEventListener('otj:live-swapped', e => window.__swapped.push(e.target.id)); }"""
    )
    other = save(server.app, "Someone else")
    # The reminder (any activity counts for it) is redrawn; the activity's own regions are not.
    viewer.wait_for_function("() => window.__swapped.includes('reminder')")
    time.sleep(0.3)  # room for a (wrong) swap
    assert viewer.evaluate("() => window.__swapped") == ["reminder"]
    with server.app.extensions["otj"].db.transaction() as tx:
        activity_store.soft_delete(tx, other)
        activity_store.update(
            tx,
            shown,
            validate_activity(activity_form(title="Shown, edited"), today=TODAY),
            expected_version=1,
        )
    expect(viewer.get_by_role("heading", level=1)).to_have_text("Shown, edited")
    swapped = viewer.evaluate("() => window.__swapped")
    assert {"activity-detail", "attachments", "activity-history"} <= set(swapped)


def test_editing_a_ksb_title_updates_an_open_ksb_page(context, server):
    with server.app.extensions["otj"].db.connection() as conn:
        ksb = standard_store.ksbs(conn, server.with_standard)[0]
    viewer, editor = open_pages(context, server, 2, f"/ksbs/{ksb.id}")
    expect(viewer.get_by_role("heading", level=1)).to_contain_text(ksb.title)
    editor.goto(server.base_url + f"/standards/{server.with_standard}/ksbs/{ksb.id}")
    editor.get_by_label("Short title (optional)").fill("Widget alloys and polymers")
    editor.get_by_role("button", name=f"Save {ksb.code}").click()
    expect(viewer.get_by_role("heading", level=1)).to_contain_text("Widget alloys and polymers")
    expect(viewer).to_have_title(re.compile("Widget alloys and polymers"))


def test_a_restore_in_one_page_is_announced_in_the_others_with_its_summary(context, server):
    backup = server.app.extensions["otj_backups"].create("manual").info
    save(server.app, "Made after the backup")
    restorer, watcher = open_pages(context, server, 2, "/activities")
    expect(watcher.locator("#activity-results")).to_contain_text("Made after the backup")
    restorer.goto(server.base_url + f"/backups/{backup.name}/restore")
    restorer.get_by_role("button", name="Restore this backup").click()
    expect(restorer.locator(".flash-success")).to_contain_text("Restored the backup")
    expect(watcher.locator("#activity-results")).not_to_contain_text("Made after the backup")
    expect(watcher.locator("#live-notice")).to_contain_text(
        re.compile(r"The backup from .+ was restored in another window")
    )
    expect(restorer.locator("#live-notice")).to_be_empty()


# --- the rules for regions --------------------------------------------------------------------


def test_a_region_with_a_focused_or_changed_field_is_left_alone_until_it_is_free(context, server):
    (page,) = open_pages(context, server, 1)
    # A page that broke the rule: a field inside a live region, being typed in.
    page.evaluate(
        """() => { const input = document.createElement('input');
        input.id = 'stray'; input.setAttribute('aria-label', 'Stray');
        document.getElementById('summary-cards').append(input); }"""
    )
    page.locator("#stray").fill("typing")
    save(server.app, "While typing")
    expect(page.locator("#recent-activities")).to_contain_text("While typing")
    expect(page.locator("#summary-cards")).to_have_attribute("data-live-stale", "")
    assert page.locator("#stray").input_value() == "typing"
    expect(page.get_by_test_id("activity-count")).to_have_text("0")
    # Put back as loaded and left: now it catches up.
    page.locator("#stray").fill("")
    page.locator("#stray").blur()
    expect(page.get_by_test_id("activity-count")).to_have_text("1")


def test_a_burst_of_events_costs_one_or_two_fetches_not_ten(context, server, monkeypatch):
    (page,) = open_pages(context, server, 1)
    refreshes = count_refetches(server, monkeypatch)
    db = server.app.extensions["otj"].db
    with db.transaction() as tx:
        for n in range(10):
            activity_store.create(
                tx, validate_activity(activity_form(title=f"Burst {n}"), today=TODAY)
            )
    expect(page.get_by_test_id("activity-count")).to_have_text("10")
    time.sleep(0.3)
    assert 1 <= len(refreshes) <= 2
    expect(page.locator("#live-notice")).to_contain_text("and 9 more changes")


def test_pages_showing_the_same_url_share_one_refetch(context, server, monkeypatch):
    pages = open_pages(context, server, 4)
    refreshes = count_refetches(server, monkeypatch)
    save(server.app, "Fetched once")
    for page in pages:
        expect(page.locator("#recent-activities")).to_contain_text("Fetched once")
    assert refreshes == ["/"]


# --- editing the same activity in two windows --------------------------------------------------


def test_same_activity_edited_in_two_pages_second_save_shows_the_conflict(context, server):
    activity_id = save(server.app, "Original")
    first, second = open_pages(context, server, 2, f"/activities/{activity_id}/edit")
    second.get_by_label("Description").fill("Second window's account, typed first.")
    first.get_by_label("Title").fill("First window's title")
    first.get_by_role("button", name="Save activity").click()
    expect(first.get_by_role("heading", name="First window's title")).to_be_visible()

    notice = second.locator("#edit-live-notice")
    expect(notice).to_contain_text("changed in another window")
    expect(notice.get_by_role("button", name="See theirs")).to_be_visible()
    expect(notice.get_by_role("button", name="Keep mine")).to_be_visible()
    assert second.get_by_label("Title").input_value() == "Original"  # the form is untouched
    assert second.get_by_label("Description").input_value().startswith("Second window's")

    second.get_by_role("button", name="Save activity").click()
    conflict = second.locator("section.conflict")
    expect(conflict).to_contain_text("This activity was changed in another window")
    expect(conflict.locator("table.compare")).to_contain_text("First window's title")
    expect(conflict.locator("table.compare")).to_contain_text("Second window's account")
    assert stored(server.app, activity_id).title == "First window's title"  # nothing overwritten

    conflict.get_by_role("button", name="Keep mine (replace theirs)").click()
    expect(second.get_by_role("heading", level=1)).to_have_text("Original")
    saved = stored(server.app, activity_id)
    assert saved.description.startswith("Second window's") and saved.version == 3


def test_see_theirs_then_keep_mine_from_the_live_notice(context, server):
    activity_id = save(server.app, "Original")
    first, second = open_pages(context, server, 2, f"/activities/{activity_id}/edit")
    second.get_by_label("Description").fill("Mine to keep")
    first.get_by_label("Title").fill("Theirs now")
    first.get_by_role("button", name="Save activity").click()

    notice = second.locator("#edit-live-notice")
    notice.get_by_role("button", name="See theirs").click()
    expect(notice.locator(".their-version")).to_contain_text("Theirs now")
    expect(notice.get_by_role("link", name="Use theirs (discard mine)")).to_be_visible()
    notice.get_by_role("button", name="Keep mine").click()
    expect(notice).to_contain_text("You are keeping your version")
    second.get_by_role("button", name="Save activity").click()
    expect(second.get_by_role("heading", level=1)).to_have_text("Original")
    saved = stored(server.app, activity_id)
    assert (saved.title, saved.description) == ("Original", "Mine to keep")


def test_an_activity_deleted_while_its_form_is_open_can_be_saved_as_new(context, server):
    activity_id = save(server.app, "Short-lived")
    (editor,) = open_pages(context, server, 1, f"/activities/{activity_id}/edit")
    editor.get_by_label("Title").fill("Rescued entry")
    with server.app.extensions["otj"].db.transaction() as tx:
        activity_store.soft_delete(tx, activity_id)
    notice = editor.locator("#edit-live-notice")
    expect(notice).to_contain_text("deleted in another window")
    assert editor.get_by_label("Title").input_value() == "Rescued entry"
    notice.get_by_role("button", name="Save mine as a new activity").click()
    expect(editor.get_by_role("heading", level=1)).to_have_text("Rescued entry")
    new_id = int(editor.url.rstrip("/").rsplit("/", 1)[1])
    assert new_id != activity_id


# --- connection trouble and many windows ----------------------------------------------------


def test_server_restart_turns_the_dot_red_then_green_and_the_page_catches_up(
    context, app, with_standard
):
    server = AppServer(app)
    server.start()
    restarted = None
    try:
        (page,) = open_pages(context, server, 1)
        port = server.port
        server.stop()
        dot = page.locator("#live-status")
        expect(dot).to_have_attribute("data-state", "disconnected", timeout=10_000)
        expect(dot).to_have_attribute("aria-label", re.compile("Live sync: off"))
        save(app, "Changed while away")
        restarted = AppServer(app, port=port)
        restarted.start()
        expect(dot).to_have_attribute("data-state", "connected", timeout=10_000)
        expect(page.locator("#recent-activities")).to_contain_text("Changed while away")
    finally:
        (restarted or server).stop()


def test_eight_pages_of_one_profile_all_update_and_still_navigate(context, server):
    pages = open_pages(context, server, 8)
    assert server.app.extensions["otj"].broker.subscriber_count == 1  # one shared connection
    save(server.app, "Seen by all eight")
    for page in pages:
        expect(page.locator("#recent-activities")).to_contain_text("Seen by all eight")
    started = time.monotonic()
    pages[7].get_by_role("link", name="Activities", exact=True).click()
    expect(pages[7].locator("tr", has_text="Seen by all eight")).to_be_visible()
    assert time.monotonic() - started < 5  # liveness: not stuck behind open streams


def test_pages_without_shared_worker_each_keep_their_own_stream(context, server):
    """A webview without SharedWorker (each pywebview window has its own profile anyway)."""
    context.add_init_script("delete window.SharedWorker")
    first, second = open_pages(context, server, 2)
    assert second.evaluate("() => OTJLive.transport") == "page"
    assert server.app.extensions["otj"].broker.subscriber_count == 2
    save(server.app, "Without a worker")
    for page in (first, second):
        expect(page.locator("#recent-activities")).to_contain_text("Without a worker")
