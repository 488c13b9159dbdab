"""Schema migrations: numbered SQL files, applied in order, each in its own transaction.

Why plain ``sqlite3`` and SQL files rather than SQLAlchemy + Alembic: the schema is small, the
queries are hand-written SQL (aggregates, FTS5) that an ORM would not improve, and leaving out
SQLAlchemy saves about 200 ms of start-up and a large dependency in the installer.

``migrations/NNNN_name.sql`` holds schema version NNNN. The version a database is at lives in
``PRAGMA user_version`` (inside the database file, so it travels with copies and backups).
Before an existing database is migrated it is copied aside with SQLite's online backup API,
which, unlike a file copy, includes whatever is still in the WAL.

Rules for writing a migration: never edit a released file; keep every row (rebuild tables with
``INSERT INTO new SELECT ... FROM old``); add a fixture for the released version under
``tests/fixtures/`` so the upgrade test covers it.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from otj_desktop.store.attachment_files import attachments_folder
from otj_desktop.store.backup import backup_database
from otj_desktop.store.backup_files import keep_files_for
from otj_desktop.store.db import Database, StorageError

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


@dataclass(frozen=True)
class MigrationReport:
    """What :func:`migrate` did: the versions before and after, and the backup it took."""

    from_version: int
    to_version: int
    backup_path: Path | None


class NewerDatabaseError(StorageError):
    """The database was written by a newer release of the app; it is left untouched."""


def available_migrations() -> list[Migration]:
    """All bundled migrations, in version order."""
    folder = resources.files("otj_desktop.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"Migrations must be numbered 1, 2, 3 ... without gaps: {versions}")
    return found


def latest_version() -> int:
    return len(available_migrations())


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(
    db: Database, *, backup_dir: Path | None = None, target: int | None = None
) -> MigrationReport:
    """Bring the database up to ``target`` (default: the latest) schema version.

    An existing database (version >= 1) with migrations to apply is first backed up into
    ``backup_dir``. Raises :class:`NewerDatabaseError` for a database from a newer release and
    :class:`StorageError` if a migration fails (that migration is rolled back; earlier ones stay).
    """
    migrations = available_migrations()
    target = len(migrations) if target is None else target
    with db.connection() as conn:
        current = schema_version(conn)
        if current > len(migrations):
            raise NewerDatabaseError(
                f"This data was saved by a newer version of OTJ Desktop (schema {current}); "
                "install the newer version to open it."
            )
        pending = [m for m in migrations if current < m.version <= target]
        backup_path = None
        if pending and current >= 1 and backup_dir is not None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            backup_path = backup_dir / f"before-migration-v{current}-to-v{target}-{stamp}.sqlite3"
            backup_database(conn, backup_path)
            keep_files_for(backup_path, attachments_folder(db.path.parent))
        for migration in pending:
            _apply(conn, migration)
        return MigrationReport(current, max(current, target), backup_path)


def _apply(conn: sqlite3.Connection, migration: Migration) -> None:
    # Foreign keys are checked once at the end instead of per statement, so a migration can
    # rebuild a table that others point at. The pragma cannot change inside a transaction.
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        for statement in split_statements(migration.sql):
            conn.execute(statement)
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise sqlite3.IntegrityError(f"foreign key check failed: {len(problems)} rows")
        conn.execute(f"PRAGMA user_version = {migration.version:d}")
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StorageError(
            f"Updating the database to version {migration.version} failed ({exc}); "
            "your data was left as it was."
        ) from exc
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def split_statements(sql: str) -> Iterator[str]:
    """Split a script into complete SQL statements (trigger bodies stay whole)."""
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            buffer = ""
            if _strip_comments(statement):
                yield statement
    if _strip_comments(buffer):
        raise ValueError(f"Incomplete SQL statement at the end of a migration: {buffer[:80]!r}")


def _strip_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--")).strip()
