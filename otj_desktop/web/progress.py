"""What the calculator, the first-run step and the dashboard share: the target's inputs.

Reads the profile's figures, the standard's published minimum and the breaks in learning into
one :class:`~otj_desktop.domain.targets.TargetInputs`, so every page works the target out from
the same numbers.
"""

from __future__ import annotations

import sqlite3

from otj_desktop.domain.targets import TargetInputs
from otj_desktop.store import breaks as break_store
from otj_desktop.store import standards as standard_store
from otj_desktop.store.profile import Profile


def standard_minimum(conn: sqlite3.Connection, profile: Profile) -> float | None:
    """The chosen standard's published minimum OTJ hours, when known."""
    if profile.standard_id is None:
        return None
    try:
        return standard_store.get(conn, profile.standard_id).minimum_hours
    except standard_store.StandardNotFound:
        return None


def target_inputs(
    conn: sqlite3.Connection, profile: Profile, *, breaks: list | None = None
) -> TargetInputs:
    """The target's inputs from a (saved or typed) profile and the stored breaks."""
    if breaks is None:
        breaks = break_store.all_breaks(conn)
    return TargetInputs(
        start=profile.start_date,
        practical_end=profile.practical_end_date,
        weekly_hours=profile.weekly_contracted_hours,
        rpl_hours=profile.rpl_hours or 0.0,
        planned_hours=profile.planned_otj_hours,
        standard_minimum=standard_minimum(conn, profile),
        plan_minimum=profile.plan_minimum_hours,
        breaks=tuple(b.as_break() for b in breaks),
    )
