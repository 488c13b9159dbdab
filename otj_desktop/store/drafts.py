"""Drafts made by recurring templates, and the list of drafts to review.

:func:`make_due_drafts` is run by the day scheduler (``otj_desktop/scheduler.py``) when the
app starts and whenever the day changes or a template is saved, never per request. For each
active recurring template it makes one draft activity per due date since the last one it made
(:func:`~otj_desktop.domain.templates.due_dates`), so an app closed for weeks catches up every
missed week, once. "Once" is kept twice over: the template's ``last_due_date`` moves past each
date drafted, and ``template_draft`` has the primary key (template, due date), so a second
draft for the same date cannot be written even if two runs raced. A deleted draft is not made
again (its ``template_draft`` row stays).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from otj_desktop.domain.dates import utc_now_iso
from otj_desktop.domain.templates import due_dates
from otj_desktop.store import activities as activity_store
from otj_desktop.store import templates as template_store
from otj_desktop.store.db import Transaction

DRAFTS_SHOWN = 50


@dataclass(frozen=True)
class Made:
    template_id: int
    due_date: date
    activity_id: int


def make_due_drafts(tx: Transaction, today: date) -> list[Made]:
    """Make every draft that is due by ``today`` and not made yet; returns what was made."""
    standard_id = tx.execute("SELECT standard_id FROM profile WHERE id = 1").fetchone()[0]
    made: list[Made] = []
    rows = tx.execute(
        """SELECT id FROM activity_template
           WHERE weekday IS NOT NULL AND active = 1 AND start_date <= ? ORDER BY id""",
        (today.isoformat(),),
    ).fetchall()
    for (template_id,) in rows:
        template = template_store.get(tx.conn, template_id)
        dates = due_dates(template.weekday, template.start_date, template.last_due_date, today)
        if not dates:
            continue
        resolved = template_store.resolve_ksbs(tx.conn, template.ksbs, standard_id)
        for day in dates:
            claimed = tx.execute(
                """INSERT INTO template_draft (template_id, due_date, created_at)
                   VALUES (?, ?, ?) ON CONFLICT (template_id, due_date) DO NOTHING""",
                (template_id, day.isoformat(), utc_now_iso()),
            ).rowcount
            if not claimed:
                continue  # made before (its last_due_date was moved back by hand, say)
            data = template_store.activity_input(template, resolved, day)
            activity_id = activity_store.create(tx, data, status="draft", quiet=True)
            tx.execute(
                "UPDATE template_draft SET activity_id = ? WHERE template_id = ? AND due_date = ?",
                (activity_id, template_id, day.isoformat()),
            )
            made.append(Made(template_id, day, activity_id))
        # Not an edit by the apprentice: updated_at stays as it is.
        tx.execute(
            "UPDATE activity_template SET last_due_date = ? WHERE id = ?",
            (dates[-1].isoformat(), template_id),
        )
    return made


def to_review(
    conn: sqlite3.Connection, limit: int = DRAFTS_SHOWN
) -> tuple[list[activity_store.Activity], int]:
    """The drafts waiting for review, newest first (at most ``limit``), and how many in all."""
    return activity_store.drafts(conn, limit), count(conn)


def count(conn: sqlite3.Connection) -> int:
    return conn.execute(
        "SELECT count(*) FROM activity WHERE deleted_at IS NULL AND status = 'draft'"
    ).fetchone()[0]


def made_from(conn: sqlite3.Connection, activity_ids: list[int]) -> dict[int, str]:
    """The name of the template each of these drafts was made from (if it still exists)."""
    if not activity_ids:
        return {}
    marks = ",".join("?" * len(activity_ids))
    rows = conn.execute(
        f"""SELECT d.activity_id, t.name FROM template_draft d
            JOIN activity_template t ON t.id = d.template_id
            WHERE d.activity_id IN ({marks})""",
        activity_ids,
    )
    return {r[0]: r[1] for r in rows}
