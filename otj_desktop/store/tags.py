"""Free-form tags, created on the fly when an activity uses a new one.

Tag names are unique regardless of case ("Agile" and "agile" are one tag); the first spelling
used is the one kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from otj_desktop.store.db import Transaction


def ensure_tags(tx: Transaction, names: Iterable[str]) -> list[int]:
    """The ids of these tags, creating any that do not exist yet."""
    ids = []
    for name in names:
        tx.execute("INSERT INTO tag (name) VALUES (?) ON CONFLICT (name) DO NOTHING", (name,))
        ids.append(tx.execute("SELECT id FROM tag WHERE name = ?", (name,)).fetchone()[0])
    return ids


def all_names(conn: sqlite3.Connection) -> list[str]:
    """Every tag name, for suggestions in the activity form."""
    return [r[0] for r in conn.execute("SELECT name FROM tag ORDER BY name COLLATE NOCASE")]
