"""Edit history of activities: one row per version, written inside the change's own transaction.

The activity store calls :func:`record` after every create, edit, delete and restore, on the
same :class:`~otj_desktop.store.db.Transaction`, so a change and its history row commit (or roll
back) together: there is never a change without its history, nor history of a change that did
not happen. Each row holds what changed (``{field: [old, new]}``, for reading) and a full
snapshot of the activity after the change (for restoring); see
:mod:`otj_desktop.domain.history` for the snapshot's shape.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from otj_desktop.domain.dates import utc_now_iso
from otj_desktop.domain.history import (
    LIST_FIELDS,
    SNAPSHOT_FIELDS,
    ChangeLine,
    Snapshot,
    describe,
    diff,
)
from otj_desktop.store import attachment_rows
from otj_desktop.store import resource_links as resource_link_store
from otj_desktop.store.db import Transaction


class VersionNotFound(LookupError):
    """The activity has no recorded version with that number."""


@dataclass(frozen=True)
class HistoryEntry:
    activity_id: int
    version: int
    action: str
    changed_at: str
    changes: dict[str, list[Any]]
    snapshot: Snapshot
    restored_from: int | None = None
    id: int | None = None  # the row's id; None until stored (or to let the database choose)
    lines: list[ChangeLine] = field(default_factory=list, compare=False)


# Snapshot fields stored as plain columns of the activity table.
_PLAIN_FIELDS = tuple(f for f in SNAPSHOT_FIELDS if f not in LIST_FIELDS and f != "deleted")


def snapshot(conn: sqlite3.Connection, activity_id: int) -> Snapshot:
    """The activity as it is now (deleted or not), in snapshot form."""
    row = conn.execute(
        f"SELECT {', '.join(_PLAIN_FIELDS)}, deleted_at FROM activity WHERE id = ?",
        (activity_id,),
    ).fetchone()
    if row is None:
        raise LookupError(activity_id)
    snap: Snapshot = {name: row[name] for name in _PLAIN_FIELDS}
    snap["deleted"] = row["deleted_at"] is not None
    snap["ksbs"] = [
        {"standard": r[0], "version": r[1], "code": r[2]}
        for r in conn.execute(
            """SELECT s.reference, s.version, k.code FROM activity_ksb ak
               JOIN ksb k ON k.id = ak.ksb_id JOIN standard s ON s.id = k.standard_id
               WHERE ak.activity_id = ?
               ORDER BY s.id, CASE k.category WHEN 'knowledge' THEN 0 WHEN 'skill' THEN 1
                                              ELSE 2 END, k.position""",
            (activity_id,),
        )
    ]
    snap["tags"] = [
        r[0]
        for r in conn.execute(
            """SELECT t.name FROM activity_tag at JOIN tag t ON t.id = at.tag_id
               WHERE at.activity_id = ? ORDER BY t.name COLLATE NOCASE""",
            (activity_id,),
        )
    ]
    snap["resource_links"] = resource_link_store.for_activity(conn, activity_id)
    snap["attachments"] = attachment_rows.snapshot_items(conn, activity_id)
    return snap


def record(
    tx: Transaction, activity_id: int, action: str, *, restored_from: int | None = None
) -> HistoryEntry:
    """Write the history row for the change just made to ``activity_id`` (same transaction)."""
    after = snapshot(tx.conn, activity_id)
    version = tx.execute("SELECT version FROM activity WHERE id = ?", (activity_id,)).fetchone()[0]
    latest = _latest(tx.conn, activity_id)
    changes = {} if action == "created" else diff(latest.snapshot if latest else None, after)
    entry = HistoryEntry(activity_id, version, action, utc_now_iso(), changes, after, restored_from)
    insert(tx, entry)
    return entry


def record_link_changes(tx: Transaction, activity_ids: Iterable[int]) -> None:
    """Count a change made on ``tx`` to these activities' tags or KSBs from elsewhere (a tag
    renamed, merged or deleted; a switch to a new version of the standard) as a new version of
    each: its version goes up and its history says what changed, in the same transaction.

    Without this the change would surface in the activity's next edit, blamed on it. The caller
    announces the change once (``tags_changed``, ``standard_saved``), not once per activity.
    """
    now = utc_now_iso()
    for activity_id in sorted(set(activity_ids)):
        tx.execute(
            "UPDATE activity SET version = version + 1, updated_at = ? WHERE id = ?",
            (now, activity_id),
        )
        record(tx, activity_id, "updated")


def insert(tx: Transaction, entry: HistoryEntry) -> None:
    """Store one history row as it is (also used by import to carry history across)."""
    tx.execute(
        """INSERT INTO activity_history
               (id, activity_id, version, action, changed_at, changes, snapshot, restored_from)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            entry.id,
            entry.activity_id,
            entry.version,
            entry.action,
            entry.changed_at,
            _dump(entry.changes),
            _dump(entry.snapshot),
            entry.restored_from,
        ),
    )


def for_activity(conn: sqlite3.Connection, activity_id: int) -> list[HistoryEntry]:
    """Every recorded version of the activity, newest first, with its changes described."""
    rows = conn.execute(
        f"{_SELECT} WHERE activity_id = ? ORDER BY version DESC", (activity_id,)
    ).fetchall()
    return [_from_row(r, with_lines=True) for r in rows]


def version(conn: sqlite3.Connection, activity_id: int, number: int) -> HistoryEntry:
    """One recorded version. Raises :class:`VersionNotFound`."""
    row = conn.execute(
        f"{_SELECT} WHERE activity_id = ? AND version = ?", (activity_id, number)
    ).fetchone()
    if row is None:
        raise VersionNotFound(f"activity {activity_id} has no version {number}")
    return _from_row(row)


def all_entries(conn: sqlite3.Connection) -> list[HistoryEntry]:
    """The whole history, in the order it was written (for export)."""
    return [_from_row(r) for r in conn.execute(f"{_SELECT} ORDER BY id")]


_SELECT = """SELECT id, activity_id, version, action, changed_at, changes, snapshot,
                    restored_from
             FROM activity_history"""


def _latest(conn: sqlite3.Connection, activity_id: int) -> HistoryEntry | None:
    row = conn.execute(
        f"{_SELECT} WHERE activity_id = ? ORDER BY version DESC LIMIT 1", (activity_id,)
    ).fetchone()
    return _from_row(row) if row else None


def _from_row(row: sqlite3.Row, *, with_lines: bool = False) -> HistoryEntry:
    changes = json.loads(row["changes"])
    return HistoryEntry(
        activity_id=row["activity_id"],
        version=row["version"],
        action=row["action"],
        changed_at=row["changed_at"],
        changes=changes,
        snapshot=json.loads(row["snapshot"]),
        restored_from=row["restored_from"],
        id=row["id"],
        lines=describe(changes) if with_lines else [],
    )


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
