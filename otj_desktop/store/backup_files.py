"""Attached files in backups: ``<backups>/attachments/<sha256>``, shared by every backup there.

A backup stays one SQLite file (listing, checking, copying and restoring it work as before);
the attached files it refers to (its attachment rows and its history) are copied beside it into
the backups folder's ``attachments`` subfolder. Files are named by their contents, so each is
stored once however many backups refer to it (the retention rule keeps up to 23 backups: a
folder or zip per backup would hold 23 copies of every photo). When backups are pruned, files no
remaining backup refers to are pruned too. A copy folder (USB drive, synced folder) gets the
same layout. Restoring a backup brings back any of its files the data folder lacks.

Copies are written like every other file here: temporary name, fsync, rename. The attachment
store's lock is held while the files a backup needs are copied, so an attachment deleted for
good meanwhile cannot vanish between the database copy and the file copy.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from pathlib import Path

from otj_desktop.store.attachment_files import (
    fsync_folder,
    is_sha256,
    lock_for,
    referenced_hashes,
)

FOLDER = "attachments"


def hashes_in(database: Path) -> set[str]:
    """The file hashes a database file (a backup) refers to; empty if it cannot be read."""
    try:
        conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return set()
    try:
        return referenced_hashes(conn)
    except sqlite3.Error:
        return set()
    finally:
        conn.close()


def copy_files(hashes: set[str], source: Path, dest: Path) -> list[str]:
    """Copy the files ``hashes`` from ``source`` to ``dest`` where ``dest`` lacks them.

    Returns the hashes that ``source`` does not have. Raises OSError when a copy fails.
    """
    missing = []
    for sha256 in sorted(hashes):
        if not is_sha256(sha256) or (dest / sha256).is_file():
            continue
        original = source / sha256
        if not original.is_file():
            missing.append(sha256)
            continue
        dest.mkdir(parents=True, exist_ok=True)
        partial = dest / f".tmp-{sha256}"
        try:
            shutil.copyfile(original, partial)
            with open(partial, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, dest / sha256)
        except OSError:
            with contextlib.suppress(OSError):
                partial.unlink()
            raise
    if hashes:
        fsync_folder(dest)
    return missing


def keep_files_for(backup: Path, attachments: Path) -> list[str]:
    """After a backup is written to ``backup``: copy the files it refers to beside it.

    Returns the hashes that could not be found (never expected; reported, not fatal).
    """
    with lock_for(attachments):
        return copy_files(hashes_in(backup), attachments, backup.parent / FOLDER)


def copy_with_backup(backup: Path, folder: Path) -> None:
    """Copying a backup to another folder: its files go to that folder's ``attachments``."""
    copy_files(hashes_in(backup), backup.parent / FOLDER, folder / FOLDER)


def prune_files(folder: Path, backups: list[Path]) -> int:
    """Remove files in ``folder/attachments`` that none of ``backups`` refers to."""
    stored = folder / FOLDER
    if not stored.is_dir():
        return 0
    wanted: set[str] = set()
    for backup in backups:
        wanted |= hashes_in(backup)
    removed = 0
    for path in stored.iterdir():
        name = path.name
        if (is_sha256(name) and name not in wanted) or name.startswith(".tmp-"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed


def restore_files(conn: sqlite3.Connection, backups: Path, attachments: Path) -> list[str]:
    """For a restore: bring back the files the restored data refers to, from the backups
    folder. Returns the hashes found in neither place."""
    with lock_for(attachments):
        return copy_files(referenced_hashes(conn), backups / FOLDER, attachments)


def restore_files_of(database: Path, backups: Path, attachments: Path) -> list[str]:
    """:func:`restore_files` for the data in the database file ``database``."""
    with lock_for(attachments):
        return copy_files(hashes_in(database), backups / FOLDER, attachments)
