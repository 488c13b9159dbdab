"""Apprenticeship standards and their KSBs.

Three ways in: an official file (parsed by :mod:`otj_desktop.standards.importer`), the bundled
catalogue, or built by hand. Every KSB keeps its database id for life; hand edits add KSBs with
the next free code in their category and never renumber, so links from activities never break.
Moving the apprentice to a newer version of their standard carries links across with
:func:`otj_desktop.domain.ksb_mapping.map_ksbs` and reports what it could not carry.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from otj_desktop.domain.dates import utc_now_iso
from otj_desktop.domain.ksb_mapping import KsbKey, KsbMapping, map_ksbs
from otj_desktop.standards.importer import StandardData, ksb_code
from otj_desktop.store.db import Transaction

CATEGORIES = ("knowledge", "skill", "behaviour")
CATEGORY_LABELS = {"knowledge": "Knowledge", "skill": "Skills", "behaviour": "Behaviours"}


class StandardNotFound(LookupError):
    """No standard (or KSB) has that id."""


class KsbInUse(Exception):
    """A KSB that activities link to cannot be removed."""


@dataclass(frozen=True)
class Standard:
    id: int
    reference: str
    title: str
    level: int | None
    version: str
    typical_duration_months: int | None
    minimum_hours: float | None
    source: str
    source_note: str | None

    @property
    def label(self) -> str:
        level = f", level {self.level}" if self.level else ""
        return f"{self.title} ({self.reference} v{self.version}{level})"


@dataclass(frozen=True)
class Ksb:
    id: int
    standard_id: int
    category: str
    code: str
    position: int
    title: str | None
    statement: str
    official_id: str | None

    @property
    def label(self) -> str:
        return f"{self.code} {self.title or self.statement}"


@dataclass(frozen=True)
class AddResult:
    standard_id: int
    created: bool


# --- reads -------------------------------------------------------------------------------------


def get(conn: sqlite3.Connection, standard_id: int) -> Standard:
    row = conn.execute(
        """SELECT id, reference, title, level, version, typical_duration_months, minimum_hours,
                  source, source_note FROM standard WHERE id = ?""",
        (standard_id,),
    ).fetchone()
    if row is None:
        raise StandardNotFound(standard_id)
    return Standard(*row)


def all_standards(conn: sqlite3.Connection) -> list[Standard]:
    rows = conn.execute(
        """SELECT id, reference, title, level, version, typical_duration_months, minimum_hours,
                  source, source_note FROM standard ORDER BY title, reference, version"""
    ).fetchall()
    return [Standard(*r) for r in rows]


def ksbs(conn: sqlite3.Connection, standard_id: int) -> list[Ksb]:
    """The standard's KSBs: knowledge, then skills, then behaviours, each in order."""
    rows = conn.execute(
        """SELECT id, standard_id, category, code, position, title, statement, official_id
           FROM ksb WHERE standard_id = ?
           ORDER BY CASE category WHEN 'knowledge' THEN 0 WHEN 'skill' THEN 1 ELSE 2 END,
                    position""",
        (standard_id,),
    ).fetchall()
    return [Ksb(*r) for r in rows]


def get_ksb(conn: sqlite3.Connection, ksb_id: int) -> Ksb:
    row = conn.execute(
        """SELECT id, standard_id, category, code, position, title, statement, official_id
           FROM ksb WHERE id = ?""",
        (ksb_id,),
    ).fetchone()
    if row is None:
        raise StandardNotFound(ksb_id)
    return Ksb(*row)


def ksb_ids(conn: sqlite3.Connection, standard_id: int | None) -> set[int]:
    if standard_id is None:
        return set()
    return {r[0] for r in conn.execute("SELECT id FROM ksb WHERE standard_id = ?", (standard_id,))}


def find(conn: sqlite3.Connection, reference: str, version: str) -> Standard | None:
    row = conn.execute(
        "SELECT id FROM standard WHERE reference = ? AND version = ?", (reference, version)
    ).fetchone()
    return get(conn, row[0]) if row else None


def link_counts(conn: sqlite3.Connection, standard_id: int) -> dict[int, int]:
    """How many live activities link to each of the standard's KSBs (KSBs with none left out)."""
    rows = conn.execute(
        """SELECT ak.ksb_id, count(*) FROM activity_ksb ak
           JOIN ksb k ON k.id = ak.ksb_id
           JOIN activity a ON a.id = ak.activity_id AND a.deleted_at IS NULL
           WHERE k.standard_id = ? GROUP BY ak.ksb_id""",
        (standard_id,),
    )
    return dict(rows.fetchall())


# --- writes ------------------------------------------------------------------------------------


