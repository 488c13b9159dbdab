"""Export format 2: resource links, attachment rows and the attached files round-trip exactly,
older files still import, and hostile attachment members or links are refused."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from otj_desktop.store import activities as activity_store
from otj_desktop.store import archive as archive_store
from otj_desktop.store.archive import ArchiveError, read_archive
from otj_desktop.store.attachment_files import AttachmentFiles
from otj_desktop.store.db import Database
from tests.archive_helpers import (
    EVIDENCE_FILES,
    all_rows,
    as_format_1,
    export,
    filled_database,
    repack,
    unpack,
)
from tests.test_archive import fresh, import_into


@pytest.fixture
def source(tmp_path) -> Database:
    return filled_database(tmp_path / "source")


def stored_files(db: Database) -> dict[str, bytes]:
    folder = AttachmentFiles(db.path.parent).folder
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


def test_links_attachments_and_files_round_trip_exactly(source, tmp_path):
    target = fresh(tmp_path)
    import_into(target, export(source))
    assert all_rows(target)["activity_resource_link"] == all_rows(source)["activity_resource_link"]
    assert all_rows(target)["attachment"] == all_rows(source)["attachment"]
    assert stored_files(target) == stored_files(source)
    assert len(stored_files(source)) == 2  # the attached image and the one history still lists
    with target.connection() as conn:
        activity = activity_store.get(conn, 1)
    assert [x["title"] for x in activity.resource_links] == ["Keep note", "PR <review>"]
    assert [a.name for a in activity.attachments] == ["scan.png"]


def test_the_export_lists_each_file_by_its_hash_and_stores_images_uncompressed(source):
    data = export(source)
    files = unpack(data)
    manifest = files["manifest.json"]
    attached = {n: e for n, e in manifest["files"].items() if n.startswith("attachments/")}
    for name, entry in attached.items():
        content = files[name]
        assert entry == {"bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        assert name == f"attachments/{entry['sha256']}"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        kinds = {i.filename: i.compress_type for i in archive.infolist()}
    md = hashlib.sha256(EVIDENCE_FILES["old notes.md"].encode()).hexdigest()
    png = next(n for n in attached if n != f"attachments/{md}")
    assert kinds[png] == zipfile.ZIP_STORED and kinds[f"attachments/{md}"] == zipfile.ZIP_DEFLATED
    activity = files["activities.json"]["activities"][0]
    assert set(activity["attachments"][0]) == {
        "id",
        "sha256",
        "name",
        "media_type",
        "size_bytes",
        "created_at",
    }


def test_restoring_a_version_after_import_brings_back_a_file_only_history_had(source, tmp_path):
    target = fresh(tmp_path)
    import_into(target, export(source))
    with target.connection() as conn:
        activity = activity_store.get(conn, 1)
    with target.transaction() as tx:
        activity_store.restore_version(
            tx, 1, activity.version - 1, expected_version=activity.version
        )
    with target.connection() as conn:
        names = sorted(a.name for a in activity_store.get(conn, 1).attachments)
    assert names == ["old notes.md", "scan.png"]


def test_a_format_1_export_still_imports(source, tmp_path):
    files = as_format_1(unpack(export(source)))
    target = fresh(tmp_path)
    summary = import_into(target, repack(files))
    assert len(summary.activities_added) == len(files["activities.json"]["activities"])
    assert all_rows(target)["attachment"] == []
    assert all_rows(target)["activity_resource_link"] == []


def spoil(source: Database, change) -> bytes:
    files = unpack(export(source))
    change(files)
    return repack(files)


def first_file(files: dict) -> str:
    return next(n for n in files if n.startswith("attachments/"))


def _drop_member(files):
    sha256 = files["activities.json"]["activities"][0]["attachments"][0]["sha256"]
    del files[f"attachments/{sha256}"]
    files["manifest.json"]["counts"]["attachment_files"] -= 1


def _change_contents(files):
    files[first_file(files)] = b"not the same bytes"  # the manifest is refreshed, the name is not


def _extra_member(files):
    extra = b"nobody refers to me"
    files[f"attachments/{hashlib.sha256(extra).hexdigest()}"] = extra
    files["manifest.json"]["files"][f"attachments/{hashlib.sha256(extra).hexdigest()}"] = {}
    files["manifest.json"]["counts"]["attachment_files"] += 1


def _link(change):
    def apply(files):
        change(files["activities.json"]["activities"][0]["resource_links"][0])

    return apply


def _attachment(change):
    def apply(files):
        change(files["activities.json"]["activities"][0]["attachments"][0])

    return apply


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_drop_member, "is missing from it"),
        (_change_contents, "does not match its checksum"),
        (_extra_member, "nothing in it refers to"),
        (_link(lambda x: x.update(url="javascript:alert(1)")), "http or https"),
        (_link(lambda x: x.update(url="file:///etc/passwd")), "http or https"),
        (_link(lambda x: x.update(stage="plan")), "stage"),
        (_link(lambda x: x.update(extra="x")), "fields the app never records"),
        (_attachment(lambda x: x.update(name="../../evil.png")), "file name"),
        (_attachment(lambda x: x.update(name="a\x00b.png")), "control characters"),
        (_attachment(lambda x: x.update(media_type="text/html")), "media_type"),
        (_attachment(lambda x: x.update(sha256="../" * 21 + "a")), "64 hex digits"),
        (_attachment(lambda x: x.update(size_bytes=11 * 1024 * 1024)), "size_bytes"),
    ],
    ids=lambda v: getattr(v, "__name__", str(v))[:40],
)
def test_hostile_attachments_and_links_are_refused(source, change, reason):
    with pytest.raises(ArchiveError, match=reason):
        read_archive(spoil(source, change))


def test_an_attached_file_over_the_limit_is_refused_without_reading_it_all(source, monkeypatch):
    monkeypatch.setattr(archive_store.archive_files, "MAX_BYTES", 10)
    with pytest.raises(ArchiveError, match="larger than attachments may be"):
        read_archive(export(source))


def test_a_format_1_file_may_not_carry_files(source):
    def downgrade(files):
        files["manifest.json"]["format_version"] = 1

    with pytest.raises(ArchiveError, match="cannot hold"):
        read_archive(spoil(source, downgrade))


def test_importing_through_the_app_previews_without_writing_files_then_stores_them(
    client, app, source
):
    data = export(source)
    response = client.post(
        "/data/import",
        {"archive": (io.BytesIO(data), "export.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    store = app.extensions["otj_files"]
    preview = client.get(response.headers["Location"])
    assert preview.status_code == 200
    assert not store.folder.exists() or not any(store.folder.iterdir())
    assert client.post(response.headers["Location"]).status_code == 302
    assert {p.name for p in store.folder.iterdir()} == set(stored_files(source))
    with app.extensions["otj"].db.connection() as conn:
        assert [a.name for a in activity_store.get(conn, 1).attachments] == ["scan.png"]


def test_the_app_exports_attached_files(client, app, source, tmp_path):
    data = export(source)
    client.post(
        "/data/import",
        {"archive": (io.BytesIO(data), "export.zip")},
        content_type="multipart/form-data",
    )
    token = next(Path(app.extensions["otj"].data_dir, "imports").glob("*.zip")).stem
    client.post(f"/data/import/{token}")
    exported = client.get("/data/export")
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    names = set(unpack(exported.data))
    assert {n for n in names if n.startswith("attachments/")} == {
        f"attachments/{h}" for h in stored_files(source)
    }
