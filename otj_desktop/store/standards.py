"""Apprenticeship standards and their KSBs.

Three ways in: an official file (parsed by :mod:`otj_desktop.standards.importer`), the bundled
catalogue, or built by hand. Every KSB keeps its database id for life; hand edits add KSBs with
the next unused code in their category and never renumber, so links from activities never break.
A deleted KSB's code is never handed out again either (an old note or export that says "K7"
must not come to mean a different statement): the highest position ever deleted in each
category is kept in the ``setting`` table, which needs no schema change.

Moving the apprentice to another version of their standard carries links across with
:func:`otj_desktop.domain.ksb_mapping.map_ksbs`; links it cannot carry stay on the old KSB (the
old version is kept) and :func:`stranded_links` lists them until they are re-linked. Every
write announces ``standard_saved``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from otj_desktop.domain.dates import utc_now_iso
from otj_desktop.domain.ksb_mapping import KsbKey, KsbMapping, map_ksbs
from otj_desktop.standards.importer import StandardData, ksb_code
from otj_desktop.store import history
from otj_desktop.store.db import Transaction

CATEGORIES = ("knowledge", "skill", "behaviour")
CATEGORY_LABELS = {"knowledge": "Knowledge", "skill": "Skills", "behaviour": "Behaviours"}
CATEGORY_NAMES = {"knowledge": "Knowledge", "skill": "Skill", "behaviour": "Behaviour"}


class StandardNotFound(LookupError):
    """No standard (or KSB) has that id."""


class KsbInUse(Exception):
    """A KSB that activities link to cannot be removed. The message says why, in one sentence."""


class NotEditable(Exception):
    """Only a hand-made standard's own details (title, level, hours) can be changed."""


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
    #: The official file replaced the catalogue's summaries of the same version in place.
    replaced_summaries: bool = False


@dataclass(frozen=True)
class MovedKsb:
    """A KSB whose links a switch would carry to ``new``, matched ``by`` official id or code."""

    old: Ksb
    new: Ksb
    by: str  # "official_id" or "code"
    activities: int

    @property
    def recoded(self) -> bool:
        return self.old.code != self.new.code

    @property
    def reworded(self) -> bool:
        return (self.old.title, self.old.statement) != (self.new.title, self.new.statement)


@dataclass(frozen=True)
class UnmappedKsb:
    ksb: Ksb
    activities: int


@dataclass(frozen=True)
class SwitchPlan:
    """What switching the apprentice from ``current`` to ``target`` would do to their links.

    Only KSBs that live activities link to are listed; the rest are counted.
    """

    current: Standard
    target: Standard
    moved: list[MovedKsb]
    unmapped: list[UnmappedKsb]
    unlinked: int
    added: list[Ksb]  # the target's KSBs that nothing maps to: new in that version

    @property
    def same_standard(self) -> bool:
        return self.current.reference == self.target.reference

    @property
    def by_official_id(self) -> list[MovedKsb]:
        return [m for m in self.moved if m.by == "official_id"]

    @property
    def by_code(self) -> list[MovedKsb]:
        return [m for m in self.moved if m.by == "code"]


@dataclass(frozen=True)
class LinkedActivity:
    id: int
    title: str
    activity_date: str


@dataclass(frozen=True)
class StrandedKsb:
    """A KSB of a standard other than the current one that live activities still link to."""

    ksb: Ksb
    standard: Standard
    activities: list[LinkedActivity] = field(default_factory=list)


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


def next_codes(conn: sqlite3.Connection, standard_id: int) -> dict[str, str]:
    """The code :func:`add_ksb` would give next in each category, e.g. ``{"knowledge": "K7"}``."""
    return {
        category: ksb_code(category, _next_position(conn, standard_id, category))
        for category in CATEGORIES
    }


def stranded_links(conn: sqlite3.Connection, current_id: int | None) -> list[StrandedKsb]:
    """KSBs outside the current standard that live activities link to, with those activities.

    These are links a version switch could not carry over; the apprentice re-links them by
    editing each activity.
    """
    rows = conn.execute(
        """SELECT k.id, a.id, a.title, a.activity_date FROM activity_ksb ak
           JOIN ksb k ON k.id = ak.ksb_id
           JOIN activity a ON a.id = ak.activity_id AND a.deleted_at IS NULL
           WHERE k.standard_id IS NOT ?
           ORDER BY k.standard_id,
                    CASE k.category WHEN 'knowledge' THEN 0 WHEN 'skill' THEN 1 ELSE 2 END,
                    k.position, a.activity_date DESC, a.id DESC""",
        (current_id,),
    ).fetchall()
    stranded: dict[int, StrandedKsb] = {}
    for ksb_id, activity_id, title, activity_date in rows:
        if ksb_id not in stranded:
            ksb = get_ksb(conn, ksb_id)
            stranded[ksb_id] = StrandedKsb(ksb, get(conn, ksb.standard_id))
        stranded[ksb_id].activities.append(LinkedActivity(activity_id, title, activity_date))
    return list(stranded.values())


