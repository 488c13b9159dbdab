"""Small app settings as JSON values under a key (the ``setting`` table).

For state that belongs to the app rather than to the apprentice's log: which windows were open
and where, the appearance, the folder backups are copied to, the last day the scheduler saw.
Nothing here is announced: a setting that a page shows is announced by the module that owns it
(``store/preferences.py``, ``store/backup.py``), with its own event kind.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from otj_desktop.store.db import Transaction


def get(conn: sqlite3.Connection, key: str, default: Any = None) -> Any:
    """The value stored under ``key``, or ``default`` when there is none or it is unreadable."""
    row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    if row is None:
        return default
    try:
        return json.loads(row["value"])
    except ValueError:
        return default


def put(tx: Transaction, key: str, value: Any) -> None:
    """Store ``value`` (anything JSON can hold) under ``key``, replacing what was there; None
    removes the setting (so :func:`get` gives its default again)."""
    if value is None:
        tx.execute("DELETE FROM setting WHERE key = ?", (key,))
        return
    tx.execute(
        "INSERT INTO setting (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value, separators=(",", ":"))),
    )
