"""Totals for the dashboard and the KSB browser, read from the running totals.

Nothing here touches the activity rows themselves: the triggers of migrations 0002 and 0005
keep ``activity_type_total``, ``activity_day_total`` (per day and type), ``ksb_total`` (per KSB
and type), ``ksb_quality_total`` and ``tag_total`` up to date for live confirmed activities
(drafts waiting for review are in none), so every figure costs a read of a few hundred small
rows at most, however many years of entries there are (``bench/progress.py``).
Which types count towards OTJ hours is decided in Python (:func:`counting_type_keys`), which
is why the totals are kept per type: every figure here, hours and counts alike, leaves out the
types that do not count (progress reviews, English and maths ...); ``other_count`` says how
many of those were logged.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from otj_desktop.domain.activity_types import activity_type, counting_type_keys, type_label
from otj_desktop.domain.dates import week_start

RECENT_DAYS = 56  # the "last 8 weeks" behind the projected finish


@dataclass(frozen=True)
class TypeTotal:
    key: str
    label: str
    activity_count: int
    minutes: int
    counts_towards_otj: bool
    training: bool


@dataclass(frozen=True)
class Summary:
    """The dashboard's headline figures; minutes are OTJ minutes (counting types only)."""

    total_minutes: int
    week_minutes: int
    activity_count: int  # confirmed activities of the types that count towards OTJ
    ksbs_with_evidence: int
    ksbs_total: int
    recent_minutes: int = 0  # the 56 days up to and including today
    training_minutes: int = 0  # training courses and workshops
    by_type: tuple[TypeTotal, ...] = ()
    other_count: int = 0  # confirmed activities of types that do not count towards OTJ

    @property
    def counting_types(self) -> tuple[TypeTotal, ...]:
        return tuple(t for t in self.by_type if t.counts_towards_otj)

    @property
    def other_types(self) -> tuple[TypeTotal, ...]:
        return tuple(t for t in self.by_type if not t.counts_towards_otj)


@dataclass(frozen=True)
class WeekTotal:
    monday: date
    minutes: int
    recent_minutes: int = 0  # of those, the ones in the 56 days up to and including today

    @property
    def label(self) -> str:
        """ISO week as the chart labels it, e.g. "W48"; the year is in ``iso_label``."""
        return f"W{self.monday.isocalendar().week:02d}"

    @property
    def iso_label(self) -> str:
        iso = self.monday.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"


@dataclass(frozen=True)
class KsbStat:
    id: int
    category: str
    code: str
    title: str | None
    statement: str
    activity_count: int  # confirmed OTJ activities linked to it (the evidence)
    minutes: int  # their minutes
    other_count: int = 0  # confirmed activities of types that do not count, linked to it

    @property
    def has_evidence(self) -> bool:
        return self.activity_count > 0


@dataclass(frozen=True)
class TagCount:
    id: int
    name: str
    activity_count: int


