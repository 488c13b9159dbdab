"""Activities: the apprentice's log entries, with their KSB links and tags.

Reads take a connection; writes take a :class:`~otj_desktop.store.db.Transaction` and announce
``activity_saved`` / ``activity_deleted`` so every open window can update once the write commits.
Deleting is a soft delete (``deleted_at``): the entry leaves every list and total at once but is
still there to restore. Every write also records a version in the edit history
(:mod:`otj_desktop.store.history`) inside the same transaction; :func:`restore` and
:func:`restore_version` bring back a deleted activity or an earlier version as a new version.

An activity is ``confirmed`` or a ``draft`` (made by a recurring template, waiting for review;
see :mod:`otj_desktop.store.drafts`). Drafts are in no total and in none of the lists here
except :func:`get`; :func:`confirm` makes one count.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, time

from otj_desktop.domain.activities import ActivityInput, format_hours
from otj_desktop.domain.activity_filter import ActivityFilter
from otj_desktop.domain.dates import utc_now_iso
from otj_desktop.domain.history import Snapshot, ksb_key
from otj_desktop.store import activity_search, attachment_rows, history
from otj_desktop.store import resource_links as resource_link_store
from otj_desktop.store import tags as tag_store
from otj_desktop.store.attachment_files import file_exists_for
from otj_desktop.store.db import Transaction


class ActivityNotFound(LookupError):
    """No live activity has that id."""


class VersionConflict(Exception):
    """The activity changed since the editor loaded it (another window saved first)."""

    def __init__(self, current: Activity) -> None:
        super().__init__(f"activity {current.id} is now at version {current.version}")
        self.current = current


@dataclass(frozen=True)
class KsbRef:
    id: int
    code: str
    category: str
    title: str | None
    statement: str


@dataclass
class Activity:
    id: int
    title: str
    activity_date: date
    start_time: time | None
    end_time: time | None
    duration_minutes: int
    activity_type: str
    description: str
    notes: str
    delivered_by: str
    location: str
    hours_basis: str
    evidence_quality: str
    version: int
    created_at: str
    updated_at: str
    deleted_at: str | None
    ksbs: list[KsbRef] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    # Filled by get() only (lists do not show them): see store/resource_links.py and
    # store/attachment_rows.py.
    resource_links: list[dict[str, str]] = field(default_factory=list)
    attachments: list[attachment_rows.Attachment] = field(default_factory=list)
    status: str = "confirmed"

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def hours(self) -> str:
        return format_hours(self.duration_minutes)

    @property
    def ksb_codes(self) -> list[str]:
        return [k.code for k in self.ksbs]


# --- reads -------------------------------------------------------------------------------------

_COLUMNS = """a.id, a.title, a.activity_date, a.start_time, a.end_time, a.duration_minutes,
    a.activity_type, a.description, a.notes, a.delivered_by, a.location, a.hours_basis,
    a.evidence_quality, a.version, a.created_at, a.updated_at, a.deleted_at, a.status"""


def get(conn: sqlite3.Connection, activity_id: int, *, include_deleted: bool = False) -> Activity:
    """The activity with its KSBs and tags. Raises :class:`ActivityNotFound`."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM activity a WHERE a.id = ?", (activity_id,)
    ).fetchone()
    if row is None or (row["deleted_at"] and not include_deleted):
        raise ActivityNotFound(activity_id)
    activity = with_links(conn, [_from_row(row)])[0]
    activity.resource_links = resource_link_store.for_activity(conn, activity_id)
    activity.attachments = attachment_rows.for_activity(conn, activity_id)
    return activity


def recent(conn: sqlite3.Connection, limit: int = 5) -> list[Activity]:
    """The newest live confirmed activities (by date, then by entry order)."""
    rows = conn.execute(
        f"""SELECT {_COLUMNS} FROM activity a
            WHERE a.deleted_at IS NULL AND a.status = 'confirmed'
            ORDER BY a.activity_date DESC, a.id DESC LIMIT ?""",
        (limit,),
    ).fetchall()
    return with_links(conn, [_from_row(r) for r in rows])


def list_page(
    conn: sqlite3.Connection,
    *,
    page: int = 1,
    per_page: int = 25,
    filters: ActivityFilter | None = None,
) -> tuple[list[Activity], int]:
    """One page of live activities matching ``filters`` (all when None), newest first, and
    how many match in all. The filtering SQL lives in :mod:`otj_desktop.store.activity_search`.
    """
    total = activity_search.count(conn, filters)
    offset = _offset(page, per_page)
    if offset >= total:
        return [], total
    rows = activity_search.page_rows(conn, _COLUMNS, filters, per_page, offset)
    return with_links(conn, [_from_row(r) for r in rows]), total


