"""The apprentice's profile: one row holding their standard, dates, hours and targets."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from datetime import date

from otj_desktop.domain.dates import utc_now_iso
from otj_desktop.store.db import Transaction


@dataclass(frozen=True)
class Profile:
    name: str = ""
    standard_id: int | None = None
    start_date: date | None = None
    practical_end_date: date | None = None
    weekly_contracted_hours: float | None = None
    working_days_per_week: float | None = None
    planned_otj_hours: float | None = None
    rpl_hours: float = 0.0
    weekly_target_hours: float | None = None

    @property
    def is_set_up(self) -> bool:
        """Whether first-run setup has chosen a standard."""
        return self.standard_id is not None


_DATE_FIELDS = ("start_date", "practical_end_date")


def get(conn: sqlite3.Connection) -> Profile:
    row = conn.execute("SELECT * FROM profile WHERE id = 1").fetchone()
    values = {name: row[name] for name in Profile.__dataclass_fields__}
    for name in _DATE_FIELDS:
        if values[name]:
            values[name] = date.fromisoformat(values[name])
    return Profile(**values)


def save(tx: Transaction, profile: Profile) -> None:
    """Replace the profile and announce ``profile_saved``."""
    values = asdict(profile)
    for name in _DATE_FIELDS:
        if values[name] is not None:
            values[name] = values[name].isoformat()
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    tx.execute(
        f"UPDATE profile SET {assignments}, updated_at = :now WHERE id = 1",
        {**values, "now": utc_now_iso()},
    )
    tx.announce("profile_saved", summary="Profile and targets updated")


def set_standard(tx: Transaction, standard_id: int) -> None:
    """Make ``standard_id`` the apprentice's standard."""
    tx.execute(
        "UPDATE profile SET standard_id = ?, updated_at = ? WHERE id = 1",
        (standard_id, utc_now_iso()),
    )
    tx.announce("profile_saved", summary="Standard chosen")
