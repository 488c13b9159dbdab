"""The running totals behind the dashboard: what they should hold, a check, and a rebuild.

Triggers (migration 0002, recreated by 0005) keep five small tables up to date on every write:
``activity_type_total`` (counted activities and minutes per type), ``activity_day_total`` (per
day and type), ``ksb_total`` (per KSB and type), ``ksb_quality_total`` (per KSB, type and
evidence quality) and ``tag_total`` (per tag). An activity is counted while it is live and
confirmed: deleted activities and drafts waiting for review are in no total. Reading them
instead of every activity keeps the dashboard fast at any size. This module says, in plain SQL
over the real rows, what each total should be, so that a test (and an integrity check) can
compare, and a damaged set of totals can be rebuilt in one transaction.
"""

from __future__ import annotations

import sqlite3

from otj_desktop.store.db import Transaction

# Each total table with the query that recomputes it from the real rows, in the same column
# order as the table (key columns first).
# The condition for an activity (``a``) to be in the totals: live and confirmed (not a draft).
COUNTED = "a.deleted_at IS NULL AND a.status = 'confirmed'"

EXPECTED: dict[str, str] = {
    "activity_type_total": f"""
        SELECT activity_type, count(*), sum(duration_minutes)
        FROM activity a WHERE {COUNTED} GROUP BY activity_type""",
    "activity_day_total": f"""
        SELECT activity_date, activity_type, count(*), sum(duration_minutes)
        FROM activity a WHERE {COUNTED} GROUP BY activity_date, activity_type""",
    "ksb_total": f"""
        SELECT ak.ksb_id, a.activity_type, count(*), sum(a.duration_minutes)
        FROM activity_ksb ak JOIN activity a ON a.id = ak.activity_id
        WHERE {COUNTED} GROUP BY ak.ksb_id, a.activity_type""",
    "ksb_quality_total": f"""
        SELECT ak.ksb_id, a.activity_type, a.evidence_quality, count(*), sum(a.duration_minutes)
        FROM activity_ksb ak JOIN activity a ON a.id = ak.activity_id
        WHERE {COUNTED} GROUP BY ak.ksb_id, a.activity_type, a.evidence_quality""",
    "tag_total": f"""
        SELECT at.tag_id, count(*)
        FROM activity_tag at JOIN activity a ON a.id = at.activity_id
        WHERE {COUNTED} GROUP BY at.tag_id""",
}


def differences(conn: sqlite3.Connection) -> dict[str, tuple[set[tuple], set[tuple]]]:
    """Totals that disagree with the real rows: ``{table: (stored_only, expected_only)}``.

    Rows whose count is 0 are ignored (a total may linger at zero). Empty when all is right.
    """
    found = {}
    for table, query in EXPECTED.items():
        stored = {tuple(r) for r in conn.execute(f"SELECT * FROM {table}") if r["activity_count"]}
        expected = {tuple(r) for r in conn.execute(query)}
        if stored != expected:
            found[table] = (stored - expected, expected - stored)
    return found


def rebuild(tx: Transaction) -> None:
    """Recompute every total from the real rows (nothing to announce: no data changed)."""
    for table, query in EXPECTED.items():
        tx.execute(f"DELETE FROM {table}")
        tx.execute(f"INSERT INTO {table} {query}")
