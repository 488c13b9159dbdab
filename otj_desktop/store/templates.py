"""Activity templates: stored, listed, changed, deleted, and turned back into form values.

A template names its KSBs by standard reference, version and code (JSON, like history
snapshots), so it outlives a KSB being removed and a move to a new version of the standard:
:func:`resolve_ksbs` links what still exists in the apprentice's current standard (carrying a
KSB of another version across the way a version switch does: by official id, else by code) and
says what it had to leave out. Every write announces ``templates_changed``.

Recurring templates are turned into draft activities by :mod:`otj_desktop.store.drafts`.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass, field
from datetime import date

from otj_desktop.domain.activities import ActivityInput
from otj_desktop.domain.activity_types import activity_type, type_label
from otj_desktop.domain.dates import utc_now_iso
from otj_desktop.domain.history import ksb_key
from otj_desktop.domain.ksb_mapping import KsbKey, map_ksbs
from otj_desktop.domain.templates import TemplateInput, describe_recurrence, switched_on_floor
from otj_desktop.store.db import Transaction


class TemplateNotFound(LookupError):
    """No template has that id."""


class DuplicateName(ValueError):
    """Another template already has that name (names are unique, ignoring case)."""


@dataclass(frozen=True)
class Template:
    id: int
    uid: str
    name: str
    title: str
    activity_type: str
    duration_minutes: int
    delivered_by: str
    location: str
    evidence_quality: str
    ksbs: list[dict]  # [{"standard", "version", "code"}]
    tags: list[str]
    weekday: int | None
    active: bool
    start_date: date | None
    last_due_date: date | None
    created_at: str
    updated_at: str

    @property
    def recurring(self) -> bool:
        return self.weekday is not None

    @property
    def recurrence(self) -> str:
        return describe_recurrence(self.weekday, self.active)

    @property
    def ksb_codes(self) -> list[str]:
        return [k["code"] for k in self.ksbs]


@dataclass(frozen=True)
class Resolved:
    """A template's KSBs as ids in the current standard, and what could not be linked."""

    ksb_ids: tuple[int, ...] = ()
    left_out: list[str] = field(default_factory=list)  # sentences, one per KSB left out


_COLUMNS = """id, uid, name, title, activity_type, duration_minutes, delivered_by, location,
    evidence_quality, ksbs, tags, weekday, active, start_date, last_due_date, created_at,
    updated_at"""


def all_templates(conn: sqlite3.Connection) -> list[Template]:
    """Every template, A to Z by name."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM activity_template ORDER BY name COLLATE NOCASE")
    return [_from_row(r) for r in rows]


def get(conn: sqlite3.Connection, template_id: int) -> Template:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM activity_template WHERE id = ?", (template_id,)
    ).fetchone()
    if row is None:
        raise TemplateNotFound(template_id)
    return _from_row(row)


def _from_row(row: sqlite3.Row) -> Template:
    return Template(
        id=row["id"],
        uid=row["uid"],
        name=row["name"],
        title=row["title"],
        activity_type=row["activity_type"],
        duration_minutes=row["duration_minutes"],
        delivered_by=row["delivered_by"],
        location=row["location"],
        evidence_quality=row["evidence_quality"],
        ksbs=json.loads(row["ksbs"]),
        tags=json.loads(row["tags"]),
        weekday=row["weekday"],
        active=bool(row["active"]),
        start_date=date.fromisoformat(row["start_date"]) if row["start_date"] else None,
        last_due_date=date.fromisoformat(row["last_due_date"]) if row["last_due_date"] else None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def name_taken(conn: sqlite3.Connection, name: str, *, except_id: int | None = None) -> bool:
    row = conn.execute(
        "SELECT id FROM activity_template WHERE name = ? COLLATE NOCASE AND id IS NOT ?",
        (name, except_id),
    ).fetchone()
    return row is not None


# --- writes ------------------------------------------------------------------------------------


def create(tx: Transaction, data: TemplateInput, *, today: date) -> int:
    """Store a new template; raises :class:`DuplicateName`. A recurrence switched on today
    makes drafts from today on (see :func:`~otj_desktop.domain.templates.switched_on_floor`)."""
    if name_taken(tx.conn, data.name):
        raise DuplicateName(data.name)
    now = utc_now_iso()
    last_due = switched_on_floor(today) if data.recurring and data.active else None
    cursor = tx.execute(
        f"""INSERT INTO activity_template ({_COLUMNS})
            VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            secrets.token_hex(16),
            *_values(tx.conn, data),
            _iso(last_due),
            now,
            now,
        ),
    )
    template_id = cursor.lastrowid
    _announce(tx, template_id, data.name, "created")
    return template_id


def update(tx: Transaction, template_id: int, data: TemplateInput, *, today: date) -> None:
    """Replace a template; raises :class:`TemplateNotFound` or :class:`DuplicateName`.

    A recurrence that is switched on, resumed or moved to another weekday makes drafts from
    today on: never for the weeks before, nor for those it spent paused.
    """
    current = get(tx.conn, template_id)
    if name_taken(tx.conn, data.name, except_id=template_id):
        raise DuplicateName(data.name)
    last_due = current.last_due_date
    was_on = current.recurring and current.active
    if data.recurring and data.active and (not was_on or current.weekday != data.weekday):
        floor = switched_on_floor(today)
        last_due = max(last_due, floor) if last_due else floor
    tx.execute(
        """UPDATE activity_template SET name = ?, title = ?, activity_type = ?,
               duration_minutes = ?, delivered_by = ?, location = ?, evidence_quality = ?,
               ksbs = ?, tags = ?, weekday = ?, active = ?, start_date = ?, last_due_date = ?,
               updated_at = ?
           WHERE id = ?""",
        (*_values(tx.conn, data), _iso(last_due), utc_now_iso(), template_id),
    )
    _announce(tx, template_id, data.name, "updated")


