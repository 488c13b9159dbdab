"""The one write path: transactions, after-commit announcements, and clear storage errors."""

from __future__ import annotations

import sqlite3

import pytest

from otj_desktop.store.db import Database, StorageError
from otj_desktop.store.migrate import migrate


@pytest.fixture
def database(tmp_path):
    db = Database(tmp_path / "t.sqlite3")
    migrate(db)
    return db


def test_connections_use_wal_foreign_keys_and_a_busy_timeout(database):
    with database.connection() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_changes_are_announced_only_after_commit(database):
    heard = []
    database.add_listener(heard.append)
    with database.transaction() as tx:
        tx.execute("INSERT INTO tag (name) VALUES ('a')")
        tx.announce("tag_saved", name="a")
        assert heard == []
    assert [c.kind for c in heard[0]] == ["tag_saved"]


def test_a_failing_block_rolls_back_everything_and_announces_nothing(database):
    heard = []
    database.add_listener(heard.append)
    with pytest.raises(RuntimeError), database.transaction() as tx:
        tx.execute("INSERT INTO tag (name) VALUES ('a')")
        tx.announce("tag_saved", name="a")
        raise RuntimeError("boom")
    with database.connection() as conn:
        assert conn.execute("SELECT count(*) FROM tag").fetchone()[0] == 0
    assert heard == []


def test_full_disk_gives_a_clear_error_and_keeps_earlier_data(database):
    with database.transaction() as tx:
        tx.execute("INSERT INTO tag (name) VALUES ('kept')")
    with database.connection() as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StorageError, match="disk is full"), database.transaction(conn) as tx:
            for i in range(2000):
                tx.execute("INSERT INTO tag (name) VALUES (?)", (f"tag {i} " + "x" * 200,))
        assert [r[0] for r in conn.execute("SELECT name FROM tag")] == ["kept"]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_integrity_errors_are_not_dressed_up_as_storage_errors(database):
    with pytest.raises(sqlite3.IntegrityError), database.transaction() as tx:
        tx.execute("INSERT INTO tag (name) VALUES ('same')")
        tx.execute("INSERT INTO tag (name) VALUES ('SAME')")
