"""The Backups page through the app: list, back up now, restore, copy folder, export/import."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.archive_helpers import export, fill, fingerprint, repack, unpack
from tests.conftest import activity_form


def db_of(app):
    return app.extensions["otj"].db


def events(app) -> list:
    """Everything the broker publishes from now on, as (kind, data)."""
    heard: list = []
    broker = app.extensions["otj"].broker
    real = broker.publish

    def spy(kind, data):
        heard.append((kind, data))
        return real(kind, data)

    broker.publish = spy
    return heard


def titles(app) -> list[str]:
    with db_of(app).connection() as conn:
        return [r[0] for r in conn.execute("SELECT title FROM activity ORDER BY id")]


def test_backups_page_is_in_the_menu_and_starts_empty(client):
    page = client.get("/backups").get_data(as_text=True)
    assert "<title>Backups — OTJ Desktop</title>" in page
    assert re.search(r'<a href="/backups"\s+aria-current="page">Backups</a>', page)
    assert "No backups yet." in page
    assert 'id="backup-list" data-live="backups_changed resync"' in page


def test_back_up_now_lists_the_backup_with_date_size_and_activity_count(client, app):
    client.post("/activities/new", activity_form())
    heard = events(app)
    response = client.post("/backups/now", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Backup made." in page
    row = re.search(r"<tr>\s*<td class=\"nowrap\"><time.*?</tr>", page, re.S).group(0)
    assert "Made by you" in row
    assert re.search(r'<td class="num">\d+(\.\d)? KB</td>', row)
    assert '<td class="num">1</td>' in row
    assert [k for k, _ in heard] == ["backups_changed"]


def test_restore_asks_first_then_brings_the_backup_back_and_resyncs_every_window(client, app):
    client.post("/activities/new", activity_form(title="Kept in the backup"))
    client.post("/backups/now")
    client.post("/activities/new", activity_form(title="Made after the backup"))
    page = client.get("/backups").get_data(as_text=True)
    link = re.search(r'href="(/backups/[^"]+/restore)"', page).group(1)
    confirm = client.get(link).get_data(as_text=True)
    assert "Restore the backup from" in confirm
    assert "<strong>1</strong> activity (you have 2 now)" in confirm
    assert titles(app) == ["Kept in the backup", "Made after the backup"]  # asking changed nothing
    heard = events(app)
    response = client.post(link, follow_redirects=True)
    assert "Restored the backup from" in response.get_data(as_text=True)
    assert titles(app) == ["Kept in the backup"]
    assert [k for k, _ in heard] == ["resync"]
    assert "Before a restore" in client.get("/backups").get_data(as_text=True)


@pytest.mark.parametrize(
    "name",
    [
        "nope.sqlite3",
        "..%2Fotj.sqlite3",
        "..%2F..%2Fetc%2Fpasswd",
        "manual-20991231T000000Z.sqlite3",
    ],
)
def test_restoring_something_that_is_not_a_listed_backup_is_not_found(client, app, name):
    before = fingerprint(db_of(app))
    assert client.get(f"/backups/{name}/restore").status_code == 404
    assert client.post(f"/backups/{name}/restore").status_code == 404
    assert fingerprint(db_of(app)) == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("relative/folder", "full path"),
        ("/no/such/folder/anywhere", "no folder at that path"),
        ("/tmp/\x01evil", "full path of a folder"),
        ("~nobody-such-user", "full path of the folder"),  # found by fuzzing: crashed expanduser
    ],
)
def test_a_bad_copy_folder_is_shown_next_to_the_field_with_what_was_typed(client, typed, message):
    response = client.post("/backups/settings", {"copy_folder": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="copy_folder-error">.*' + re.escape(message), page)
    if "\x01" not in typed:
        assert f'value="{typed}"' in page


def test_the_data_folder_itself_is_refused_as_a_copy_folder(client, app):
    inside = Path(app.extensions["otj"].data_dir) / "backups"
    inside.mkdir(exist_ok=True)
    response = client.post("/backups/settings", {"copy_folder": str(inside)})
    assert response.status_code == 422
    assert "outside the app&#39;s data folder" in response.get_data(as_text=True)


def test_backups_are_copied_to_the_chosen_folder_and_a_failure_is_reported(client, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    response = client.post("/backups/settings", {"copy_folder": str(usb)}, follow_redirects=True)
    assert f"also be copied to {usb}" in response.get_data(as_text=True)
    client.post("/activities/new", activity_form())
    client.post("/backups/now")
    assert len(list(usb.glob("manual-*.sqlite3"))) == 1
    usb.rename(tmp_path / "unplugged")
    page = client.post("/backups/now", follow_redirects=True).get_data(as_text=True)
    assert "Backup made." in page
    assert "but copying it to" in page and "failed" in page
    assert "A backup needs your attention" in page


# --- export and import through the page ---------------------------------------------------------


def upload(client, data: bytes, name: str = "export.zip"):
    return client.post(
        "/data/import",
        {"archive": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_export_downloads_a_zip(client, app):
    client.post("/activities/new", activity_form(title="Exported"))
    response = client.get("/data/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert (
        "attachment; filename=otj-desktop-export-2026-11-27.zip"
        in response.headers["Content-Disposition"]
    )
    files = unpack(response.data)
    assert [a["title"] for a in files["activities.json"]["activities"]] == ["Exported"]


def test_import_previews_then_imports_in_one_go_after_a_backup(client, app, tmp_path):
    from otj_desktop.store.db import Database
    from otj_desktop.store.migrate import migrate

    other = Database(tmp_path / "other.sqlite3")
    migrate(other)
    fill(other)
    client.post("/activities/new", activity_form(title="Mine already"))
    before = fingerprint(db_of(app))
    response = upload(client, export(other))
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check the import — OTJ Desktop" in preview
    assert "<strong>6</strong> added, <strong>0</strong> replaced" in preview  # 3 are drafts
    assert "Templates: 2 added" in preview
    assert "the 1 that are only here are kept" in preview
    assert "Profile and targets:\n    <strong>replaced</strong>" in preview
    assert "Widget safety &lt;course&gt;" in preview
    assert fingerprint(db_of(app)) == before  # nothing happened yet
    heard = events(app)
    action = re.search(r'<form method="post" action="(/data/import/[0-9a-f]+)"', preview).group(1)
    done = client.post(action, follow_redirects=True).get_data(as_text=True)
    assert "Imported: 6 activities added, 0 replaced." in done
    assert "Before an import" in done
    assert len(titles(app)) == 7
    assert [k for k, _ in heard] == ["resync"]
    parked = Path(app.extensions["otj"].data_dir) / "imports"
    assert list(parked.iterdir()) == []


def test_import_can_be_cancelled(client, app, tmp_path):
    data = export(db_of(app))
    client.post("/activities/new", activity_form())
    response = upload(client, data)
    token = response.headers["Location"].rsplit("/", 1)[1]
    client.post(f"/data/import/{token}/cancel")
    assert client.get(f"/data/import/{token}").status_code == 302  # gone
    assert len(titles(app)) == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a zip file"),
        (b"MZ\x90\x00 an executable", "not a zip file"),
        (repack({"manifest.json": {"format": "other"}}), "not an OTJ Desktop export"),
    ],
)
def test_a_bad_file_is_refused_on_the_page_with_its_reason(client, app, data, reason):
    client.post("/activities/new", activity_form())
    before = fingerprint(db_of(app))
    response = upload(client, data, name="../../evil.zip")
    assert response.status_code == 422
    assert reason in response.get_data(as_text=True)
    assert fingerprint(db_of(app)) == before
    parked = Path(app.extensions["otj"].data_dir) / "imports"
    assert not parked.exists() or list(parked.iterdir()) == []


def test_no_file_chosen_says_so(client):
    response = client.post("/data/import", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose an export file" in response.get_data(as_text=True)


def test_an_import_larger_than_the_limit_is_refused(client, app, monkeypatch):
    from otj_desktop.web import archive as archive_view

    monkeypatch.setattr(archive_view.upload, "max_body_bytes", 10_000)
    response = upload(client, b"x" * 20_000)
    assert response.status_code == 413


@pytest.mark.parametrize("token", ["../../otj", "0" * 31, "g" * 32])
def test_import_tokens_must_look_like_tokens(client, token):
    assert client.get(f"/data/import/{token}").status_code == 404
    assert client.post(f"/data/import/{token}").status_code == 404
