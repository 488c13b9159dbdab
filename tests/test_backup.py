"""Backups in the store: making, listing, pruning, copying elsewhere, restoring, and integrity."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from otj_desktop.domain.activities import ActivityInput
from otj_desktop.store import activities as activity_store
from otj_desktop.store import integrity
from otj_desktop.store.backup import (
    BackupError,
    BackupNotFound,
    Backups,
    backup_database,
    copy_folder_setting,
    inspect,
    set_copy_folder,
)
from otj_desktop.store.db import Database
from otj_desktop.store.migrate import latest_version, migrate

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture
def database(tmp_path) -> Database:
    db = Database(tmp_path / "data" / "otj.sqlite3")
    db.path.parent.mkdir()
    migrate(db)
    return db


@pytest.fixture
def backups(database) -> Backups:
    return Backups(database, database.path.parent / "backups")


def add(db: Database, title: str) -> int:
    with db.transaction() as tx:
        return activity_store.create(
            tx,
            ActivityInput(
                title=title,
                activity_date=date(2026, 11, 2),
                duration_minutes=60,
                activity_type="self_study",
            ),
        )


def titles(db: Database) -> list[str]:
    with db.connection() as conn:
        return [r[0] for r in conn.execute("SELECT title FROM activity ORDER BY id")]


def corrupt(path: Path) -> None:
    """Scribble over the second half of the file, as a failing disk might."""
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.seek(size // 2)
        handle.write(os.urandom(size - size // 2))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_back_up_now_writes_a_named_copy_that_the_list_describes(database, backups):
    add(database, "One")
    add(database, "Two")
    result = backups.create("manual", now=NOW)
    assert result.info.name == "manual-20261127T093000Z.sqlite3"
    [listed] = backups.list()
    assert listed.name == result.info.name
    assert listed.label == "Made by you"
    assert listed.size_bytes == result.info.path.stat().st_size > 0
    assert listed.inspection.activity_count == 2
    assert listed.inspection.schema_version == latest_version()
    assert not list(backups.folder.glob("*.partial"))


def test_backup_holds_commits_still_in_the_wal(database, backups):
    with database.connection() as keep_open:  # keeps the WAL from being checkpointed
        keep_open.execute("SELECT 1").fetchone()
        add(database, "Only in the WAL")
        assert Path(f"{database.path}-wal").stat().st_size > 0
        result = backups.create("manual", now=NOW)
    copy = sqlite3.connect(result.info.path)
    assert copy.execute("SELECT title FROM activity").fetchall() == [("Only in the WAL",)]
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copy.close()


def test_a_second_backup_in_the_same_second_gets_its_own_name_and_counts_as_newer(
    database, backups
):
    first = backups.create("manual", now=NOW)
    second = backups.create("manual", now=NOW)
    assert second.info.name == "manual-20261127T093000Z-2.sqlite3" != first.info.name
    assert [b.name for b in backups.list()] == [second.info.name]  # newest of the day kept


def test_daily_backup_is_due_after_a_day_and_only_when_there_is_data(database, backups):
    assert backups.create_daily_if_due(NOW) is None  # nothing to keep yet
    add(database, "Something")
    assert backups.create_daily_if_due(NOW).info.kind == "daily"
    assert backups.create_daily_if_due(NOW + timedelta(hours=23)) is None
    assert backups.create_daily_if_due(NOW + timedelta(days=1, minutes=1)) is not None


def test_old_backups_are_pruned_by_the_retention_rule(database, backups):
    add(database, "Something")
    for day in range(40):
        backups.create("daily", now=NOW - timedelta(days=40 - day))
    backups.create("manual", now=NOW)
    kept = backups.list()
    assert 10 <= len(kept) <= 10 + 8
    assert kept[0].name.startswith("manual-20261127")
    assert len({b.taken_at.date() for b in kept}) == len(kept)  # one a day at most


def test_partial_leftovers_are_ignored_and_tidied(database, backups):
    backups.folder.mkdir()
    leftover = backups.folder / "daily-20261101T090000Z.sqlite3.partial"
    leftover.write_bytes(b"half a backup")
    assert backups.list() == []
    backups.create("manual", now=NOW)
    assert not leftover.exists()


def test_backups_are_also_copied_to_the_chosen_folder(database, backups, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    with database.transaction() as tx:
        set_copy_folder(tx, usb)
    result = backups.create("manual", now=NOW)
    assert result.copied_to == usb / result.info.name
    assert sha(result.copied_to) == sha(result.info.path)
    assert result.copy_error is None and backups.last_problem is None


def test_a_failed_copy_is_reported_but_the_backup_is_made(database, backups, tmp_path):
    with database.transaction() as tx:
        set_copy_folder(tx, tmp_path / "unplugged-usb")
    result = backups.create("manual", now=NOW)
    assert result.info.path.exists()
    assert result.copy_error.startswith("The backup was made, but copying it to")
    assert backups.last_problem == result.copy_error


def test_a_backup_that_cannot_be_written_raises_a_clear_error_and_leaves_nothing(
    database, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with database.connection() as conn, pytest.raises(BackupError, match="nothing was changed"):
        backup_database(conn, blocker / "copy.sqlite3")


def test_restore_brings_back_the_backup_and_keeps_a_copy_of_what_it_replaced(
    database, backups, tmp_path
):
    add(database, "Before the backup")
    usb = tmp_path / "usb"
    usb.mkdir()
    with database.transaction() as tx:
        set_copy_folder(tx, usb)
    taken = backups.create("manual", now=NOW - timedelta(days=1))
    add(database, "After the backup")
    with database.transaction() as tx:
        set_copy_folder(tx, None)  # changed after the backup: this computer's choice is kept
    with database.connection() as open_elsewhere:
        result = backups.restore(taken.info.name, now=NOW)
        # A connection opened before the restore sees the restored data.
        rows = open_elsewhere.execute("SELECT title FROM activity").fetchall()
        assert [r[0] for r in rows] == ["Before the backup"]
    assert titles(database) == ["Before the backup"]
    assert result.safety_backup.kind == "before-restore"
    safety = sqlite3.connect(result.safety_backup.path)
    assert [r[0] for r in safety.execute("SELECT title FROM activity ORDER BY id")] == [
        "Before the backup",
        "After the backup",
    ]
    safety.close()
    with database.connection() as conn:
        assert copy_folder_setting(conn) is None
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert not list(database.path.parent.glob(".restore-*"))


def test_restoring_a_damaged_backup_changes_nothing(database, backups):
    add(database, "Precious")
    for i in range(50):
        add(database, f"Filler {i} " + "x" * 500)
    taken = backups.create("manual", now=NOW - timedelta(days=1))
    corrupt(taken.info.path)
    before = titles(database)
    with pytest.raises(BackupError, match="cannot be used"):
        backups.restore(taken.info.name, now=NOW)
    assert titles(database) == before
    assert [b.kind for b in backups.list()] == ["manual"]  # no safety copy was needed


def test_restoring_an_unknown_or_sneaky_name_is_refused(backups):
    for name in ("nope.sqlite3", "../otj.sqlite3", "manual-20261127T093000Z.sqlite3"):
        with pytest.raises(BackupNotFound):
            backups.find(name)


def test_a_backup_from_a_newer_release_is_not_restored(database, backups):
    taken = backups.create("manual", now=NOW - timedelta(days=1))
    conn = sqlite3.connect(taken.info.path)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.close()
    with pytest.raises(BackupError, match="newer version"):
        backups.restore(taken.info.name, now=NOW)


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("schema_v*.sql")), ids=lambda p: p.stem)
def test_a_backup_from_an_earlier_schema_is_upgraded_as_it_is_restored(database, backups, fixture):
    backups.folder.mkdir()
    old = backups.folder / "daily-20260101T090000Z.sqlite3"
    conn = sqlite3.connect(old)
    conn.executescript(fixture.read_text(encoding="utf-8"))
    activities = conn.execute("SELECT count(*) FROM activity").fetchone()[0]
    conn.close()
    backups.restore(old.name, now=NOW)
    with database.connection() as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version()
        assert conn.execute("SELECT count(*) FROM activity").fetchone()[0] == activities >= 3
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_quick_check_finds_a_damaged_database_without_touching_it(database, tmp_path):
    for i in range(50):
        add(database, f"Entry {i} " + "y" * 500)
    database.checkpoint_and_close()
    assert integrity.check(database.path).ok
    corrupt(database.path)
    before = sha(database.path)
    report = integrity.check(database.path)
    assert not report.ok and report.problem
    assert sha(database.path) == before
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database at all" * 100)
    assert not integrity.check(garbage).ok
    assert integrity.check(tmp_path / "missing.sqlite3").ok


def test_recovery_moves_the_damaged_file_aside_and_restores_the_newest_good_backup(
    database, backups
):
    add(database, "In the good backup")
    good = backups.create("manual", now=NOW - timedelta(days=2))
    add(database, "In the damaged backup")
    bad = backups.create("manual", now=NOW - timedelta(days=1))
    for i in range(50):
        add(database, f"Entry {i} " + "z" * 500)
    corrupt(bad.info.path)
    database.checkpoint_and_close()
    corrupt(database.path)
    damaged_hash = sha(database.path)
    found = integrity.newest_good_backup(backups.folder, max_schema=latest_version())
    assert found.name == good.info.name
    recovery = integrity.recover(database.path, found, now=NOW)
    assert sha(recovery.damaged_moved_to / "otj.sqlite3") == damaged_hash
    assert integrity.check(database.path).ok
    assert titles(database) == ["In the good backup"]
    assert inspect(database.path, deep=True).ok
