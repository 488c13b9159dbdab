"""What the evidence pack reads: the activities of a period with their KSBs of the standard.

Grouping and totals are pure rules in ``domain/evidence_pack.py``; this module only reads,
in one read transaction so every figure in the pack shows the same moment.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from otj_desktop.domain.activity_types import counting_type_keys
from otj_desktop.domain.evidence_pack import PackActivity, PackKsbInfo

# Which activities the pack shows and totals: live, confirmed (not drafts waiting for review)
# and of a type that counts as off-the-job training. One place for the rule.
COUNTED = (
    "a.deleted_at IS NULL AND a.status = 'confirmed' AND a.activity_type IN ("
    + ", ".join(f"'{key}'" for key in counting_type_keys())
    + ")"
)


def activities(
    conn: sqlite3.Connection, standard_id: int | None, date_from: date | None, date_to: date | None
) -> list[PackActivity]:
    """Live activities dated in the period (inclusive), each with its KSBs of ``standard_id``."""
    rows = conn.execute(
        f"""SELECT a.id, a.title, a.activity_date, a.duration_minutes, a.activity_type,
                   a.evidence_quality, a.description,
                   (SELECT group_concat(ak.ksb_id) FROM activity_ksb ak
                    JOIN ksb k ON k.id = ak.ksb_id
                    WHERE ak.activity_id = a.id AND k.standard_id = ?) AS ksb_ids
            FROM activity a
            WHERE {COUNTED} AND a.activity_date BETWEEN ? AND ?
            ORDER BY a.activity_date, a.id""",
        (
            standard_id,
            (date_from or date(1, 1, 1)).isoformat(),
            (date_to or date(9999, 12, 31)).isoformat(),
        ),
    ).fetchall()
    return [
        PackActivity(
            id=r[0],
            title=r[1],
            activity_date=date.fromisoformat(r[2]),
            minutes=r[3],
            activity_type=r[4],
            evidence_quality=r[5],
            description=r[6],
            ksb_ids=tuple(int(x) for x in r[7].split(",")) if r[7] else (),
        )
        for r in rows
    ]


def ksbs(conn: sqlite3.Connection, standard_id: int | None) -> list[PackKsbInfo]:
    """The standard's KSBs in the standard's order (knowledge, skills, behaviours)."""
    if standard_id is None:
        return []
    rows = conn.execute(
        """SELECT id, code, category, title, statement FROM ksb WHERE standard_id = ?
           ORDER BY CASE category WHEN 'knowledge' THEN 0 WHEN 'skill' THEN 1 ELSE 2 END,
                    position""",
        (standard_id,),
    )
    return [PackKsbInfo(*row) for row in rows]
