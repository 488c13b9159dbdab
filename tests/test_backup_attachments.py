"""Backups hold the attached files too: beside the database copies, shared, pruned with them,
copied to the chosen folder, and brought back by a restore or a start-up recovery."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from otj_desktop.domain.activities import ActivityInput
from otj_desktop.store import activities as activity_store
from otj_desktop.store import attachments as attachment_store
from otj_desktop.store import integrity
from otj_desktop.store import purge as purge_store
from otj_desktop.store.attachment_files import AttachmentFiles
from otj_desktop.store.backup import Backups, set_copy_folder
from otj_desktop.store.backup_files import hashes_in
from otj_desktop.store.db import Database
from otj_desktop.store.migrate import migrate

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


@pytest.fixture
def database(tmp_path) -> Database:
    db = Database(tmp_path / "data" / "otj.sqlite3")
    db.path.parent.mkdir()
    migrate(db)
    return db


@pytest.fixture
def files(database) -> AttachmentFiles:
    return AttachmentFiles(database.path.parent)


@pytest.fixture
def backups(database) -> Backups:
    return Backups(database, database.path.parent / "backups")


def attach(db: Database, files: AttachmentFiles, data: bytes, title: str = "Course") -> int:
    with db.transaction() as tx:
        activity_id = activity_store.create(
            tx,
            ActivityInput(
                title=title,
                activity_date=date(2026, 11, 2),
                duration_minutes=60,
                activity_type="self_study",
            ),
        )
    staged = files.stage(io.BytesIO(data))
    with files.lock:
        files.keep(staged)
        with db.transaction() as tx:
            attachment_store.attach(
                tx,
                activity_id,
                [attachment_store.NewFile(staged.sha256, "f.txt", "text/plain", staged.size)],
            )
    return activity_id


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_backup_keeps_the_files_it_refers_to_beside_it(database, files, backups):
    attach(database, files, b"certificate")
    result = backups.create("manual", now=NOW)
    kept = backups.folder / "attachments" / sha(b"certificate")
    assert kept.read_bytes() == b"certificate"
    assert hashes_in(result.info.path) == {sha(b"certificate")}
    assert [b.name for b in backups.list()] == [result.info.name]  # the folder is not a backup


def test_every_backup_shares_one_copy_of_each_file(database, files, backups):
    attach(database, files, b"photo")
    for n in range(3):
        backups.create("manual", now=NOW + timedelta(seconds=n))
    assert [p.name for p in (backups.folder / "attachments").iterdir()] == [sha(b"photo")]


def test_pruning_backups_prunes_the_files_no_kept_backup_refers_to(database, files, backups):
    first = attach(database, files, b"old file")
    backups.create("manual", now=NOW - timedelta(days=400))
    with database.transaction() as tx:
        activity_store.soft_delete(tx, first)
    with database.transaction() as tx:
        purge_store.purge(tx, first)
    with database.connection() as conn:
        files.remove_unreferenced(conn)
    attach(database, files, b"new file")
    # Ten weekly backups since: the year-old one falls out of the retention rule.
    for n in range(10):
        backups.create("daily", now=NOW - timedelta(days=7 * n))
    assert len(backups.list()) == 10
    names = {p.name for p in (backups.folder / "attachments").iterdir()}
    assert names == {sha(b"new file")}


def test_restoring_a_backup_brings_its_files_back(database, files, backups):
    activity = attach(database, files, b"evidence")
    backup = backups.create("manual", now=NOW)
    with database.transaction() as tx:
        activity_store.soft_delete(tx, activity)
    with database.transaction() as tx:
        purge_store.purge(tx, activity)
    with database.connection() as conn:
        files.remove_unreferenced(conn)
    assert not files.exists(sha(b"evidence"))
    backups.restore(backup.info.name, now=NOW + timedelta(minutes=5))
    assert files.path(sha(b"evidence")).read_bytes() == b"evidence"
    with database.connection() as conn:
        assert activity_store.get(conn, activity).attachments[0].sha256 == sha(b"evidence")


def test_a_backup_copied_to_another_folder_takes_its_files(database, files, backups, tmp_path):
    attach(database, files, b"to the usb drive")
    elsewhere = tmp_path / "usb"
    elsewhere.mkdir()
    with database.transaction() as tx:
        set_copy_folder(tx, elsewhere)
    result = backups.create("manual", now=NOW)
    assert result.copy_error is None and result.copied_to is not None
    assert (
        elsewhere / "attachments" / sha(b"to the usb drive")
    ).read_bytes() == b"to the usb drive"


def test_the_backup_before_a_migration_keeps_files_too(tmp_path, monkeypatch):
    from otj_desktop.store import migrate as migrate_module

    db = Database(tmp_path / "data" / "otj.sqlite3")
    db.path.parent.mkdir()
    migrate(db)
    files = AttachmentFiles(db.path.parent)
    attach(db, files, b"before an update")
    # The next release brings one more migration; its backup must carry the files along.
    current = migrate_module.available_migrations()
    upcoming = migrate_module.Migration(len(current) + 1, "upcoming", "CREATE TABLE later (x);")
    monkeypatch.setattr(migrate_module, "available_migrations", lambda: [*current, upcoming])
    report = migrate(db, backup_dir=tmp_path / "data" / "backups")
    assert report.backup_path is not None
    assert (tmp_path / "data" / "backups" / "attachments" / sha(b"before an update")).exists()


def test_recovering_a_damaged_database_brings_files_back_and_moves_strays_aside(
    database, files, backups
):
    attach(database, files, b"in the backup")
    backup = backups.create("manual", now=NOW)
    attach(database, files, b"only in the damaged database", title="Later")
    files.path(sha(b"in the backup")).unlink()  # lost with the damage
    database.release()
    recovery = integrity.recover(database.path, backup.info, now=NOW + timedelta(hours=1))
    assert files.path(sha(b"in the backup")).read_bytes() == b"in the backup"
    stray = recovery.damaged_moved_to / "attachments" / sha(b"only in the damaged database")
    assert stray.read_bytes() == b"only in the damaged database"  # kept, never deleted
    assert not files.exists(sha(b"only in the damaged database"))
    conn = sqlite3.connect(database.path)
    assert conn.execute("SELECT count(*) FROM attachment").fetchone()[0] == 1
    conn.close()