def summary(
    conn: sqlite3.Connection,
    *,
    today: date,
    standard_id: int | None,
    ksbs: list[KsbStat] | None = None,
    weeks: list[WeekTotal] | None = None,
) -> Summary:
    """Headline figures: OTJ minutes in all, this week (Monday to Sunday), the last 8 weeks
    and on training; live activities; KSBs with evidence. Pass ``ksbs`` and ``weeks`` (from
    :func:`ksb_stats` and :func:`weekly_minutes`) when already read, to save reading them again;
    ``weeks`` must end with this week and reach back over the last 56 days (9 weeks or more).
    """
    if weeks is not None and len(weeks) < RECENT_DAYS // 7 + 1:
        raise ValueError("weeks must cover the last 8 weeks")
    by_type = type_totals(conn)
    if weeks is None:
        weeks = weekly_minutes(conn, today=today, weeks=RECENT_DAYS // 7 + 1)
    if ksbs is None:
        ksbs = ksb_stats(conn, standard_id) if standard_id is not None else []
    return Summary(
        total_minutes=sum(t.minutes for t in by_type if t.counts_towards_otj),
        week_minutes=weeks[-1].minutes,
        activity_count=sum(t.activity_count for t in by_type if t.counts_towards_otj),
        ksbs_with_evidence=sum(1 for k in ksbs if k.has_evidence),
        ksbs_total=len(ksbs),
        recent_minutes=sum(w.recent_minutes for w in weeks),
        training_minutes=sum(t.minutes for t in by_type if t.training and t.counts_towards_otj),
        by_type=tuple(by_type),
        other_count=sum(t.activity_count for t in by_type if not t.counts_towards_otj),
    )


def type_totals(conn: sqlite3.Connection) -> list[TypeTotal]:
    """Live activities and minutes per activity type, most hours first (types with none left
    out)."""
    rows = conn.execute(
        """SELECT activity_type, activity_count, minutes FROM activity_type_total
           WHERE activity_count > 0"""
    ).fetchall()
    totals = []
    for key, count, minutes in rows:
        known = activity_type(key)
        totals.append(
            TypeTotal(
                key=key,
                label=type_label(key),
                activity_count=count,
                minutes=minutes,
                counts_towards_otj=known.counts_towards_otj if known else False,
                training=known.training if known else False,
            )
        )
    totals.sort(key=lambda t: (-t.minutes, t.label))
    return totals


def weekly_minutes(conn: sqlite3.Connection, *, today: date, weeks: int = 12) -> list[WeekTotal]:
    """OTJ minutes in each ISO week (Monday to Sunday), the last ``weeks`` weeks up to this
    one, oldest first; weeks with nothing logged are there with 0.

    Each week also carries its minutes in the 56 days up to and including today (the pace's
    "last 8 weeks"), so one read of the day totals serves the chart, this week and the pace.
    The weeks are bucketed in SQL: a few dozen rows come back, whatever the volume.
    """
    first = week_start(today) - timedelta(weeks=weeks - 1)
    last = week_start(today) + timedelta(days=6)
    counting = counting_type_keys()
    marks = ",".join("?" * len(counting))
    rows = conn.execute(
        f"""SELECT CAST((julianday(activity_date) - julianday(?)) / 7 AS INTEGER),
                   sum(minutes),
                   coalesce(sum(minutes) FILTER (WHERE activity_date > ? AND activity_date <= ?),
                            0)
            FROM activity_day_total
            WHERE activity_date BETWEEN ? AND ? AND activity_type IN ({marks})
            GROUP BY 1""",
        (
            first.isoformat(),
            (today - timedelta(days=RECENT_DAYS)).isoformat(),
            today.isoformat(),
            first.isoformat(),
            last.isoformat(),
            *counting,
        ),
    ).fetchall()
    found = {index: (minutes, recent) for index, minutes, recent in rows}
    return [WeekTotal(first + timedelta(weeks=i), *found.get(i, (0, 0))) for i in range(weeks)]


def ksb_stats(conn: sqlite3.Connection, standard_id: int) -> list[KsbStat]:
    """Every KSB of the standard with its confirmed OTJ activities and their minutes, in
    standard order (knowledge, skills, behaviours; each by position)."""
    counting = counting_type_keys()
    marks = ",".join("?" * len(counting))
    rows = conn.execute(
        f"""SELECT k.id, k.category, k.code, k.title, k.statement,
                   coalesce(sum(t.activity_count) FILTER (WHERE t.activity_type IN ({marks})), 0),
                   coalesce(sum(t.minutes) FILTER (WHERE t.activity_type IN ({marks})), 0),
                   coalesce(sum(t.activity_count)
                            FILTER (WHERE t.activity_type NOT IN ({marks})), 0)
            FROM ksb k LEFT JOIN ksb_total t ON t.ksb_id = k.id
            WHERE k.standard_id = ?
            GROUP BY k.id
            ORDER BY CASE k.category WHEN 'knowledge' THEN 0 WHEN 'skill' THEN 1 ELSE 2 END,
                     k.position""",
        (*counting, *counting, *counting, standard_id),
    ).fetchall()
    return [KsbStat(*row) for row in rows]


def tag_counts(conn: sqlite3.Connection, *, limit: int | None = None) -> list[TagCount]:
    """Tags with how many live activities use each, most used first. With ``limit``, only the
    top ones and only tags in use; without, every tag (unused ones with 0), for the tags page.
    """
    if limit is not None:
        rows = conn.execute(
            """SELECT t.id, t.name, tt.activity_count FROM tag_total tt
               JOIN tag t ON t.id = tt.tag_id
               WHERE tt.activity_count > 0
               ORDER BY tt.activity_count DESC, t.name COLLATE NOCASE LIMIT ?""",
            (limit,),
        ).fetchall()
    else:
        rows = conn.execute(
            """SELECT t.id, t.name, coalesce(tt.activity_count, 0) FROM tag t
               LEFT JOIN tag_total tt ON tt.tag_id = t.id
               ORDER BY coalesce(tt.activity_count, 0) DESC, t.name COLLATE NOCASE"""
        ).fetchall()
    return [TagCount(*row) for row in rows]


def otj_minutes_between(conn: sqlite3.Connection, first: date, last: date) -> int:
    """OTJ minutes of confirmed activities dated ``first`` to ``last`` (both included), from
    the day totals."""
    counting = counting_type_keys()
    return conn.execute(
        f"""SELECT coalesce(sum(minutes), 0) FROM activity_day_total
            WHERE activity_date BETWEEN ? AND ?
              AND activity_type IN ({",".join("?" * len(counting))})""",
        (first.isoformat(), last.isoformat(), *counting),
    ).fetchone()[0]
