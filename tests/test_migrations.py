"""Schema migrations: a fresh database, and every released schema upgraded with rows intact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from otj_desktop.store import migrate as migrate_module
from otj_desktop.store.db import Database, StorageError
from otj_desktop.store.migrate import (
    Migration,
    NewerDatabaseError,
    available_migrations,
    latest_version,
    migrate,
    split_statements,
)

FIXTURES = sorted(Path(__file__).with_name("fixtures").glob("schema_v*.sql"))


def load_fixture(sql_file: Path, dest: Path) -> Database:
    conn = sqlite3.connect(dest)
    conn.executescript(sql_file.read_text(encoding="utf-8"))
    conn.close()
    return Database(dest)


def table_rows(conn: sqlite3.Connection) -> dict[str, list[dict[str, object]]]:
    """Every row of every ordinary table, as {column: value}."""
    # Ordinary tables only: virtual tables (FTS) and their shadow tables are indexes of these.
    tables = [
        r[1]
        for r in conn.execute("PRAGMA table_list")
        if r[0] == "main" and r[2] == "table" and not r[1].startswith("sqlite_")
    ]
    rows = {}
    for table in tables:
        cursor = conn.execute(f'SELECT * FROM "{table}"')
        columns = [d[0] for d in cursor.description]
        rows[table] = [dict(zip(columns, row, strict=True)) for row in cursor]
    return rows


def projected(rows: list[dict[str, object]], columns: list[str]) -> list[tuple]:
    """The rows' values in ``columns``, in a stable order (to compare tables as multisets)."""
    return sorted((tuple(row[c] for c in columns) for row in rows), key=repr)


def assert_rows_intact(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> None:
    """Column by column: every column an old table had is still there with the same values in
    the same rows (new columns may sit alongside). A migration that loses a row or a column,
    renames a column, or moves a value to another column or row fails here."""
    for table, rows in before.items():
        assert table in after, f"table {table} vanished"
        assert len(after[table]) == len(rows), f"rows lost from {table}"
        if not rows:
            continue
        columns = list(rows[0])
        assert set(columns) <= set(after[table][0]), f"columns lost from {table}"
        assert projected(after[table], columns) == projected(rows, columns), table


def test_fresh_database_reaches_the_latest_version(tmp_path):
    db = Database(tmp_path / "new.sqlite3")
    report = migrate(db, backup_dir=tmp_path / "backups")
    assert (report.from_version, report.to_version) == (0, latest_version())
    assert report.backup_path is None  # nothing to back up yet
    with db.connection() as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version()
        assert conn.execute("SELECT count(*) FROM profile").fetchone()[0] == 1


def test_there_is_a_fixture_for_every_released_schema_version():
    versions = {int(p.stem.removeprefix("schema_v")) for p in FIXTURES}
    assert versions == set(range(1, max(versions) + 1))
    assert max(versions) >= latest_version() - 1  # at most the unreleased newest has none


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_every_earlier_schema_upgrades_with_its_rows_intact(tmp_path, fixture):
    db = load_fixture(fixture, tmp_path / "old.sqlite3")
    with db.connection() as conn:
        before = table_rows(conn)
        old_version = conn.execute("PRAGMA user_version").fetchone()[0]
    report = migrate(db, backup_dir=tmp_path / "backups")
    assert report.to_version == latest_version()
    with db.connection() as conn:
        after = table_rows(conn)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert_rows_intact(before, after)
    if old_version < latest_version():
        assert report.backup_path is not None and report.backup_path.exists()
        backup = sqlite3.connect(report.backup_path)
        assert backup.execute("PRAGMA user_version").fetchone()[0] == old_version
        assert table_rows(backup) == before
        backup.close()


def test_the_row_check_catches_a_value_moved_to_another_column(tmp_path, monkeypatch):
    """A migration that swaps two columns keeps every value (the old check, "each old row's
    values are all somewhere in a new row", passed it); compared by column it fails."""
    db = load_fixture(FIXTURES[-1], tmp_path / "old.sqlite3")
    with db.connection() as conn:
        before = table_rows(conn)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    swap = Migration(
        version + 1, "swap", "UPDATE activity SET title = description, description = title;"
    )
    real = [m for m in available_migrations() if m.version <= version]
    monkeypatch.setattr(migrate_module, "available_migrations", lambda: [*real, swap])
    migrate(db, backup_dir=tmp_path / "backups")
    with db.connection() as conn:
        after = table_rows(conn)
    with pytest.raises(AssertionError, match="activity"):
        assert_rows_intact(before, after)


def test_database_from_a_newer_release_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "future.sqlite3"
    db = Database(path)
    migrate(db)
    with db.connection() as conn:
        conn.execute(f"PRAGMA user_version = {latest_version() + 5}")
    before = path.read_bytes()
    with pytest.raises(NewerDatabaseError, match="newer version of OTJ Desktop"):
        migrate(db, backup_dir=tmp_path / "backups")
    assert path.read_bytes() == before


def test_a_failing_migration_is_rolled_back_and_earlier_data_kept(tmp_path, monkeypatch):
    db = Database(tmp_path / "db.sqlite3")
    migrate(db)
    current = latest_version()
    with db.connection() as conn:
        conn.execute("INSERT INTO tag (name) VALUES ('kept')")
    broken = Migration(
        current + 1,
        "broken",
        "ALTER TABLE tag ADD COLUMN colour TEXT;\nINSERT INTO no_such_table VALUES (1);",
    )
    real = available_migrations()
    monkeypatch.setattr(migrate_module, "available_migrations", lambda: [*real, broken])
    with pytest.raises(StorageError, match="left as it was"):
        migrate(db, backup_dir=tmp_path / "backups")
    with db.connection() as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == current
        assert "colour" not in [r[1] for r in conn.execute("PRAGMA table_info(tag)")]
        assert [r[0] for r in conn.execute("SELECT name FROM tag")] == ["kept"]
    assert list((tmp_path / "backups").glob("before-migration-*.sqlite3"))


def test_split_statements_keeps_trigger_bodies_whole():
    sql = """-- a comment; with a semicolon
CREATE TABLE t (x);
CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN
  INSERT INTO t (x) SELECT 1 WHERE 0;
  UPDATE t SET x = x;
END;
INSERT INTO t VALUES ('a;b');
"""
    statements = list(split_statements(sql))
    assert len(statements) == 3
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


BEFORE_DRAFTS = [f for f in FIXTURES if int(f.stem.removeprefix("schema_v")) < 5]


@pytest.mark.parametrize("fixture", BEFORE_DRAFTS, ids=lambda p: p.stem)
def test_after_upgrading_every_activity_is_confirmed_and_the_totals_agree(tmp_path, fixture):
    from otj_desktop.store import totals

    db = load_fixture(fixture, tmp_path / "old.sqlite3")
    migrate(db, backup_dir=tmp_path / "backups")
    with db.connection() as conn:
        assert {r[0] for r in conn.execute("SELECT status FROM activity")} == {"confirmed"}
        assert totals.differences(conn) == {}
        by_type = conn.execute("SELECT * FROM activity_type_total ORDER BY 1").fetchall()
        assert [tuple(r) for r in by_type] == [("self_study", 1, 45), ("training_course", 1, 210)]
        # The search index still finds live activities, and marks drafts apart from them.
        conn.execute("UPDATE activity SET status = 'draft' WHERE id = 2")
        found = conn.execute(
            "SELECT rowid FROM activity_fts WHERE activity_fts MATCH 'state : draft'"
        ).fetchall()
        assert [r[0] for r in found] == [2]
        assert totals.differences(conn) == {}
