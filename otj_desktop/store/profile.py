"""The apprentice's profile: one row holding their standard, dates, hours and targets.

:func:`save` replaces the whole profile (the profile page); :func:`set_target` changes one
target (the dashboard's in-place editors). Both announce ``profile_saved``.
"""

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
    training_target_hours: float | None = None  # hours of training courses and workshops
    plan_minimum_hours: float | None = None  # the training plan's minimum, when it differs

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


TARGET_LABELS = {
    "planned_otj_hours": "Planned OTJ hours",
    "weekly_target_hours": "Weekly target",
    "training_target_hours": "Training target",
}


def set_target(tx: Transaction, name: str, hours: float | None) -> None:
    """Change one target (see :data:`TARGET_LABELS`) and announce ``profile_saved``."""
    label = TARGET_LABELS[name]  # KeyError for anything else: the column name is never input
    tx.execute(
        f"UPDATE profile SET {name} = ?, updated_at = ? WHERE id = 1", (hours, utc_now_iso())
    )
    shown = "cleared" if hours is None else f"set to {hours:g} hours"
    tx.announce("profile_saved", field=name, summary=f"{label} {shown}")


def set_standard(tx: Transaction, standard_id: int) -> None:
    """Make ``standard_id`` the apprentice's standard."""
    tx.execute(
        "UPDATE profile SET standard_id = ?, updated_at = ? WHERE id = 1",
        (standard_id, utc_now_iso()),
    )
    tx.announce("profile_saved", summary="Standard chosen")