# --- writes ------------------------------------------------------------------------------------


def add(tx: Transaction, data: StandardData) -> AddResult:
    """Store a parsed standard; the same reference and version a second time changes nothing.

    One exception: the official file for a version first taken from the catalogue replaces the
    catalogue's summaries in place (the catalogue tells apprentices to do exactly this), keeping
    every KSB's id, code and links.
    """
    existing = find(tx.conn, data.reference, data.version)
    if existing is not None:
        if existing.source == "catalogue" and data.source == "official":
            _replace_summaries(tx, existing.id, data)
            return AddResult(existing.id, created=False, replaced_summaries=True)
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


def _replace_summaries(tx: Transaction, standard_id: int, data: StandardData) -> None:
    """Put the official text and ids onto a catalogue standard's KSBs, matched by code.

    KSBs the official file lacks are kept (they may be linked); ones it adds are added.
    """
    tx.execute(
        """UPDATE standard SET title = ?, level = ?, typical_duration_months = ?,
               minimum_hours = ?, source = 'official', source_note = NULL, updated_at = ?
           WHERE id = ?""",
        (
            data.title,
            data.level,
            data.typical_duration_months,
            data.minimum_hours,
            utc_now_iso(),
            standard_id,
        ),
    )
    for k in data.ksbs:
        updated = tx.execute(
            """UPDATE ksb SET title = ?, statement = ?, official_id = ?
               WHERE standard_id = ? AND code = ?""",
            (k.title, k.statement, k.official_id, standard_id, k.code),
        ).rowcount
        if not updated:
            tx.execute(
                """INSERT INTO ksb (standard_id, category, code, position, title, statement,
                       official_id) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (standard_id, k.category, k.code, k.position, k.title, k.statement, k.official_id),
            )
    tx.announce(
        "standard_saved",
        id=standard_id,
        summary=f"Standard “{data.title}” v{data.version} now uses the official text",
    )


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


def update_details(
    tx: Transaction,
    standard_id: int,
    *,
    title: str,
    level: int | None,
    minimum_hours: float | None,
) -> None:
    """Change a hand-made standard's title, level and minimum OTJ hours.

    Raises :class:`NotEditable` for an imported or catalogue standard: its details are the
    published ones, and matching a newer version relies on them.
    """
    standard = get(tx.conn, standard_id)
    if standard.source != "manual":
        raise NotEditable(f"“{standard.title}” follows a published standard.")
    tx.execute(
        """UPDATE standard SET title = ?, level = ?, minimum_hours = ?, updated_at = ?
           WHERE id = ?""",
        (title, level, minimum_hours, utc_now_iso(), standard_id),
    )
    tx.announce("standard_saved", id=standard_id, summary=f"Standard “{title}” updated")


def add_ksb(
    tx: Transaction, standard_id: int, category: str, statement: str, title: str | None
) -> int:
    """Add a KSB with the next unused code in its category (codes are never reused)."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown KSB category {category!r}")
    get(tx.conn, standard_id)
    position = _next_position(tx.conn, standard_id, category)
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
    """Remove a KSB no activity links to. Raises :class:`KsbInUse` otherwise.

    Links from deleted activities count too: they come back when the activity is restored, so
    removing the KSB would break them. Its code is retired, never to be given out again.
    """
    ksb = get_ksb(tx.conn, ksb_id)
    live, deleted = tx.execute(
        """SELECT coalesce(sum(a.deleted_at IS NULL), 0),
                  coalesce(sum(a.deleted_at IS NOT NULL), 0)
           FROM activity_ksb ak JOIN activity a ON a.id = ak.activity_id WHERE ak.ksb_id = ?""",
        (ksb_id,),
    ).fetchone()
    if live:
        raise KsbInUse(
            f"{ksb.code} cannot be removed because {_activities(live)} "
            f"{'links' if live == 1 else 'link'} to it: unlink it from "
            f"{'that activity' if live == 1 else 'those activities'} first."
        )
    if deleted:
        raise KsbInUse(
            f"{ksb.code} cannot be removed because {deleted} deleted "
            f"activit{'y' if deleted == 1 else 'ies'}, which could still be restored, "
            f"{'links' if deleted == 1 else 'link'} to it."
        )
    _retire_position(tx, ksb)
    tx.execute("DELETE FROM ksb WHERE id = ?", (ksb_id,))
    _touch(tx, ksb.standard_id, f"{ksb.code} removed")


def _activities(count: int) -> str:
    return f"{count} activit{'y' if count == 1 else 'ies'}"


