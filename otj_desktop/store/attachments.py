"""Attaching files to an activity and taking them off: each is a new version of the activity.

Both run on the caller's transaction, which must be opened while holding
``AttachmentFiles.lock`` when a file was just written (see ``store/attachment_files.py``): the
rows, the activity's new version and its history row commit together, and every window hears
``activity_saved`` (the activity changed) and ``attachments_changed`` (for the attachment list
on the activity's page).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from otj_desktop.store import activities as activity_store
from otj_desktop.store import attachment_rows
from otj_desktop.store.db import Transaction


@dataclass(frozen=True)
class NewFile:
    """A file already kept in the attachment store, to be attached under ``name``."""

    sha256: str
    name: str
    media_type: str
    size_bytes: int


@dataclass(frozen=True)
class AttachResult:
    added: list[str]  # names attached
    already_there: list[str]  # names of files this activity has already (same contents)
    version: int | None  # the activity's new version (None when nothing changed)


def attach(tx: Transaction, activity_id: int, files: Sequence[NewFile]) -> AttachResult:
    """Attach ``files`` to a live activity (each file once). Raises
    :class:`~otj_desktop.store.activities.ActivityNotFound` for a deleted or missing one."""
    activity_store.get(tx.conn, activity_id)  # live, or ActivityNotFound
    have = {a.sha256: a.name for a in attachment_rows.for_activity(tx.conn, activity_id)}
    added, already = [], []
    for f in files:
        if f.sha256 in have:
            already.append(f.name)
            continue
        attachment_rows.insert(tx, activity_id, f.__dict__)
        have[f.sha256] = f.name
        added.append(f.name)
    if not added:
        return AttachResult([], already, None)
    what = f"“{added[0]}”" if len(added) == 1 else f"{len(added)} files"
    version = activity_store.record_file_change(tx, activity_id, f"updated: {what} attached")
    _announce(tx, activity_id, version, added=added)
    return AttachResult(added, already, version)


def remove(tx: Transaction, activity_id: int, attachment_id: int) -> str | None:
    """Take one attachment off a live activity; returns its name (None if it is not there).

    The file stays while the activity's history lists it (restoring that version brings it
    back); see ``store/attachment_files.py`` for when it goes.
    """
    activity_store.get(tx.conn, activity_id)
    found = attachment_rows.get(tx.conn, attachment_id)
    if found is None or found.activity_id != activity_id:
        return None
    tx.execute("DELETE FROM attachment WHERE id = ?", (attachment_id,))
    version = activity_store.record_file_change(tx, activity_id, f"updated: “{found.name}” removed")
    _announce(tx, activity_id, version, removed=[found.name])
    return found.name


def _announce(
    tx: Transaction,
    activity_id: int,
    version: int,
    *,
    added: Sequence[str] = (),
    removed: Sequence[str] = (),
) -> None:
    # No summary: activity_saved, announced with it, already says what happened.
    tx.announce(
        "attachments_changed",
        id=activity_id,
        version=version,
        added=list(added),
        removed=list(removed),
    )


def hashes_of_activities(conn: sqlite3.Connection, activity_ids: Sequence[int]) -> set[str]:
    """Every file hash the activities' rows or history refer to (candidates for removal
    when they are deleted for good)."""
    found: set[str] = set()
    for activity_id in activity_ids:
        found.update(a.sha256 for a in attachment_rows.for_activity(conn, activity_id))
        for row in conn.execute(
            """SELECT DISTINCT json_extract(j.value, '$.sha256')
               FROM activity_history h, json_each(h.snapshot, '$.attachments') j
               WHERE h.activity_id = ?""",
            (activity_id,),
        ):
            if isinstance(row[0], str):
                found.add(row[0])
    return found
