"""Breaks in learning: dated periods off programme that move the planned end date.

Writes announce ``breaks_changed`` (with the break's id, the action and a short summary), so
every window showing the planned end, the pace or the list of breaks can update.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from otj_desktop.domain.dates import uk_date, utc_now_iso
from otj_desktop.domain.otj_hours import Break
from otj_desktop.store.db import Transaction


class BreakNotFound(LookupError):
    """No break has that id (another window may have removed it)."""


@dataclass(frozen=True)
class LearningBreak:
    id: int
    start_date: date
    end_date: date
    reason: str

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def as_break(self) -> Break:
        return Break(self.start_date, self.end_date)


def all_breaks(conn: sqlite3.Connection) -> list[LearningBreak]:
    """Every break, earliest first."""
    rows = conn.execute(
        "SELECT id, start_date, end_date, reason FROM learning_break ORDER BY start_date, id"
    )
    return [
        LearningBreak(r[0], date.fromisoformat(r[1]), date.fromisoformat(r[2]), r[3]) for r in rows
    ]


def add(tx: Transaction, start: date, end: date, reason: str = "") -> int:
    """Record a break (both days inclusive) and return its id."""
    cursor = tx.execute(
        "INSERT INTO learning_break (start_date, end_date, reason, created_at) VALUES (?, ?, ?, ?)",
        (start.isoformat(), end.isoformat(), reason, utc_now_iso()),
    )
    tx.announce(
        "breaks_changed",
        id=cursor.lastrowid,
        action="added",
        summary=f"Break in learning added: {uk_date(start)} to {uk_date(end)}",
    )
    return cursor.lastrowid


def remove(tx: Transaction, break_id: int) -> None:
    """Delete a break. Raises :class:`BreakNotFound`."""
    row = tx.execute(
        "SELECT start_date, end_date FROM learning_break WHERE id = ?", (break_id,)
    ).fetchone()
    if row is None:
        raise BreakNotFound(break_id)
    tx.execute("DELETE FROM learning_break WHERE id = ?", (break_id,))
    tx.announce(
        "breaks_changed",
        id=break_id,
        action="removed",
        summary=f"Break in learning removed: {uk_date(row[0])} to {uk_date(row[1])}",
    )
