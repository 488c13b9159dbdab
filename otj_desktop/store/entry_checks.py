"""The facts the entry checks (:mod:`otj_desktop.domain.entry_checks`) need, read from the log.

For one entry being saved: its day's other entries (:func:`warnings_for`). For the Entry checks
page: every live entry, read in one query with only what the checks use (the description's
length, not its text; the number of KSBs, not which), and the months with learning logged,
from the running totals.
"""

from __future__ import annotations

import sqlite3
from datetime import date, time

from otj_desktop.domain.activity_types import counting_type_keys
from otj_desktop.domain.entry_checks import (
    EntryFacts,
    EntryWarning,
    check_all,
    check_entry,
    empty_months,
    working_day_minutes,
)
from otj_desktop.store import breaks as break_store
from otj_desktop.store import profile as profile_store

_FACTS = """a.id, a.title, a.activity_date, a.duration_minutes, a.activity_type,
    length(a.description), a.start_time, a.end_time,
    (SELECT count(*) FROM activity_ksb WHERE activity_id = a.id), a.hours_basis, a.status"""


def _facts(row: sqlite3.Row) -> EntryFacts:
    return EntryFacts(
        id=row[0],
        title=row[1],
        activity_date=date.fromisoformat(row[2]),
        duration_minutes=row[3],
        activity_type=row[4],
        description_chars=row[5] or 0,
        start_time=time.fromisoformat(row[6]) if row[6] else None,
        end_time=time.fromisoformat(row[7]) if row[7] else None,
        ksb_count=row[8],
        hours_basis=row[9],
        status=row[10],
    )


def working_day(conn: sqlite3.Connection) -> int | None:
    profile = profile_store.get(conn)
    return working_day_minutes(profile.weekly_contracted_hours, profile.working_days_per_week)


def warnings_for(conn: sqlite3.Connection, activity_id: int) -> list[EntryWarning]:
    """The warnings for one stored live activity, against the other entries on its day."""
    row = conn.execute(
        f"SELECT {_FACTS} FROM activity a WHERE a.id = ? AND a.deleted_at IS NULL",
        (activity_id,),
    ).fetchone()
    if row is None:
        return []
    entry = _facts(row)
    same_day = [
        _facts(r)
        for r in conn.execute(
            f"""SELECT {_FACTS} FROM activity a
                WHERE a.deleted_at IS NULL AND a.activity_date = ? AND a.id <> ?""",
            (row[2], activity_id),
        )
    ]
    return check_entry(entry, same_day, working_day=working_day(conn))


def all_warnings(conn: sqlite3.Connection) -> tuple[dict[int, list[EntryWarning]], dict]:
    """Every live entry's warnings by id, and the entries' titles, dates and statuses by id
    (for listing them)."""
    entries = [
        _facts(r)
        for r in conn.execute(f"SELECT {_FACTS} FROM activity a WHERE a.deleted_at IS NULL")
    ]
    found = check_all(entries, working_day=working_day(conn))
    named = set(found) | {w.other_id for ws in found.values() for w in ws}
    return found, {e.id: e for e in entries if e.id in named}


def months_without_learning(conn: sqlite3.Connection, today: date) -> list[date]:
    """Months of the practical period so far with no confirmed OTJ learning logged."""
    profile = profile_store.get(conn)
    counting = counting_type_keys()
    months = {
        (int(r[0][:4]), int(r[0][5:7]))
        for r in conn.execute(
            f"""SELECT DISTINCT substr(activity_date, 1, 7) FROM activity_day_total
                WHERE activity_count > 0 AND activity_type IN ({",".join("?" * len(counting))})""",
            counting,
        )
    }
    breaks = [(b.start_date, b.end_date) for b in break_store.all_breaks(conn)]
    return empty_months(profile.start_date, profile.practical_end_date, today, months, breaks)