def add(tx: Transaction, data: StandardData) -> AddResult:
    """Store a parsed standard; the same reference and version a second time changes nothing."""
    existing = find(tx.conn, data.reference, data.version)
    if existing is not None:
        return AddResult(existing.id, created=False)
    now = utc_now_iso()
    cursor = tx.execute(
        """INSERT INTO standard (reference, title, level, version, typical_duration_months,
               minimum_hours, source, source_note, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            data.reference,
            data.title,
            data.level,
            data.version,
            data.typical_duration_months,
            data.minimum_hours,
            data.source,
            data.source_note,
            now,
            now,
        ),
    )
    standard_id = cursor.lastrowid
    # Only ids from an official file identify a KSB across versions; the catalogue's are ours.
    keep_ids = data.source == "official"
    tx.conn.executemany(
        """INSERT INTO ksb (standard_id, category, code, position, title, statement, official_id)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [
            (
                standard_id,
                k.category,
                k.code,
                k.position,
                k.title,
                k.statement,
                k.official_id if keep_ids else None,
            )
            for k in data.ksbs
        ],
    )
    tx.announce(
        "standard_saved", id=standard_id, summary=f"Standard “{data.title}” v{data.version} added"
    )
    return AddResult(standard_id, created=True)


def create_manual(
    tx: Transaction, *, title: str, reference: str = "", level: int | None = None
) -> int:
    """Start an empty hand-made standard and return its id."""
    reference = reference.strip().upper() or _next_custom_reference(tx.conn)
    now = utc_now_iso()
    cursor = tx.execute(
        """INSERT INTO standard (reference, title, level, version, source, created_at, updated_at)
           VALUES (?, ?, ?, '1.0', 'manual', ?, ?)""",
        (reference, title, level, now, now),
    )
    tx.announce("standard_saved", id=cursor.lastrowid, summary=f"Standard “{title}” created")
    return cursor.lastrowid


def _next_custom_reference(conn: sqlite3.Connection) -> str:
    count = conn.execute("SELECT count(*) FROM standard WHERE source = 'manual'").fetchone()[0]
    return f"CUSTOM-{count + 1}"


def add_ksb(
    tx: Transaction, standard_id: int, category: str, statement: str, title: str | None
) -> int:
    """Add a KSB with the next unused code in its category (codes are never reused)."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown KSB category {category!r}")
    get(tx.conn, standard_id)
    position = tx.execute(
        "SELECT coalesce(max(position), 0) + 1 FROM ksb WHERE standard_id = ? AND category = ?",
        (standard_id, category),
    ).fetchone()[0]
    code = ksb_code(category, position)
    cursor = tx.execute(
        """INSERT INTO ksb (standard_id, category, code, position, title, statement)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (standard_id, category, code, position, title or None, statement),
    )
    _touch(tx, standard_id, f"{code} added")
    return cursor.lastrowid


def update_ksb(tx: Transaction, ksb_id: int, *, statement: str, title: str | None) -> None:
    """Change a KSB's wording; its id, code and links stay as they are."""
    ksb = get_ksb(tx.conn, ksb_id)
    tx.execute(
        "UPDATE ksb SET statement = ?, title = ? WHERE id = ?", (statement, title or None, ksb_id)
    )
    _touch(tx, ksb.standard_id, f"{ksb.code} updated")


def delete_ksb(tx: Transaction, ksb_id: int) -> None:
    """Remove a KSB no activity links to. Raises :class:`KsbInUse` otherwise."""
    ksb = get_ksb(tx.conn, ksb_id)
    linked = tx.execute("SELECT count(*) FROM activity_ksb WHERE ksb_id = ?", (ksb_id,)).fetchone()[
        0
    ]
    if linked:
        raise KsbInUse(
            f"{ksb.code} is linked to {linked} activit{'y' if linked == 1 else 'ies'}; "
            "unlink them first."
        )
    tx.execute("DELETE FROM ksb WHERE id = ?", (ksb_id,))
    _touch(tx, ksb.standard_id, f"{ksb.code} removed")


def _touch(tx: Transaction, standard_id: int, what: str) -> None:
    tx.execute("UPDATE standard SET updated_at = ? WHERE id = ?", (utc_now_iso(), standard_id))
    tx.announce("standard_saved", id=standard_id, summary=f"Standard edited: {what}")


def plan_version_switch(conn: sqlite3.Connection, from_id: int, to_id: int) -> KsbMapping:
    """How links would move from one standard's KSBs to another's (nothing is changed)."""
    return map_ksbs(_keys(conn, from_id), _keys(conn, to_id))


def switch_version(tx: Transaction, from_id: int, to_id: int) -> KsbMapping:
    """Move every activity link from ``from_id``'s KSBs to ``to_id``'s where a match exists.

    Links without a match stay on the old KSB (which is kept) and are returned as ``unmapped``.
    """
    mapping = plan_version_switch(tx.conn, from_id, to_id)
    for old_id, new_id in mapping.moves.items():
        tx.execute(
            """INSERT OR IGNORE INTO activity_ksb (activity_id, ksb_id)
               SELECT activity_id, ? FROM activity_ksb WHERE ksb_id = ?""",
            (new_id, old_id),
        )
        tx.execute("DELETE FROM activity_ksb WHERE ksb_id = ?", (old_id,))
    tx.execute(
        "UPDATE profile SET standard_id = ?, updated_at = ? WHERE id = 1", (to_id, utc_now_iso())
    )
    tx.announce("standard_saved", id=to_id, summary="Moved to a newer version of the standard")
    tx.announce("profile_saved", summary="Standard version changed")
    return mapping


def _keys(conn: sqlite3.Connection, standard_id: int) -> list[KsbKey]:
    return [KsbKey(k.id, k.category, k.code, k.official_id) for k in ksbs(conn, standard_id)]
