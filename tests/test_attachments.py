"""Attachments through the app: what may be attached (by contents), limits named in every
refusal, names that never reach a path, de-duplication, downloads that are never pages,
thumbnails, "Open" through the desktop bridge, removal and history, permanent deletion, the
start-up sweep, and crash safety of uploads."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest

from otj_desktop.domain.attachment_types import KINDS, clean_file_name, name_for_kind
from otj_desktop.store import activities as activity_store
from otj_desktop.store import attachments as attachment_store
from otj_desktop.store.attachment_files import AttachmentFiles, FileTooLarge
from otj_desktop.web.context import DesktopBridge
from tests.archive_helpers import fingerprint
from tests.attachment_helpers import BAD_FILES, GOOD_FILES, image, too_big, upload
from tests.conftest import activity_form

LIMITS = "Only images, PDF, Word, text or Markdown files up to 10 MB can be attached."


def create(client, **fields) -> int:
    response = client.post("/activities/new", activity_form(**fields))
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def files_of(app) -> AttachmentFiles:
    return app.extensions["otj_files"]


def stored(app, activity_id: int):
    with app.extensions["otj"].db.connection() as conn:
        return activity_store.get(conn, activity_id, include_deleted=True)


def folder_names(app) -> set[str]:
    folder = files_of(app).folder
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def activity(client) -> int:
    return create(client)


# --- what may be attached ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GOOD_FILES))
def test_each_allowed_kind_is_attached_and_found_by_its_contents(client, app, activity, name):
    media_type, make = GOOD_FILES[name]
    data = make()
    response = upload(client, activity, (data, name))
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    [attached] = stored(app, activity).attachments
    assert (attached.name, attached.media_type, attached.size_bytes) == (
        name,
        media_type,
        len(data),
    )
    assert attached.sha256 == sha(data)
    assert (files_of(app).folder / sha(data)).read_bytes() == data


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_other_files_are_refused_by_contents_whatever_their_name(client, app, activity, name):
    before = fingerprint(app.extensions["otj"].db)
    response = upload(client, activity, (BAD_FILES[name], name))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert LIMITS in page and "Nothing was attached." in page
    assert 'aria-invalid="true"' in page
    assert fingerprint(app.extensions["otj"].db) == before
    assert folder_names(app) == set()  # not even a temporary file is left


def test_a_file_named_like_another_kind_gets_the_extension_of_what_it_is(client, app, activity):
    upload(
        client,
        activity,
        (image("PNG"), "holiday.jpg"),
        (GOOD_FILES["certificate.pdf"][1](), "report.exe"),
        (b"plain words", "page.html"),
    )
    names = sorted(a.name for a in stored(app, activity).attachments)
    assert names == ["holiday.png", "page.html.txt", "report.exe.pdf"]


def test_an_oversized_file_is_refused_naming_the_limits_and_nothing_is_kept(client, app, activity):
    response = upload(client, activity, (too_big(), "big.pdf"), (image("PNG"), "ok.png"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "“big.pdf” is larger than 10 MB." in page and LIMITS in page
    assert stored(app, activity).attachments == []
    assert folder_names(app) == set()


def test_an_upload_over_the_request_limit_is_refused_naming_the_limits(client, app, activity):
    from otj_desktop.web import attachments

    app.view_functions["attachments.upload"].max_body_bytes = 1000
    try:
        response = upload(client, activity, (b"x" * 5000, "notes.txt"))
    finally:
        app.view_functions["attachments.upload"].max_body_bytes = attachments.UPLOAD_LIMIT
    assert response.status_code == 413
    assert LIMITS in response.get_data(as_text=True)
    assert stored(app, activity).attachments == []


def test_an_empty_choice_too_many_files_and_an_empty_file_are_refused(client, app, activity):
    assert "Choose one or more files" in upload(client, activity).get_data(as_text=True)
    many = [(f"note {n}".encode(), f"n{n}.txt") for n in range(11)]
    response = upload(client, activity, *many)
    assert response.status_code == 422 and "at most 10 files" in response.get_data(as_text=True)
    response = upload(client, activity, (b"", "empty.txt"))
    assert response.status_code == 422 and "“empty.txt” is empty." in response.get_data(
        as_text=True
    )
    assert stored(app, activity).attachments == []


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../x.png", "x.png"),
        # Backslashes are an escape in a multipart header: what arrives may have lost them,
        # but never reaches a path either way.
        ("..\\..\\windows\\x.png", None),
        ("C:\\Users\\sam\\x.png", None),
        ("/etc/passwd.png", "passwd.png"),
        ("a\x00b.png", "ab.png"),
        ("..", "attachment.png"),
        ("NUL.png", "_NUL.png"),
        ("\u202eevil\u202cgnp.png", "evilgnp.png"),
        ("   .hidden.png  ", "hidden.png"),
        ("x" * 300 + ".png", "x" * 116 + ".png"),
    ],
)
def test_path_like_names_never_reach_the_file_system(client, app, activity, raw, shown):
    data = image("PNG", colour=(len(raw) % 255, 1, 2))
    assert upload(client, activity, (data, raw)).status_code == 302
    [attached] = stored(app, activity).attachments
    if shown is None:
        assert attached.name.endswith("x.png") and not set(attached.name) & set("/\\:")
    else:
        assert attached.name == shown
    assert folder_names(app) == {sha(data)}  # the only file: named by its contents
    data_dir = app.extensions["otj"].data_dir
    assert not any(p.name in (shown, "passwd.png", "x.png") for p in Path(data_dir).rglob("*"))


def test_the_same_file_is_stored_once_and_attached_once_per_activity(client, app, activity):
    other = create(client, title="Other")
    data = image("PNG")
    upload(client, activity, (data, "a.png"), (data, "a-again.png"))
    response = upload(client, activity, (data, "third.png"))
    assert response.status_code == 302
    flashed = client.get(f"/activities/{activity}").get_data(as_text=True)
    assert "Already attached to this activity" in flashed
    upload(client, other, (data, "shared.png"))
    assert [a.name for a in stored(app, activity).attachments] == ["a.png"]
    assert [a.name for a in stored(app, other).attachments] == ["shared.png"]
    assert folder_names(app) == {sha(data)}


def test_attaching_to_a_deleted_or_missing_activity_is_not_found(client, app, activity):
    client.post(f"/activities/{activity}/delete")
    assert upload(client, activity, (b"hi", "a.txt")).status_code == 404
    assert upload(client, 999, (b"hi", "a.txt")).status_code == 404
    assert folder_names(app) == set()


def test_names_are_cleaned_the_same_way_everywhere():
    assert clean_file_name("") == "attachment"
    assert clean_file_name("com1") == "_com1"
    assert name_for_kind("scan", KINDS["pdf"]) == "scan.pdf"
    assert name_for_kind("notes.MD", KINDS["markdown"]) == "notes.MD"


# --- reading them back -------------------------------------------------------------------------


def test_download_is_always_a_file_never_a_page(client, app, activity):
    upload(client, activity, (b"<script>alert(1)</script>", "trick.html"))
    [attached] = stored(app, activity).attachments
    response = client.get(f"/activities/{activity}/attachments/{attached.id}/download")
    assert response.status_code == 200
    assert response.data == b"<script>alert(1)</script>"
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "trick.html.txt" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_download_with_an_accented_name_uses_a_safe_encoded_filename(client, app, activity):
    upload(client, activity, (image("PNG"), "Zoë’s café.png"))
    [attached] = stored(app, activity).attachments
    response = client.get(f"/activities/{activity}/attachments/{attached.id}/download")
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''Zo%C3%AB%E2%80%99s%20caf%C3%A9.png" in disposition


def test_an_attachment_is_reached_only_through_its_own_activity(client, app, activity):
    other = create(client, title="Other")
    upload(client, activity, (b"mine", "a.txt"))
    [attached] = stored(app, activity).attachments
    for path in ("download", "thumbnail"):
        assert (
            client.get(f"/activities/{other}/attachments/{attached.id}/{path}").status_code == 404
        )
    assert client.get(f"/activities/{activity}/attachments/999/download").status_code == 404


def test_images_get_a_thumbnail_at_upload_shown_on_the_page(client, app, activity):
    data = image("JPEG", size=(2000, 1000))
    upload(client, activity, (data, "wide.jpg"), (b"words", "w.txt"))
    store = files_of(app)
    thumb = store.thumbnail_path(sha(data))
    assert thumb.is_file()
    from PIL import Image

    with Image.open(thumb) as small:
        assert small.format == "WEBP" and max(small.size) == 320
    image_id, text_id = (a.id for a in stored(app, activity).attachments)
    page = client.get(f"/activities/{activity}").get_data(as_text=True)
    assert f"/attachments/{image_id}/thumbnail" in page
    assert f"/attachments/{text_id}/thumbnail" not in page
    response = client.get(f"/activities/{activity}/attachments/{image_id}/thumbnail")
    assert response.status_code == 200 and response.mimetype == "image/webp"
    thumb.unlink()  # the cache is made again on demand
    assert client.get(f"/activities/{activity}/attachments/{image_id}/thumbnail").status_code == 200
    assert client.get(f"/activities/{activity}/attachments/{text_id}/thumbnail").status_code == 404


def test_a_decompression_bomb_is_attached_without_a_thumbnail(client, app, activity):
    bomb = image("PNG", size=(10_000, 6_000), colour=(0, 0, 0))  # 60 megapixels, a small file
    assert len(bomb) < 1_000_000
    assert upload(client, activity, (bomb, "bomb.png")).status_code == 302
    [attached] = stored(app, activity).attachments
    assert not files_of(app).thumbnail_path(attached.sha256).exists()
    url = f"/activities/{activity}/attachments/{attached.id}/thumbnail"
    assert client.get(url).status_code == 404


def test_open_hands_a_named_copy_to_the_desktop_bridge(client, app, activity):
    opened: list[Path] = []
    app.extensions["otj"].desktop = DesktopBridge(
        has_windows=True, open_path=lambda path: opened.append(path) or True
    )
    data = GOOD_FILES["certificate.pdf"][1]()
    upload(client, activity, (data, "cert.exe"))
    [attached] = stored(app, activity).attachments
    page = client.get(f"/activities/{activity}").get_data(as_text=True)
    assert f"/attachments/{attached.id}/open" in page
    response = client.post(f"/activities/{activity}/attachments/{attached.id}/open")
    assert response.status_code == 302
    [path] = opened
    assert path.name == "cert.exe.pdf" and path.read_bytes() == data
    assert files_of(app).open_copies in path.parents


def test_without_app_windows_open_is_not_offered_and_says_to_download(client, app, activity):
    upload(client, activity, (b"words", "a.txt"))
    [attached] = stored(app, activity).attachments
    page = client.get(f"/activities/{activity}").get_data(as_text=True)
    assert "/open" not in page and "To open one with another program, download it." in page
    response = client.post(
        f"/activities/{activity}/attachments/{attached.id}/open", follow_redirects=True
    )
    assert "use Download" in response.get_data(as_text=True)


# --- changes, history and deleting --------------------------------------------------------------


def test_attaching_and_removing_are_versions_in_history_and_announced(client, app, activity):
    heard: list = []
    app.extensions["otj"].db.add_listener(heard.extend)
    upload(client, activity, (b"one", "one.txt"))
    assert [c.kind for c in heard] == ["activity_saved", "attachments_changed"]
    assert heard[1].data == {"id": activity, "version": 2, "added": ["one.txt"], "removed": []}
    assert "“one.txt” attached" in heard[0].data["summary"]
    [attached] = stored(app, activity).attachments
    response = client.post(f"/activities/{activity}/attachments/{attached.id}/remove")
    assert response.status_code == 302
    assert stored(app, activity).attachments == []
    assert stored(app, activity).version == 3
    page = client.get(f"/activities/{activity}").get_data(as_text=True)
    history = page[page.index('id="activity-history"') :]
    assert "Attachments:" in history and "one.txt" in history
    assert folder_names(app) == {sha(b"one")}  # kept: version 2 still lists it
    client.post(f"/activities/{activity}/versions/2/restore", {"version": "3"})
    assert [a.name for a in stored(app, activity).attachments] == ["one.txt"]


def test_the_attachment_list_is_a_live_region_and_the_upload_form_is_not_inside_it(
    client, activity
):
    page = client.get(f"/activities/{activity}").get_data(as_text=True)
    region = re.search(r'<div id="attachments" data-live="([^"]+)" data-live-id="(\d+)">', page)
    assert region and {"attachments_changed", "activity_saved"} <= set(region.group(1).split())
    assert region.group(2) == str(activity)
    start = page.index('<div id="attachments"')
    form = page.index('enctype="multipart/form-data"')
    assert form > start and page[start:form].count("<div") == page[start:form].count("</div>")


def test_soft_delete_keeps_files_and_permanent_delete_removes_them(client, app, activity):
    keep_me = create(client, title="Keeps a shared file")
    shared, own = image("PNG"), b"only on the deleted one"
    upload(client, activity, (shared, "shared.png"), (own, "own.txt"))
    upload(client, keep_me, (shared, "shared.png"))
    client.post(f"/activities/{activity}/delete")
    assert folder_names(app) == {sha(shared), sha(own)}
    assert files_of(app).thumbnail_path(sha(shared)).exists()
    page = client.get("/activities/deleted").get_data(as_text=True)
    assert f"/activities/deleted/{activity}/purge" in page
    confirm = client.get(f"/activities/deleted/{activity}/purge").get_data(as_text=True)
    assert "attached files" in confirm
    heard: list = []
    app.extensions["otj"].db.add_listener(heard.extend)
    response = client.post(f"/activities/deleted/{activity}/purge")
    assert response.status_code == 302
    assert [c.kind for c in heard] == ["activity_purged"]
    assert folder_names(app) == {sha(shared)}  # the other activity still has it
    with app.extensions["otj"].db.connection() as conn:
        assert (
            conn.execute(
                "SELECT count(*) FROM activity_history WHERE activity_id = ?", (activity,)
            ).fetchone()[0]
            == 0
        )
    with pytest.raises(activity_store.ActivityNotFound):
        stored(app, activity)


def test_emptying_recently_deleted_removes_every_deleted_activitys_files(client, app, activity):
    second = create(client, title="Second")
    live = create(client, title="Live")
    upload(client, activity, (b"first", "1.txt"))
    upload(client, second, (b"second", "2.txt"))
    upload(client, live, (b"live", "3.txt"))
    client.post(f"/activities/{activity}/delete")
    client.post(f"/activities/{second}/delete")
    assert "2 deleted activities" in client.get("/activities/deleted/empty").get_data(as_text=True)
    assert client.post("/activities/deleted/empty").status_code == 302
    assert folder_names(app) == {sha(b"live")}
    assert (
        client.post(f"/activities/deleted/{live}/purge", follow_redirects=True).status_code == 200
    )
    assert stored(app, live).deleted_at is None  # a live activity is never purged


# --- crash safety ------------------------------------------------------------------------------


def test_a_failed_transaction_leaves_no_file_and_no_row(client, app, activity, monkeypatch):
    def boom(tx, *args, **kwargs):
        tx.execute(
            "INSERT INTO attachment (activity_id, sha256, name, media_type, size_bytes, "
            "created_at) VALUES (?, ?, 'x', 'text/plain', 1, 'now')",
            (activity, "a" * 64),
        )
        raise RuntimeError("power cut")

    monkeypatch.setattr(attachment_store, "attach", boom)
    before = fingerprint(app.extensions["otj"].db)
    with pytest.raises(RuntimeError):
        upload(client, activity, (b"never kept", "a.txt"))
    assert fingerprint(app.extensions["otj"].db) == before
    assert folder_names(app) == set()


def test_a_file_that_stops_arriving_leaves_no_temporary_file(app):
    class Broken(io.RawIOBase):
        sent = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            if self.sent > 3:
                raise OSError("connection reset")
            self.sent += 1
            buffer[:4] = b"abcd"
            return 4

    store = files_of(app)
    with pytest.raises(OSError, match="connection reset"):
        store.stage(io.BufferedReader(Broken()))
    with pytest.raises(FileTooLarge):
        store.stage(io.BytesIO(b"x" * 101), limit=100)
    assert folder_names(app) == set()


def test_the_start_up_sweep_removes_leftovers_and_orphans_but_not_what_is_referenced(
    client, app, activity
):
    upload(client, activity, (b"attached", "a.txt"))
    client.post(f"/activities/{activity}/attachments/1/remove")  # history still lists it
    store = files_of(app)
    (store.folder / ".tmp-1234").write_bytes(b"half an upload")
    orphan = sha(b"renamed, then the power went")
    (store.folder / orphan).write_bytes(b"renamed, then the power went")
    old_copy = store.open_copies / "abc"
    old_copy.mkdir(parents=True)
    (old_copy / "x.pdf").write_bytes(b"%PDF-")
    import os

    os.utime(old_copy, (0, 0))
    with app.extensions["otj"].db.connection() as conn:
        report = store.sweep(conn)
    assert (report.temp_files_removed, report.unreferenced_removed) == (1, 1)
    assert folder_names(app) == {sha(b"attached")}
    assert not old_copy.exists()


def test_the_launcher_sweeps_at_start(tmp_path):
    from otj_desktop import startup_checks
    from otj_desktop.web import create_app

    app = create_app({"DATA_DIR": tmp_path})
    store = app.extensions["otj_files"]
    store.folder.mkdir(parents=True, exist_ok=True)
    (store.folder / ".tmp-x").write_bytes(b"x")
    startup_checks.sweep_attachments(app)
    assert not (store.folder / ".tmp-x").exists()
    app.extensions["otj"].broker.close()
    app.extensions["otj"].db.release()
