"""Free-form tags: created on the fly when an activity uses a new one; renamed, merged, deleted.

Tag names are unique regardless of case ("Agile" and "agile" are one tag); the first spelling
used is the one kept. Renaming a tag onto the name of another merges the two: the activities
of both end up with the other tag. Deleting a tag keeps its activities. Those changes announce
``tags_changed`` (with the tag's id, the action and a short summary), and each is a new version
of every activity it touches, with its history (``history.record_link_changes``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from otj_desktop.store import history
from otj_desktop.store.db import Transaction


class TagNotFound(LookupError):
    """No tag has that id (another window may have deleted or merged it)."""


@dataclass(frozen=True)
class Tag:
    id: int
    name: str


@dataclass(frozen=True)
class RenameResult:
    tag: Tag  # the tag that now carries the activities
    merged: bool  # True when the name belonged to another tag, which absorbed this one
    changed: bool  # False when the new name is exactly the old one


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


def get(conn: sqlite3.Connection, tag_id: int) -> Tag:
    """The tag with this id. Raises :class:`TagNotFound`."""
    row = conn.execute("SELECT id, name FROM tag WHERE id = ?", (tag_id,)).fetchone()
    if row is None:
        raise TagNotFound(tag_id)
    return Tag(*row)


def find(conn: sqlite3.Connection, name: str) -> Tag | None:
    """The tag with this name, ignoring case."""
    row = conn.execute("SELECT id, name FROM tag WHERE name = ?", (name,)).fetchone()
    return Tag(*row) if row else None


def rename(tx: Transaction, tag_id: int, new_name: str) -> RenameResult:
    """Rename a tag (``new_name`` already cleaned); onto another tag's name, merge into it.

    A change of case only ("agile" to "Agile") is a rename. Raises :class:`TagNotFound`.
    """
    tag = get(tx.conn, tag_id)
    other = find(tx.conn, new_name)
    tagged = _activities_with(tx, tag.id)
    if other is not None and other.id != tag.id:
        # OR IGNORE: activities that already have both tags keep just the one link.
        tx.execute(
            """INSERT OR IGNORE INTO activity_tag (activity_id, tag_id)
               SELECT activity_id, ? FROM activity_tag WHERE tag_id = ?""",
            (other.id, tag.id),
        )
        tx.execute("DELETE FROM tag WHERE id = ?", (tag.id,))  # its links go with it
        history.record_link_changes(tx, tagged)
        tx.announce(
            "tags_changed",
            id=tag.id,
            action="merged",
            into=other.id,
            name=other.name,
            summary=f"Tag “{tag.name}” merged into “{other.name}”",
        )
        return RenameResult(other, merged=True, changed=True)
    if tag.name == new_name:
        return RenameResult(tag, merged=False, changed=False)
    tx.execute("UPDATE tag SET name = ? WHERE id = ?", (new_name, tag.id))
    history.record_link_changes(tx, tagged)
    tx.announce(
        "tags_changed",
        id=tag.id,
        action="renamed",
        name=new_name,
        summary=f"Tag “{tag.name}” renamed to “{new_name}”",
    )
    return RenameResult(Tag(tag.id, new_name), merged=False, changed=True)


def delete(tx: Transaction, tag_id: int) -> Tag:
    """Delete a tag; its activities stay, without it. Raises :class:`TagNotFound`."""
    tag = get(tx.conn, tag_id)
    tagged = _activities_with(tx, tag.id)
    tx.execute("DELETE FROM tag WHERE id = ?", (tag.id,))
    history.record_link_changes(tx, tagged)
    tx.announce("tags_changed", id=tag.id, action="deleted", summary=f"Tag “{tag.name}” deleted")
    return tag


def _activities_with(tx: Transaction, tag_id: int) -> list[int]:
    return [
        r[0] for r in tx.execute("SELECT activity_id FROM activity_tag WHERE tag_id = ?", (tag_id,))
    ]
