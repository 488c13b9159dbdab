"""History through the app: the activity page's history, restoring versions, Recently deleted."""

from __future__ import annotations

import re

from otj_desktop.store import activities as activity_store
from tests.conftest import activity_form


def create(client, **overrides) -> int:
    response = client.post("/activities/new", activity_form(**overrides))
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def edit(client, activity_id: int, version: int, **overrides):
    return client.post(
        f"/activities/{activity_id}/edit", activity_form(version=str(version), **overrides)
    )


def get_activity(app, activity_id):
    with app.extensions["otj"].db.connection() as conn:
        return activity_store.get(conn, activity_id, include_deleted=True)


def listen(app) -> list:
    heard: list = []
    app.extensions["otj"].db.add_listener(heard.extend)
    return heard


def test_activity_page_shows_each_version_with_what_changed(client):
    activity_id = create(client, title="Old <b>title</b>", duration_hours="1")
    assert edit(client, activity_id, 1, title="New title", duration_hours="2.5").status_code == 302
    page = client.get(f"/activities/{activity_id}").get_data(as_text=True)
    history = page[page.index('id="activity-history"') :]
    assert 'data-live="activity_saved activity_deleted resync"' in page
    assert "Version 2" in history and "Version 1" in history
    assert "<del>Old &lt;b&gt;title&lt;/b&gt;</del>" in history
    assert "<ins>New title</ins>" in history
    assert "<del>1 hours</del>" in history and "<ins>2.5 hours</ins>" in history
    assert "Old <b>title</b>" not in page
    # Only the earlier version can be restored.
    assert "Restore version 1" in history and "Restore version 2" not in history


def test_restoring_a_version_from_the_page_brings_it_back_as_a_new_version(client, app):
    activity_id = create(client, title="First wording")
    edit(client, activity_id, 1, title="Second wording")
    heard = listen(app)
    response = client.post(
        f"/activities/{activity_id}/versions/1/restore", {"version": "2"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Restored version 1; it is now version 3." in page
    assert get_activity(app, activity_id).title == "First wording"
    assert [c.kind for c in heard] == ["activity_saved"]
    assert "Version 3" in page and "Restored an earlier version (version 1)" in page


def test_restoring_from_a_stale_page_changes_nothing(client, app):
    activity_id = create(client, title="First wording")
    edit(client, activity_id, 1, title="Second wording")
    edit(client, activity_id, 2, title="Third wording (another window)")
    response = client.post(
        f"/activities/{activity_id}/versions/1/restore", {"version": "2"}, follow_redirects=True
    )
    assert "changed in another window, so nothing was restored" in response.get_data(as_text=True)
    activity = get_activity(app, activity_id)
    assert (activity.title, activity.version) == ("Third wording (another window)", 3)


def test_restoring_a_version_that_does_not_exist_says_so(client):
    activity_id = create(client)
    response = client.post(
        f"/activities/{activity_id}/versions/42/restore", {"version": "1"}, follow_redirects=True
    )
    assert "There is no such version" in response.get_data(as_text=True)


def test_deleted_activity_is_listed_in_recently_deleted_and_can_be_restored(client, app):
    activity_id = create(client, title="Oops <i>deleted</i>")
    assert client.post(f"/activities/{activity_id}/delete").status_code == 302
    assert f'id="activity-{activity_id}"' not in client.get("/activities").get_data(as_text=True)
    listing = client.get("/activities/deleted").get_data(as_text=True)
    assert "Recently deleted — OTJ Desktop" in listing
    assert "Oops &lt;i&gt;deleted&lt;/i&gt;" in listing
    assert 'id="deleted-list"' in listing
    version = re.search(r'name="version" value="(\d+)"', listing).group(1)
    heard = listen(app)
    response = client.post(
        f"/activities/{activity_id}/undelete", {"version": version}, follow_redirects=True
    )
    assert "Restored “Oops &lt;i&gt;deleted&lt;/i&gt;”." in response.get_data(as_text=True)
    assert f'id="activity-{activity_id}"' in client.get("/activities").get_data(as_text=True)
    assert "Nothing has been deleted." in client.get("/activities/deleted").get_data(as_text=True)
    assert [(c.kind, c.data["action"]) for c in heard] == [("activity_saved", "restored")]


def test_restoring_twice_from_two_windows_restores_once(client, app):
    activity_id = create(client)
    client.post(f"/activities/{activity_id}/delete")
    assert client.post(f"/activities/{activity_id}/undelete", {"version": "2"}).status_code == 302
    response = client.post(
        f"/activities/{activity_id}/undelete", {"version": "2"}, follow_redirects=True
    )
    assert "not in Recently deleted any more" in response.get_data(as_text=True)
    assert get_activity(app, activity_id).version == 3


def test_recently_deleted_is_linked_from_the_activity_list_and_delete_page(client):
    activity_id = create(client)
    assert 'href="/activities/deleted"' in client.get("/activities").get_data(as_text=True)
    confirm = client.get(f"/activities/{activity_id}/delete").get_data(as_text=True)
    assert 'href="/activities/deleted"' in confirm
