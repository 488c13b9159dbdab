"""Deleting for good: activities in Recently deleted, with their history and attachments.

A deleted activity waits in Recently deleted (restorable, its files kept) until the apprentice
deletes it permanently or empties the list. Only then are its rows removed: the activity, its
KSB and tag links (the totals triggers take it out of every total, though a deleted activity
counts in none), resource links, attachment rows and history (all by ``ON DELETE CASCADE``).
The caller then removes the files nothing refers to any more
(``AttachmentFiles.remove_unreferenced`` with :attr:`Purged.file_candidates`), after the
commit, so a rolled-back purge never loses a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from otj_desktop.store.attachments import hashes_of_activities
from otj_desktop.store.db import Transaction


class NotInRecentlyDeleted(LookupError):
    """No activity with that id is waiting in Recently deleted."""


@dataclass(frozen=True)
class Purged:
    titles: list[str]
    file_candidates: set[str] = field(default_factory=set)


def purge(tx: Transaction, activity_id: int) -> Purged:
    """Delete one activity that is in Recently deleted, for good."""
    row = tx.execute(
        "SELECT title FROM activity WHERE id = ? AND deleted_at IS NOT NULL", (activity_id,)
    ).fetchone()
    if row is None:
        raise NotInRecentlyDeleted(activity_id)
    return _purge(tx, [activity_id], [row[0]])


def purge_all_deleted(tx: Transaction) -> Purged:
    """Empty Recently deleted."""
    rows = tx.execute(
        "SELECT id, title FROM activity WHERE deleted_at IS NOT NULL ORDER BY id"
    ).fetchall()
    return _purge(tx, [r[0] for r in rows], [r[1] for r in rows])


def _purge(tx: Transaction, ids: list[int], titles: list[str]) -> Purged:
    if not ids:
        return Purged([])
    candidates = hashes_of_activities(tx.conn, ids)
    tx.conn.executemany("DELETE FROM activity WHERE id = ?", [(i,) for i in ids])
    summary = (
        f"“{titles[0]}” deleted permanently"
        if len(titles) == 1
        else f"{len(titles)} activities deleted permanently"
    )
    tx.announce("activity_purged", ids=ids, summary=summary)
    return Purged(titles, candidates)
