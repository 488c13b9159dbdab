"""The facts behind the readiness score and the gaps (:mod:`otj_desktop.domain.readiness`).

Cheap enough for the dashboard at any size: counts, hours and the best evidence quality per KSB
come from the running totals (``ksb_total``, ``ksb_quality_total``); drafts from their partial
index (a handful of rows); "touched in the last 30 days" from the activities of those 30 days
only. Only the Readiness page asks for the date each stale KSB was last evidenced
(:func:`last_evidenced`), which reads those KSBs' links.

CORE stages come from the activities' resource links (``activity_resource_link.stage``).
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from otj_desktop.domain.activity_types import ACTIVITY_TYPES, counting_type_keys
from otj_desktop.domain.readiness import (
    CORE_STAGES,
    STALE_DAYS,
    KsbEvidence,
    Readiness,
    assess,
    best_quality,
)
from otj_desktop.store import drafts as draft_store
from otj_desktop.store import stats

_COUNTED = "a.deleted_at IS NULL AND a.status = 'confirmed'"


def readiness(conn: sqlite3.Connection, standard_id: int | None, today: date) -> Readiness:
    """The readiness of the log against the standard, as of ``today``."""
    ksbs = evidence(conn, standard_id, today) if standard_id is not None else []
    return assess(
        ksbs,
        types_never_used=types_never_used(conn),
        core_never_used=core_stages_never_used(conn),
        drafts_waiting=draft_store.count(conn),
    )


def evidence(conn: sqlite3.Connection, standard_id: int, today: date) -> list[KsbEvidence]:
    """Every KSB of the standard with its evidence, in standard order."""
    counting = counting_type_keys()
    marks = ",".join("?" * len(counting))
    qualities: dict[int, set[str]] = {}
    for ksb_id, quality in conn.execute(
        f"""SELECT q.ksb_id, q.evidence_quality FROM ksb_quality_total q
            JOIN ksb k ON k.id = q.ksb_id
            WHERE k.standard_id = ? AND q.activity_count > 0 AND q.activity_type IN ({marks})""",
        (standard_id, *counting),
    ):
        qualities.setdefault(ksb_id, set()).add(quality)
    drafts = dict(
        conn.execute(
            # CROSS JOIN: from the few drafts (their partial index) to their links, never
            # through every link (measured: 120 ms at 50,000 activities the other way round).
            """SELECT ak.ksb_id, count(*) FROM activity a
               CROSS JOIN activity_ksb ak ON ak.activity_id = a.id
               WHERE a.deleted_at IS NULL AND a.status = 'draft' GROUP BY ak.ksb_id"""
        ).fetchall()
    )
    since = today - timedelta(days=STALE_DAYS)
    recent = {
        r[0]
        for r in conn.execute(
            f"""SELECT DISTINCT ak.ksb_id FROM activity a
                JOIN activity_ksb ak ON ak.activity_id = a.id
                WHERE {_COUNTED} AND a.activity_date > ? AND a.activity_date <= ?
                  AND a.activity_type IN ({marks})""",
            (since.isoformat(), today.isoformat(), *counting),
        )
    }
    return [
        KsbEvidence(
            id=k.id,
            code=k.code,
            category=k.category,
            label=k.title or k.statement,
            activity_count=k.activity_count,
            minutes=k.minutes,
            best_quality=best_quality(tuple(qualities.get(k.id, ()))),
            draft_count=drafts.get(k.id, 0),
            touched_recently=k.id in recent,
        )
        for k in stats.ksb_stats(conn, standard_id)
    ]


def last_evidenced(conn: sqlite3.Connection, ksb_ids: list[int]) -> dict[int, date]:
    """The date of the latest confirmed OTJ activity linked to each of these KSBs."""
    if not ksb_ids:
        return {}
    counting = counting_type_keys()
    rows = conn.execute(
        f"""SELECT ak.ksb_id, max(a.activity_date) FROM activity_ksb ak
            JOIN activity a ON a.id = ak.activity_id
            WHERE ak.ksb_id IN ({",".join("?" * len(ksb_ids))}) AND {_COUNTED}
              AND a.activity_type IN ({",".join("?" * len(counting))})
            GROUP BY ak.ksb_id""",
        (*ksb_ids, *counting),
    )
    return {r[0]: date.fromisoformat(r[1]) for r in rows if r[1]}


def types_never_used(conn: sqlite3.Connection) -> list[str]:
    """Labels of the OTJ activity types no confirmed activity has (from the totals)."""
    used = {
        r[0]
        for r in conn.execute(
            "SELECT activity_type FROM activity_type_total WHERE activity_count > 0"
        )
    }
    return [t.label for t in ACTIVITY_TYPES if t.counts_towards_otj and t.key not in used]


def core_stages_never_used(conn: sqlite3.Connection) -> list[str]:
    """Labels of the CORE stages no resource link of a confirmed activity uses."""
    used = {
        r[0]
        for r in conn.execute(
            f"""SELECT DISTINCT l.stage FROM activity_resource_link l
                JOIN activity a ON a.id = l.activity_id WHERE {_COUNTED}"""
        )
    }
    return [label for key, label in CORE_STAGES.items() if key not in used]