def deleted_page(
    conn: sqlite3.Connection, *, page: int = 1, per_page: int = 25
) -> tuple[list[Activity], int]:
    """One page of deleted activities, most recently deleted first, and how many there are."""
    total = conn.execute("SELECT count(*) FROM activity WHERE deleted_at IS NOT NULL").fetchone()[0]
    rows = conn.execute(
        f"""SELECT {_COLUMNS} FROM activity a WHERE a.deleted_at IS NOT NULL
            ORDER BY a.deleted_at DESC, a.id DESC LIMIT ? OFFSET ?""",
        (per_page, _offset(page, per_page)),
    ).fetchall()
    return with_links(conn, [_from_row(r) for r in rows]), total


def _offset(page: int, per_page: int) -> int:
    # A page far past the end is empty; it must not overflow SQLite's integers (found by fuzzing).
    return min(max(page - 1, 0) * per_page, 2**62)


def with_links(conn: sqlite3.Connection, activities: list[Activity]) -> list[Activity]:
    """Fill in the KSBs and tags of a page of activities with two queries in all."""
    if not activities:
        return activities
    by_id = {a.id: a for a in activities}
    marks = ",".join("?" * len(by_id))
    for row in conn.execute(
        f"""SELECT ak.activity_id, k.id, k.code, k.category, k.title, k.statement
            FROM activity_ksb ak JOIN ksb k ON k.id = ak.ksb_id
            WHERE ak.activity_id IN ({marks})
            ORDER BY CASE k.category WHEN 'knowledge' THEN 0 WHEN 'skill' THEN 1 ELSE 2 END,
                     k.position""",
        list(by_id),
    ):
        by_id[row[0]].ksbs.append(KsbRef(row[1], row[2], row[3], row[4], row[5]))
    for row in conn.execute(
        f"""SELECT at.activity_id, t.name FROM activity_tag at JOIN tag t ON t.id = at.tag_id
            WHERE at.activity_id IN ({marks}) ORDER BY t.name COLLATE NOCASE""",
        list(by_id),
    ):
        by_id[row[0]].tags.append(row[1])
    return activities


