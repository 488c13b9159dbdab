"""Is the database intact? Checked at start, before anything writes to it.

:func:`check` runs ``PRAGMA quick_check`` on a read-only connection, so a damaged file is never
written to (not even by the checkpoint SQLite runs when the last connection closes). When the
database is damaged the launcher refuses to start and offers the newest good backup;
:func:`recover` then moves the damaged file (with its ``-wal`` and ``-shm``) aside, never
deleting it, and puts a copy of that backup in its place.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from otj_desktop.store import backup_files
from otj_desktop.store.attachment_files import attachments_folder, referenced_hashes
from otj_desktop.store.backup import BackupInfo, inspect, list_backups, restore_file_into_place


@dataclass(frozen=True)
class IntegrityReport:
    ok: bool
    problem: str | None = None


@dataclass(frozen=True)
class Recovery:
    restored: BackupInfo
    damaged_moved_to: Path


def check(db_path: Path) -> IntegrityReport:
    """``quick_check`` the database read-only; a missing file is fine (a first start)."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return IntegrityReport(True)
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return IntegrityReport(False, str(exc))
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        return IntegrityReport(False, str(exc))
    finally:
        conn.close()
    if rows == ["ok"]:
        return IntegrityReport(True)
    return IntegrityReport(False, "; ".join(rows)[:300])


def newest_good_backup(backup_dir: Path, *, max_schema: int) -> BackupInfo | None:
    """The newest backup that passes ``quick_check`` and this release can open."""
    for info in list_backups(backup_dir):
        deep = inspect(info.path, deep=True)
        if deep.ok and deep.schema_version is not None and deep.schema_version <= max_schema:
            return info
    return None


def recover(db_path: Path, backup: BackupInfo, *, now: datetime | None = None) -> Recovery:
    """Move the damaged database aside (kept, never deleted) and restore ``backup`` in its place.

    The app must not have the database open.
    """
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    aside = db_path.parent / "damaged" / stamp
    aside.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        source = Path(f"{db_path}{suffix}")
        with contextlib.suppress(FileNotFoundError):
            os.replace(source, aside / source.name)
    restore_file_into_place(backup.path, db_path)
    _files_after_recovery(db_path, backup, aside)
    return Recovery(backup, aside)


def _files_after_recovery(db_path: Path, backup: BackupInfo, aside: Path) -> None:
    """Bring back the attached files the restored backup refers to, and move the ones it does
    not (the damaged database may have) aside with it: kept, never deleted."""
    folder = attachments_folder(db_path.parent)
    conn = sqlite3.connect(db_path)
    try:
        backup_files.restore_files(conn, backup.path.parent, folder)
        wanted = referenced_hashes(conn)
    finally:
        conn.close()
    with contextlib.suppress(FileNotFoundError):
        for path in folder.iterdir():
            if path.is_file() and path.name not in wanted:
                (aside / "attachments").mkdir(exist_ok=True)
                with contextlib.suppress(OSError):
                    os.replace(path, aside / "attachments" / path.name)