def _next_position(conn: sqlite3.Connection, standard_id: int, category: str) -> int:
    highest = conn.execute(
        "SELECT coalesce(max(position), 0) FROM ksb WHERE standard_id = ? AND category = ?",
        (standard_id, category),
    ).fetchone()[0]
    return max(highest, _retired_positions(conn, standard_id).get(category, 0)) + 1


def _retired_key(standard_id: int) -> str:
    return f"standards.retired_ksb_positions.{standard_id}"


def _retired_positions(conn: sqlite3.Connection, standard_id: int) -> dict[str, int]:
    """The highest position ever deleted in each category of the standard."""
    row = conn.execute(
        "SELECT value FROM setting WHERE key = ?", (_retired_key(standard_id),)
    ).fetchone()
    return json.loads(row[0]) if row else {}


def _retire_position(tx: Transaction, ksb: Ksb) -> None:
    retired = _retired_positions(tx.conn, ksb.standard_id)
    retired[ksb.category] = max(retired.get(ksb.category, 0), ksb.position)
    tx.execute(
        "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)",
        (_retired_key(ksb.standard_id), json.dumps(retired, sort_keys=True)),
    )


def _touch(tx: Transaction, standard_id: int, what: str) -> None:
    tx.execute("UPDATE standard SET updated_at = ? WHERE id = ?", (utc_now_iso(), standard_id))
    tx.announce("standard_saved", id=standard_id, summary=f"Standard edited: {what}")


def plan_version_switch(conn: sqlite3.Connection, from_id: int, to_id: int) -> KsbMapping:
    """How links would move from one standard's KSBs to another's (nothing is changed).

    Only versions of the same standard (same reference) are matched: K3 of one standard has
    nothing to do with K3 of another, so switching to a different standard moves no links.
    """
    old, new = get(conn, from_id), get(conn, to_id)
    if old.reference != new.reference:
        return KsbMapping({}, {}, tuple(_keys(conn, from_id)))
    return map_ksbs(_keys(conn, from_id), _keys(conn, to_id))


def plan_switch(conn: sqlite3.Connection, from_id: int, to_id: int) -> SwitchPlan:
    """The preview of :func:`switch_version`, with live activity counts (nothing is changed)."""
    mapping = plan_version_switch(conn, from_id, to_id)
    counts = link_counts(conn, from_id)
    old = {k.id: k for k in ksbs(conn, from_id)}
    new = {k.id: k for k in ksbs(conn, to_id)}
    moved = [
        MovedKsb(old[old_id], new[new_id], by, counts[old_id])
        for by, pairs in (("official_id", mapping.by_official_id), ("code", mapping.by_code))
        for old_id, new_id in pairs.items()
        if counts.get(old_id)
    ]
    unmapped = [UnmappedKsb(old[k.id], counts[k.id]) for k in mapping.unmapped if counts.get(k.id)]
    order = list(old)  # knowledge, skills, behaviours, each in order
    moved.sort(key=lambda m: order.index(m.old.id))
    targets = set(mapping.moves.values())
    return SwitchPlan(
        current=get(conn, from_id),
        target=get(conn, to_id),
        moved=moved,
        unmapped=unmapped,
        unlinked=len(old) - len(moved) - len(unmapped),
        added=[k for k in new.values() if k.id not in targets],
    )


def switch_version(tx: Transaction, from_id: int, to_id: int) -> KsbMapping:
    """Move every activity link from ``from_id``'s KSBs to ``to_id``'s where a match exists.

    Links without a match stay on the old KSB (which is kept) and are returned as ``unmapped``.
    """
    mapping = plan_version_switch(tx.conn, from_id, to_id)
    moving = [
        row[0]
        for old_id in mapping.moves
        for row in tx.execute("SELECT activity_id FROM activity_ksb WHERE ksb_id = ?", (old_id,))
    ]
    for old_id, new_id in mapping.moves.items():
        tx.execute(
            """INSERT OR IGNORE INTO activity_ksb (activity_id, ksb_id)
               SELECT activity_id, ? FROM activity_ksb WHERE ksb_id = ?""",
            (new_id, old_id),
        )
        tx.execute("DELETE FROM activity_ksb WHERE ksb_id = ?", (old_id,))
    history.record_link_changes(tx, moving)
    tx.execute(
        "UPDATE profile SET standard_id = ?, updated_at = ? WHERE id = 1", (to_id, utc_now_iso())
    )
    to = get(tx.conn, to_id)
    tx.announce("standard_saved", id=to_id, summary=f"Switched to {to.label}")
    tx.announce("profile_saved", summary="Standard changed")
    return mapping


def _keys(conn: sqlite3.Connection, standard_id: int) -> list[KsbKey]:
    return [KsbKey(k.id, k.category, k.code, k.official_id) for k in ksbs(conn, standard_id)]
