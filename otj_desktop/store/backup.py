"""Copies of the database made with SQLite's online backup API.

A plain file copy of a WAL-mode database can miss commits that are still in the ``-wal`` file;
the backup API copies a consistent snapshot page by page while the app keeps running.
The copy is written to a temporary name and renamed into place, so a crash mid-backup never
leaves a half file that looks like a backup.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path


def backup_database(source: sqlite3.Connection, dest: Path) -> Path:
    """Write a consistent copy of ``source`` to ``dest`` and return ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
        # A backup is a single self-contained file: no WAL beside it.
        target.execute("PRAGMA journal_mode = DELETE")
    finally:
        target.close()
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, dest)
    return dest