def delete(tx: Transaction, template_id: int) -> Template:
    """Delete a template (drafts it made stay, as ordinary drafts); returns what it was."""
    current = get(tx.conn, template_id)
    tx.execute("DELETE FROM activity_template WHERE id = ?", (template_id,))
    _announce(tx, template_id, current.name, "deleted")
    return current


def _values(conn: sqlite3.Connection, data: TemplateInput) -> tuple:
    return (
        data.name,
        data.title,
        data.activity_type,
        data.duration_minutes,
        data.delivered_by,
        data.location,
        data.evidence_quality,
        _dump(ksb_keys(conn, data.ksb_ids)),
        _dump(list(data.tags)),
        data.weekday,
        int(data.active),
        _iso(data.start_date),
    )


def _announce(tx: Transaction, template_id: int, name: str, action: str) -> None:
    said = {"created": "saved", "updated": "saved", "deleted": "deleted"}[action]
    tx.announce(
        "templates_changed",
        id=template_id,
        action=action,
        name=name,
        summary=f"Template “{name}” {said}",
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- KSBs by portable key ----------------------------------------------------------------------


def ksb_keys(conn: sqlite3.Connection, ksb_ids: tuple[int, ...]) -> list[dict]:
    """KSB ids as portable keys ``{"standard", "version", "code"}``, in the order given."""
    keys = []
    for ksb_id in ksb_ids:
        row = conn.execute(
            """SELECT s.reference, s.version, k.code FROM ksb k
               JOIN standard s ON s.id = k.standard_id WHERE k.id = ?""",
            (ksb_id,),
        ).fetchone()
        if row is not None:
            keys.append({"standard": row[0], "version": row[1], "code": row[2]})
    return keys


def resolve_ksbs(conn: sqlite3.Connection, keys: list[dict], standard_id: int | None) -> Resolved:
    """The template's KSBs that can be linked in the current standard, and why others can't.

    A KSB of the current standard links as it is; one of another version of a standard is
    carried to the current standard by official id, else by code (as switching versions
    does); one that no longer exists, or has no match, is left out and named.
    """
    if not keys:
        return Resolved()
    current = _ksb_keys_of(conn, standard_id) if standard_id is not None else []
    current_ids = {k.id for k in current}
    ids: list[int] = []
    left_out: list[str] = []
    for key in keys:
        reference, version, code = ksb_key(key)
        row = conn.execute(
            """SELECT k.id, k.category, k.code, k.official_id FROM ksb k
               JOIN standard s ON s.id = k.standard_id
               WHERE s.reference = ? AND s.version = ? AND k.code = ?""",
            (reference, version, code),
        ).fetchone()
        if row is None:
            left_out.append(f"{code} ({reference} v{version}): it no longer exists")
            continue
        found = KsbKey(row[0], row[1], row[2], row[3])
        target = (
            found.id if found.id in current_ids else map_ksbs([found], current).moves.get(found.id)
        )
        if target is None:
            left_out.append(f"{code} ({reference} v{version}): not in your current standard")
        elif target not in ids:
            ids.append(target)
    return Resolved(tuple(ids), left_out)


def _ksb_keys_of(conn: sqlite3.Connection, standard_id: int) -> list[KsbKey]:
    rows = conn.execute(
        "SELECT id, category, code, official_id FROM ksb WHERE standard_id = ?", (standard_id,)
    )
    return [KsbKey(*r) for r in rows]


# --- templates as form values and as activities ------------------------------------------------


def activity_values(template: Template, resolved: Resolved, *, today: date) -> dict:
    """What applying a template puts in the new-activity form (everything stays editable)."""
    return {
        "title": template.title,
        "activity_date": today.isoformat(),
        "duration_hours": f"{template.duration_minutes / 60:g}",
        "activity_type": template.activity_type if activity_type(template.activity_type) else "",
        "delivered_by": template.delivered_by,
        "location": template.location,
        "hours_basis": "paid",
        "evidence_quality": template.evidence_quality,
        "ksb_ids": [str(i) for i in resolved.ksb_ids],
        "tags": ", ".join(template.tags),
    }


def left_out_notes(template: Template, resolved: Resolved) -> list[str]:
    """Everything applying the template could not fill in, one sentence each."""
    notes = list(resolved.left_out)
    if activity_type(template.activity_type) is None:
        notes.append(f"the activity type “{type_label(template.activity_type)}”: not known here")
    return notes


def activity_input(template: Template, resolved: Resolved, day: date) -> ActivityInput:
    """A template as a whole activity on ``day`` (a recurring template's draft)."""
    return ActivityInput(
        title=template.title,
        activity_date=day,
        duration_minutes=template.duration_minutes,
        activity_type=template.activity_type,
        delivered_by=template.delivered_by,
        location=template.location,
        evidence_quality=template.evidence_quality,
        ksb_ids=resolved.ksb_ids,
        tags=tuple(template.tags),
    )


def form_values(template: Template, ksb_ids: tuple[int, ...]) -> dict:
    """A stored template as the text its form fields hold."""
    return {
        "name": template.name,
        "title": template.title,
        "activity_type": template.activity_type,
        "duration_hours": f"{template.duration_minutes / 60:g}",
        "delivered_by": template.delivered_by,
        "location": template.location,
        "evidence_quality": template.evidence_quality,
        "ksb_ids": [str(i) for i in ksb_ids],
        "tags": ", ".join(template.tags),
        "recurring": "1" if template.recurring else "",
        "weekday": "" if template.weekday is None else str(template.weekday),
        "start_date": _iso(template.start_date) or "",
        "active": "1" if template.active else "",
    }