def _from_row(row: sqlite3.Row) -> Activity:
    return Activity(
        id=row["id"],
        title=row["title"],
        activity_date=date.fromisoformat(row["activity_date"]),
        start_time=time.fromisoformat(row["start_time"]) if row["start_time"] else None,
        end_time=time.fromisoformat(row["end_time"]) if row["end_time"] else None,
        duration_minutes=row["duration_minutes"],
        activity_type=row["activity_type"],
        description=row["description"],
        notes=row["notes"],
        delivered_by=row["delivered_by"],
        location=row["location"],
        hours_basis=row["hours_basis"],
        evidence_quality=row["evidence_quality"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        deleted_at=row["deleted_at"],
        status=row["status"],
    )


# --- writes ------------------------------------------------------------------------------------


def create(
    tx: Transaction, data: ActivityInput, *, status: str = "confirmed", quiet: bool = False
) -> int:
    """Store a new activity (a draft with ``status="draft"``) and return its id. ``quiet``
    announces it without a summary, so windows update without a notice (drafts the app makes
    by itself)."""
    now = utc_now_iso()
    cursor = tx.execute(
        """INSERT INTO activity (title, activity_date, start_time, end_time, duration_minutes,
               activity_type, description, notes, delivered_by, location, hours_basis,
               evidence_quality, version, created_at, updated_at, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)""",
        (*_values(data), now, now, status),
    )
    activity_id = cursor.lastrowid
    _set_links(tx, activity_id, data)
    history.record(tx, activity_id, "created")
    _announce_saved(tx, activity_id, "created", quiet=quiet)
    return activity_id


def update(
    tx: Transaction,
    activity_id: int,
    data: ActivityInput,
    *,
    expected_version: int,
    status: str | None = None,
) -> int:
    """Replace an activity's fields if nobody saved it since ``expected_version``; ``status``
    (``"confirmed"`` to confirm a draft as it is saved) changes its status too.

    Returns the new version. Raises :class:`ActivityNotFound` or :class:`VersionConflict`.
    """
    current = _current(tx, activity_id, expected_version)
    _replace(tx, activity_id, data, status)
    history.record(tx, activity_id, "updated")
    _announce_saved(tx, activity_id, "updated")
    return current.version + 1


def soft_delete(tx: Transaction, activity_id: int) -> None:
    """Take an activity out of every list and total (it can be restored later)."""
    current = get(tx.conn, activity_id)
    now = utc_now_iso()
    tx.execute(
        "UPDATE activity SET deleted_at = ?, version = version + 1, updated_at = ? WHERE id = ?",
        (now, now, activity_id),
    )
    history.record(tx, activity_id, "deleted")
    tx.announce(
        "activity_deleted",
        id=activity_id,
        title=current.title,
        version=current.version + 1,
        summary=f"“{current.title}” deleted",
    )


def restore(tx: Transaction, activity_id: int, *, expected_version: int) -> int:
    """Bring a deleted activity back into every list and total; returns its new version.

    Raises :class:`ActivityNotFound` if it does not exist or is not deleted, and
    :class:`VersionConflict` if it changed since ``expected_version`` (restored elsewhere).
    """
    current = get(tx.conn, activity_id, include_deleted=True)
    if current.deleted_at is None:
        raise ActivityNotFound(activity_id)
    if current.version != expected_version:
        raise VersionConflict(current)
    tx.execute(
        "UPDATE activity SET deleted_at = NULL, version = version + 1, updated_at = ? WHERE id = ?",
        (utc_now_iso(), activity_id),
    )
    history.record(tx, activity_id, "restored")
    _announce_saved(tx, activity_id, "restored")
    return current.version + 1


@dataclass(frozen=True)
class RestoredVersion:
    version: int  # the activity's new version
    missing_ksbs: list[str]  # codes of KSBs that no longer exist, so could not be linked again
    missing_files: list[str] = field(default_factory=list)  # attachments whose file is gone


def restore_version(
    tx: Transaction, activity_id: int, number: int, *, expected_version: int
) -> RestoredVersion:
    """Make the activity read as it did at version ``number``; that becomes a new version.

    Its attachments become those of that version too (their files are kept while any version
    lists them; one gone all the same is left off and named in ``missing_files``).
    Raises :class:`ActivityNotFound`, :class:`VersionConflict`, or
    :class:`~otj_desktop.store.history.VersionNotFound`.
    """
    current = _current(tx, activity_id, expected_version)
    old = history.version(tx.conn, activity_id, number)
    data, missing = input_from_snapshot(tx.conn, old.snapshot)
    _replace(tx, activity_id, data)
    missing_files = attachment_rows.replace_all(
        tx, activity_id, old.snapshot.get("attachments") or [], file_exists=file_exists_for(tx.conn)
    )
    history.record(tx, activity_id, "reverted", restored_from=number)
    _announce_saved(tx, activity_id, "restored", summary_action=f"restored to version {number}")
    return RestoredVersion(current.version + 1, missing, missing_files)


def input_from_snapshot(
    conn: sqlite3.Connection, snap: Snapshot
) -> tuple[ActivityInput, list[str]]:
    """A history snapshot as input for a write, and the codes of KSBs that no longer exist."""
    ksb_ids, missing = [], []
    for ksb in snap.get("ksbs", []):
        row = conn.execute(
            """SELECT k.id FROM ksb k JOIN standard s ON s.id = k.standard_id
               WHERE s.reference = ? AND s.version = ? AND k.code = ?""",
            ksb_key(ksb),
        ).fetchone()
        if row is None:
            missing.append(ksb["code"])
        else:
            ksb_ids.append(row[0])
    data = ActivityInput(
        title=snap["title"],
        activity_date=date.fromisoformat(snap["activity_date"]),
        duration_minutes=snap["duration_minutes"],
        activity_type=snap["activity_type"],
        start_time=time.fromisoformat(snap["start_time"]) if snap.get("start_time") else None,
        end_time=time.fromisoformat(snap["end_time"]) if snap.get("end_time") else None,
        description=snap.get("description", ""),
        notes=snap.get("notes", ""),
        delivered_by=snap.get("delivered_by", ""),
        location=snap.get("location", ""),
        hours_basis=snap.get("hours_basis", "paid"),
        evidence_quality=snap.get("evidence_quality", "draft"),
        ksb_ids=tuple(ksb_ids),
        tags=tuple(snap.get("tags", [])),
        resource_links=resource_link_store.from_dicts(snap.get("resource_links") or []),
    )
    return data, missing


def _current(tx: Transaction, activity_id: int, expected_version: int) -> Activity:
    """The live activity, if it is still at ``expected_version``."""
    current = get(tx.conn, activity_id)
    if current.version != expected_version:
        raise VersionConflict(current)
    return current


def _replace(
    tx: Transaction, activity_id: int, data: ActivityInput, status: str | None = None
) -> None:
    """Overwrite the activity's fields and links (and its status, when given), and count a new
    version."""
    tx.execute(
        """UPDATE activity SET title = ?, activity_date = ?, start_time = ?, end_time = ?,
               duration_minutes = ?, activity_type = ?, description = ?, notes = ?,
               delivered_by = ?, location = ?, hours_basis = ?, evidence_quality = ?,
               version = version + 1, updated_at = ?, status = coalesce(?, status)
           WHERE id = ?""",
        (*_values(data), utc_now_iso(), status, activity_id),
    )
    tx.execute("DELETE FROM activity_ksb WHERE activity_id = ?", (activity_id,))
    tx.execute("DELETE FROM activity_tag WHERE activity_id = ?", (activity_id,))
    _set_links(tx, activity_id, data)


def _values(data: ActivityInput) -> tuple:
    return (
        data.title,
        data.activity_date.isoformat(),
        data.start_time.strftime("%H:%M") if data.start_time else None,
        data.end_time.strftime("%H:%M") if data.end_time else None,
        data.duration_minutes,
        data.activity_type,
        data.description,
        data.notes,
        data.delivered_by,
        data.location,
        data.hours_basis,
        data.evidence_quality,
    )


def _set_links(tx: Transaction, activity_id: int, data: ActivityInput) -> None:
    tx.conn.executemany(
        "INSERT INTO activity_ksb (activity_id, ksb_id) VALUES (?, ?)",
        [(activity_id, ksb_id) for ksb_id in data.ksb_ids],
    )
    tag_ids = tag_store.ensure_tags(tx, data.tags)
    tx.conn.executemany(
        "INSERT INTO activity_tag (activity_id, tag_id) VALUES (?, ?)",
        [(activity_id, tag_id) for tag_id in tag_ids],
    )
    resource_link_store.replace(tx, activity_id, data.resource_links)


def record_file_change(tx: Transaction, activity_id: int, summary_action: str) -> int:
    """Count a change to the activity's attachments (made on ``tx`` just before) as a new
    version: history records it, and every window hears ``activity_saved``. Returns the
    version. Raises :class:`ActivityNotFound` for a deleted activity."""
    current = get(tx.conn, activity_id)
    tx.execute(
        "UPDATE activity SET version = version + 1, updated_at = ? WHERE id = ?",
        (utc_now_iso(), activity_id),
    )
    history.record(tx, activity_id, "updated")
    _announce_saved(tx, activity_id, "updated", summary_action=summary_action)
    return current.version + 1


def _announce_saved(
    tx: Transaction,
    activity_id: int,
    action: str,
    *,
    summary_action: str | None = None,
    quiet: bool = False,
) -> None:
    saved = get(tx.conn, activity_id)
    tx.announce(
        "activity_saved",
        id=saved.id,
        action=action,
        title=saved.title,
        duration_hours=round(saved.duration_minutes / 60, 1),
        activity_date=saved.activity_date.isoformat(),
        ksb_codes=saved.ksb_codes,
        version=saved.version,
        status=saved.status,
        summary="" if quiet else f"“{saved.title}” {summary_action or action}",
    )


# --- drafts (see store/drafts.py for making and listing them) ----------------------------------


def confirm(tx: Transaction, activity_id: int, *, expected_version: int) -> int:
    """Confirm a draft as it is: from now on it counts in every total. Returns the new version.

    Raises :class:`ActivityNotFound` (also when it is not a draft: confirmed already, perhaps
    in another window) or :class:`VersionConflict`.
    """
    current = _current(tx, activity_id, expected_version)
    if not current.is_draft:
        raise ActivityNotFound(activity_id)
    tx.execute(
        """UPDATE activity SET status = 'confirmed', version = version + 1, updated_at = ?
           WHERE id = ?""",
        (utc_now_iso(), activity_id),
    )
    history.record(tx, activity_id, "updated")
    _announce_saved(tx, activity_id, "confirmed")
    return current.version + 1


def drafts(conn: sqlite3.Connection, limit: int = 50) -> list[Activity]:
    """Live drafts waiting for review, newest first."""
    rows = conn.execute(
        f"""SELECT {_COLUMNS} FROM activity a
            WHERE a.deleted_at IS NULL AND a.status = 'draft'
            ORDER BY a.activity_date DESC, a.id DESC LIMIT ?""",
        (limit,),
    ).fetchall()
    return with_links(conn, [_from_row(r) for r in rows])
