"""The pages' side of live sync, through the Flask test client: live regions, the status dot and
notice on every page, and edits that meet a newer or deleted version.
"""

from __future__ import annotations

import re

from otj_desktop.store import activities as activity_store
from tests.conftest import activity_form


def create(client, **fields) -> int:
    location = client.post("/activities/new", activity_form(**fields)).headers["Location"]
    return int(location.rsplit("/", 1)[1])


def stored(app, activity_id: int):
    with app.extensions["otj"].db.connection() as conn:
        return activity_store.get(conn, activity_id, include_deleted=True)


def region(page: str, element_id: str) -> str:
    """The opening tag of the element with that id."""
    match = re.search(rf'<[a-z]+ [^>]*id="{element_id}"[^>]*>', page)
    assert match, f"no element with id {element_id}"
    return match.group(0)


def kinds(tag: str) -> set[str]:
    return set(re.search(r'data-live="([^"]+)"', tag).group(1).split())


# Which events each page's regions listen for: tests/test_live_pages.py, for every page.


def test_an_activity_page_filters_its_own_activity_by_id_and_has_its_version(client, with_standard):
    activity_id = create(client)
    tag = region(client.get(f"/activities/{activity_id}").get_data(as_text=True), "activity-detail")
    assert {"activity_saved", "activity_deleted", "tags_changed"} <= kinds(tag)
    assert f'data-live-id="{activity_id}"' in tag and 'data-version="1"' in tag


def test_every_page_has_the_status_dot_the_notice_region_and_the_scripts(client, with_standard):
    for path in ("/", "/activities", "/activities/new", "/standard", "/profile"):
        page = client.get(path).get_data(as_text=True)
        dot = region(page, "live-status")
        assert 'role="img"' in dot and 'aria-label="Live sync: connecting"' in dot
        assert "title=" in dot
        notice = region(page, "live-notice")
        assert 'aria-live="polite"' in notice and 'role="status"' in notice
        for script in ("js/live-stream.js", "js/live.js"):
            assert f'src="/static/{script}"' in page
        assert "<script>" not in page  # no inline script: the CSP allows 'self' only


def test_the_live_scripts_are_served(client):
    for name in ("live.js", "live-stream.js", "live-worker.js", "live-edit.js"):
        response = client.get(f"/static/js/{name}")
        assert response.status_code == 200 and "javascript" in response.mimetype
        response.close()


def test_the_edit_form_is_watched_for_changes_elsewhere(client, with_standard):
    activity_id = create(client)
    page = client.get(f"/activities/{activity_id}/edit").get_data(as_text=True)
    form = region(page, "activity-form")
    assert f'data-live-edit="{activity_id}"' in form
    assert 'id="edit-live-notice"' in page and "js/live-edit.js" in page
    new_form = client.get("/activities/new").get_data(as_text=True)
    assert "data-live-edit" not in new_form and "live-edit.js" not in new_form


# --- saving over a newer version ----------------------------------------------------------------


def test_conflict_page_shows_both_versions_field_by_field_and_overwrites_nothing(
    client, app, with_standard
):
    activity_id = create(client, title="Original")
    client.post(
        f"/activities/{activity_id}/edit",
        activity_form(title="Theirs", duration_hours="3", version="1"),
    )
    response = client.post(
        f"/activities/{activity_id}/edit",
        activity_form(title="Mine", description="My own account.", version="1"),
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    table = page.split('<table class="compare">', 1)[1].split("</table>", 1)[0]
    assert "Theirs (saved, version 2)" in table and "Yours (not saved)" in table
    title_row = re.search(r'<tr class="differs">\s*<th scope="row">Title.*?</tr>', table, re.S)
    assert title_row and "Theirs" in title_row.group(0) and "Mine" in title_row.group(0)
    assert re.search(r"Duration \(hours\).*?<td[^>]*>3</td>\s*<td[^>]*>2.5</td>", table, re.S)
    assert stored(app, activity_id).title == "Theirs"  # nothing overwritten yet


def test_conflict_page_offers_keep_mine_and_use_theirs(client, app, with_standard):
    activity_id = create(client, title="Original")
    client.post(f"/activities/{activity_id}/edit", activity_form(title="Theirs", version="1"))
    page = client.post(
        f"/activities/{activity_id}/edit", activity_form(title="Mine", version="1")
    ).get_data(as_text=True)
    choices = page.split('class="actions conflict-choices"', 1)[1].split("</div>", 1)[0]
    assert re.search(r'<button type="submit" form="activity-form"[^>]*>Keep mine', choices)
    assert f'href="/activities/{activity_id}/edit"' in choices and "Use theirs" in choices
    # What was typed is in the form, which now saves against their version.
    assert 'value="Mine"' in page and 'name="version" value="2"' in page


def test_keep_mine_replaces_theirs(client, app, with_standard):
    activity_id = create(client, title="Original")
    client.post(f"/activities/{activity_id}/edit", activity_form(title="Theirs", version="1"))
    client.post(f"/activities/{activity_id}/edit", activity_form(title="Mine", version="1"))
    kept = client.post(f"/activities/{activity_id}/edit", activity_form(title="Mine", version="2"))
    assert kept.status_code == 302
    assert (stored(app, activity_id).title, stored(app, activity_id).version) == ("Mine", 3)


def test_use_theirs_opens_their_version_for_editing(client, app, with_standard):
    activity_id = create(client, title="Original")
    client.post(f"/activities/{activity_id}/edit", activity_form(title="Theirs", version="1"))
    client.post(f"/activities/{activity_id}/edit", activity_form(title="Mine", version="1"))
    page = client.get(f"/activities/{activity_id}/edit").get_data(as_text=True)
    assert 'value="Theirs"' in page and 'name="version" value="2"' in page
    assert stored(app, activity_id).title == "Theirs"


def test_saving_an_activity_deleted_elsewhere_keeps_what_was_typed(client, app, with_standard):
    activity_id = create(client, title="Original")
    client.post(f"/activities/{activity_id}/delete")
    response = client.post(
        f"/activities/{activity_id}/edit",
        activity_form(title="Typed while it went", description="Every word kept.", version="1"),
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "deleted in another window" in page
    assert 'value="Typed while it went"' in page and "Every word kept." in page
    form = region(page, "activity-form")
    assert 'action="/activities/new"' in form and "data-live-edit" not in form
    assert "Save mine as a new activity" in page and "Discard mine" in page
    # Choosing "save as new" is a post to the create URL with the same fields.
    again = client.post("/activities/new", activity_form(title="Typed while it went"))
    new_id = int(again.headers["Location"].rsplit("/", 1)[1])
    assert new_id != activity_id and stored(app, new_id).title == "Typed while it went"
    assert stored(app, activity_id).deleted_at is not None


def test_a_deleted_activity_page_says_so_in_its_live_region(client, with_standard):
    activity_id = create(client, title="Gone soon")
    client.post(f"/activities/{activity_id}/delete")
    response = client.get(f"/activities/{activity_id}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert 'id="activity-detail"' in page and "This activity was deleted" in page
    assert client.get("/activities/999999").status_code == 404


def test_a_list_page_past_the_end_shows_the_last_page(client, with_standard):
    create(client, title="Only one")
    page = client.get("/activities?page=3").get_data(as_text=True)
    assert "Only one" in page and "No activities yet" not in page
