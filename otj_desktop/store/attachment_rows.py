"""Rows of the ``attachment`` table: reading them, and the snapshot form kept in history.

The files live in ``store/attachment_files.py``; attaching and removing (which count as a new
version of the activity) in ``store/attachments.py``. This module imports neither, so the
activity and history stores can read attachments without an import cycle.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from otj_desktop.domain.attachment_types import BY_MEDIA_TYPE
from otj_desktop.domain.dates import utc_now_iso
from otj_desktop.store.db import Transaction


@dataclass(frozen=True)
class Attachment:
    id: int
    activity_id: int
    sha256: str
    name: str
    media_type: str
    size_bytes: int
    created_at: str

    @property
    def is_image(self) -> bool:
        kind = BY_MEDIA_TYPE.get(self.media_type)
        return bool(kind and kind.image)

    @property
    def kind_label(self) -> str:
        kind = BY_MEDIA_TYPE.get(self.media_type)
        return kind.label if kind else self.media_type

    def snapshot_item(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "name": self.name,
            "media_type": self.media_type,
            "size_bytes": self.size_bytes,
        }


_SELECT = """SELECT id, activity_id, sha256, name, media_type, size_bytes, created_at
             FROM attachment"""


def for_activity(conn: sqlite3.Connection, activity_id: int) -> list[Attachment]:
    """The activity's attachments in the order they were attached."""
    rows = conn.execute(f"{_SELECT} WHERE activity_id = ? ORDER BY id", (activity_id,))
    return [Attachment(*row) for row in rows]


def get(conn: sqlite3.Connection, attachment_id: int) -> Attachment | None:
    row = conn.execute(f"{_SELECT} WHERE id = ?", (attachment_id,)).fetchone()
    return Attachment(*row) if row else None


def snapshot_items(conn: sqlite3.Connection, activity_id: int) -> list[dict[str, Any]]:
    return [a.snapshot_item() for a in for_activity(conn, activity_id)]


def insert(
    tx: Transaction,
    activity_id: int,
    item: Mapping[str, Any],
    *,
    created_at: str | None = None,
    row_id: int | None = None,
) -> int:
    cursor = tx.execute(
        """INSERT INTO attachment (id, activity_id, sha256, name, media_type, size_bytes,
                                   created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (
            row_id,
            activity_id,
            item["sha256"],
            item["name"],
            item["media_type"],
            item["size_bytes"],
            created_at or utc_now_iso(),
        ),
    )
    return cursor.lastrowid


def replace_all(
    tx: Transaction,
    activity_id: int,
    items: Iterable[Mapping[str, Any]],
    *,
    file_exists: Callable[[str], bool],
) -> list[str]:
    """Make the activity's attachments ``items`` (restoring a version, importing).

    Rows that stay keep their id and time; items whose file is gone are left off, and their
    names returned.
    """
    current = {a.sha256: a for a in for_activity(tx.conn, activity_id)}
    wanted: dict[str, Mapping[str, Any]] = {}
    missing = []
    for item in items:
        if item["sha256"] in current or file_exists(item["sha256"]):
            wanted.setdefault(item["sha256"], item)
        else:
            missing.append(str(item["name"]))
    for sha256, row in current.items():
        if sha256 not in wanted or wanted[sha256]["name"] != row.name:
            tx.execute("DELETE FROM attachment WHERE id = ?", (row.id,))
    for sha256, item in wanted.items():
        if sha256 not in current or current[sha256].name != item["name"]:
            insert(tx, activity_id, item)
    return missing
