"""Totals for the dashboard, computed in SQL so they stay fast with years of entries."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from otj_desktop.domain.activity_types import counting_type_keys
from otj_desktop.domain.dates import week_start


@dataclass(frozen=True)
class Summary:
    total_minutes: int
    week_minutes: int
    activity_count: int
    ksbs_with_evidence: int
    ksbs_total: int


def summary(conn: sqlite3.Connection, *, today: date, standard_id: int | None) -> Summary:
    """OTJ minutes in all and this week (Monday to Sunday), live activities, KSB coverage."""
    types = counting_type_keys()
    marks = ",".join("?" * len(types))
    monday = week_start(today)
    row = conn.execute(
        f"""SELECT
              coalesce(sum(duration_minutes) FILTER (WHERE activity_type IN ({marks})), 0),
              coalesce(sum(duration_minutes) FILTER (
                  WHERE activity_type IN ({marks}) AND activity_date BETWEEN ? AND ?), 0),
              count(*)
            FROM activity WHERE deleted_at IS NULL""",
        (*types, *types, monday.isoformat(), (monday + timedelta(days=6)).isoformat()),
    ).fetchone()
    covered, total = 0, 0
    if standard_id is not None:
        covered, total = conn.execute(
            """SELECT
                 count(*) FILTER (WHERE EXISTS (
                     SELECT 1 FROM activity_ksb ak JOIN activity a ON a.id = ak.activity_id
                     WHERE ak.ksb_id = k.id AND a.deleted_at IS NULL)),
                 count(*)
               FROM ksb k WHERE k.standard_id = ?""",
            (standard_id,),
        ).fetchone()
    return Summary(row[0], row[1], row[2], covered, total)
