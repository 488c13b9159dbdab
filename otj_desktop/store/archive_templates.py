"""The export's ``templates.json`` (format 2): templates, and the drafts recurring ones made.

Written, checked and imported here, beside the rest of the export (``store/archive.py`` lists
the modules; ``archive_export``, ``archive_validate`` and ``archive_import`` call these three
functions), with the same untrusted-JSON readers (``archive_fields``). The member's shape is in
``docs/export-format.md``. Templates name KSBs by standard reference, version and code, and
may name KSBs no longer in any standard (a template outlives a removed KSB), so those links are
checked for shape only. Drafts made are named by due date and the draft activity's uid.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from otj_desktop.domain import activities as rules
from otj_desktop.domain.templates import NAME_MAX
from otj_desktop.store.archive_fields import Fields, is_uid, ksb_refs, tag_names
from otj_desktop.store.archive_format import ROW_ID_MAX, Archive, ImportSummary
from otj_desktop.store.db import Transaction

_COLUMNS = (
    "id",
    "uid",
    "name",
    "title",
    "activity_type",
    "duration_minutes",
    "delivered_by",
    "location",
    "evidence_quality",
    "ksbs",
    "tags",
    "weekday",
    "active",
    "start_date",
    "last_due_date",
    "created_at",
    "updated_at",
)
# Compared to decide whether an imported template differs from the one here.
_CONTENT = (*_COLUMNS[2:13], "start_date")


def export_templates(conn: sqlite3.Connection) -> list[dict]:
    uids = dict(conn.execute("SELECT id, uid FROM activity").fetchall())
    out = []
    for row in conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM activity_template ORDER BY id"):
        item = dict(zip(_COLUMNS, row, strict=True))
        item["ksbs"] = json.loads(item["ksbs"])
        item["tags"] = json.loads(item["tags"])
        item["active"] = bool(item["active"])
        item["drafts"] = [
            {"due_date": d[0], "activity": uids.get(d[1]), "created_at": d[2]}
            for d in conn.execute(
                """SELECT due_date, activity_id, created_at FROM template_draft
                   WHERE template_id = ? ORDER BY due_date""",
                (item["id"],),
            )
        ]
        out.append(item)
    return out


def validate_templates(items: list, activity_uids: set[str]) -> list[dict]:
    out: list[dict] = []
    uids, names, ids = set(), set(), set()
    for i, item in enumerate(items, 1):
        f = Fields(item, f"templates.json, template {i}")
        t = {
            "id": f.integer("id", 1, ROW_ID_MAX),
            "uid": f.text("uid", max_len=32, allow_empty=False),
            "name": f.text("name", max_len=NAME_MAX, allow_empty=False, line=True),
            "title": f.text("title", max_len=rules.TITLE_MAX, allow_empty=False, line=True),
            "activity_type": f.text("activity_type", max_len=50, allow_empty=False, line=True),
            "duration_minutes": f.integer("duration_minutes", rules.MIN_MINUTES, rules.MAX_MINUTES),
            "delivered_by": f.text("delivered_by", max_len=rules.SHORT_TEXT_MAX, line=True),
            "location": f.text("location", max_len=rules.SHORT_TEXT_MAX, line=True),
            "evidence_quality": f.choice("evidence_quality", rules.EVIDENCE_QUALITY),
            "ksbs": ksb_refs(f),
            "tags": tag_names(f),
            "weekday": f.integer("weekday", 0, 6, nullable=True),
            "active": f.boolean("active"),
            "start_date": f.date("start_date", nullable=True),
            "last_due_date": f.date("last_due_date", nullable=True),
            "created_at": f.timestamp("created_at"),
            "updated_at": f.timestamp("updated_at"),
        }
        if t["duration_minutes"] % 15:
            f.fail("duration_minutes", "should be in steps of 15 minutes")
        if t["weekday"] is not None and t["start_date"] is None:
            f.fail("start_date", "is missing for a recurring template")
        if not is_uid(t["uid"]) or t["uid"] in uids:
            f.fail("uid", "is not 32 hex digits, or appears twice")
        if t["name"].casefold() in names:
            f.fail("name", "appears twice")
        if t["id"] in ids:
            f.fail("id", "appears twice")
        t["drafts"] = _validate_drafts(f, activity_uids)
        uids.add(t["uid"])
        names.add(t["name"].casefold())
        ids.add(t["id"])
        out.append(t)
    return out


def _validate_drafts(f: Fields, activity_uids: set[str]) -> list[dict]:
    out, seen = [], set()
    for j, item in enumerate(f.items("drafts", 100_000), 1):
        d = Fields(item, f"{f.where}, draft {j}")
        draft = {
            "due_date": d.date("due_date"),
            "activity": d.text("activity", max_len=32, nullable=True),
            "created_at": d.timestamp("created_at"),
        }
        if draft["due_date"] in seen:
            d.fail("due_date", "appears twice")
        if draft["activity"] is not None and draft["activity"] not in activity_uids:
            d.fail("activity", "names an activity that is not in the export")
        seen.add(draft["due_date"])
        out.append(draft)
    return out


def import_templates(
    tx: Transaction, archive: Archive, summary: ImportSummary, *, keep_ids: bool
) -> None:
    """Add the export's templates (by uid); replace one here whose content differs, keeping
    the later ``last_due_date`` so no week is drafted twice. A name another template here
    already has gets " (imported)" added."""
    for t in archive.templates:
        local = tx.execute(
            "SELECT id, last_due_date FROM activity_template WHERE uid = ?", (t["uid"],)
        ).fetchone()
        values = {
            **t,
            "ksbs": _dump(t["ksbs"]),
            "tags": _dump(t["tags"]),
            "active": int(t["active"]),
        }
        values["name"] = _free_name(tx.conn, t["name"], except_id=local[0] if local else None)
        if local is None:
            if not keep_ids:
                values["id"] = None
            template_id = tx.execute(
                f"""INSERT INTO activity_template ({", ".join(_COLUMNS)})
                    VALUES ({", ".join("?" * len(_COLUMNS))})""",
                [values[k] for k in _COLUMNS],
            ).lastrowid
            summary.templates_added.append(values["name"])
        else:
            template_id = local[0]
            current = tx.execute(
                f"SELECT {', '.join(_CONTENT)} FROM activity_template WHERE id = ?",
                (template_id,),
            ).fetchone()
            values["last_due_date"] = max(
                (d for d in (local[1], t["last_due_date"]) if d), default=None
            )
            if tuple(current) != tuple(values[k] for k in _CONTENT):
                assignments = ", ".join(f"{k} = ?" for k in (*_CONTENT, "updated_at"))
                tx.execute(
                    f"UPDATE activity_template SET {assignments}, last_due_date = ? WHERE id = ?",
                    [
                        *(values[k] for k in (*_CONTENT, "updated_at")),
                        values["last_due_date"],
                        template_id,
                    ],
                )
                summary.templates_replaced.append(values["name"])
            else:
                tx.execute(
                    "UPDATE activity_template SET last_due_date = ? WHERE id = ?",
                    (values["last_due_date"], template_id),
                )
        for draft in t["drafts"]:
            tx.execute(
                """INSERT INTO template_draft (template_id, due_date, activity_id, created_at)
                   VALUES (?, ?, (SELECT id FROM activity WHERE uid = ?), ?)
                   ON CONFLICT (template_id, due_date) DO NOTHING""",
                (template_id, draft["due_date"], draft["activity"], draft["created_at"]),
            )


def _free_name(conn: sqlite3.Connection, name: str, *, except_id: int | None) -> str:
    candidate, n = name, 1
    while conn.execute(
        "SELECT 1 FROM activity_template WHERE name = ? COLLATE NOCASE AND id IS NOT ?",
        (candidate, except_id),
    ).fetchone():
        suffix = " (imported)" if n == 1 else f" (imported {n})"
        candidate = name[: NAME_MAX - len(suffix)] + suffix
        n += 1
    return candidate


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
