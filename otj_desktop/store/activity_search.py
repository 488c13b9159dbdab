"""Filtered reads of the activity log: one page of the list, its count, and the CSV rows.

Every filter is one indexed condition (see migration 0002): type and evidence quality have
their own partial indexes over live activities ordered by date, so a page is read in order and
stops after its rows; KSB, tag and text search narrow by id (the link tables' indexes and the
FTS5 index ``activity_fts``). :func:`count` answers the common cases from the running totals.

The export reads in chunks on its own connection inside one read transaction, so it streams
a consistent snapshot however long the client takes to read it, and holds no more than one
chunk in memory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from otj_desktop.domain.activity_filter import ActivityFilter

EXPORT_CHUNK = 500


@dataclass(frozen=True)
class ExportRow:
    """One activity as the CSV export needs it."""

    activity_date: str
    title: str
    duration_minutes: int
    activity_type: str
    evidence_quality: str
    tags: tuple[str, ...]
    ksb_codes: tuple[str, ...]
    description: str


def where(filters: ActivityFilter | None, *, in_order: bool = False) -> tuple[str, list]:
    """The SQL condition (over ``activity a``) and its parameters for these filters.

    With ``in_order`` (reading a page, newest first) the id lists are written so that SQLite
    walks a date-ordered index and tests each id against them, stopping after the page; without
    (counting) it is driven by the lists, one lookup per listed id, which costs less when every
    match has to be visited anyway.
    """
    clauses, params = ["a.deleted_at IS NULL"], []
    if filters is None or not filters.include_drafts:
        clauses.append("a.status = 'confirmed'")  # drafts are in no list unless asked for
    if filters is None:
        return " AND ".join(clauses), params
    if filters.activity_type:
        clauses.append("a.activity_type = ?")
        params.append(filters.activity_type)
    if filters.quality:
        clauses.append("a.evidence_quality = ?")
        params.append(filters.quality)
    if filters.date_from:
        clauses.append("a.activity_date >= ?")
        params.append(filters.date_from.isoformat())
    if filters.date_to:
        clauses.append("a.activity_date <= ?")
        params.append(filters.date_to.isoformat())
    # "+a.id" keeps SQLite from driving the query from the list (a row lookup per match, then
    # a sort of them all): it walks the date-ordered index instead and stops after one page.
    ident = "+a.id" if in_order else "a.id"
    if filters.ksb_id is not None:
        clauses.append(f"{ident} IN (SELECT activity_id FROM activity_ksb WHERE ksb_id = ?)")
        params.append(filters.ksb_id)
    if filters.tag:
        clauses.append(
            f"""{ident} IN (SELECT at.activity_id FROM activity_tag at
                            JOIN tag t ON t.id = at.tag_id WHERE t.name = ?)"""
        )
        params.append(filters.tag)
    if filters.search:
        clauses.append(f"{ident} IN (SELECT rowid FROM activity_fts WHERE activity_fts MATCH ?)")
        params.append(match_live(filters.search, include_drafts=filters.include_drafts))
    return " AND ".join(clauses), params


def match_live(words: str, *, include_drafts: bool = False) -> str:
    """The FTS5 query for live activities whose title, description or notes have ``words``
    (confirmed ones only, unless ``include_drafts``).

    ``words`` comes from :func:`~otj_desktop.domain.activity_filter.fts_query` (quoted terms
    only). The column filter keeps the search off the ``state`` column, which only holds
    "live", "draft" or "deleted" (see migrations 0002 and 0005).
    """
    states = "(live OR draft)" if include_drafts else "live"
    return f"{{title description notes}} : ({words}) AND state : {states}"


def count(conn: sqlite3.Connection, filters: ActivityFilter | None) -> int:
    """How many live activities match.

    The common cases are answered from the running totals or inside the search index, without
    touching the activity rows: no filter, dates and type (day totals), a KSB with or without a
    type (KSB totals), a tag (tag totals), and a text search alone (the index's own count of
    live matches). Any other mix counts the matching rows.
    """
    f = filters or ActivityFilter()
    used = {
        name for name, value in vars(f).items() if value not in (None, "") and value is not False
    }
    if used <= {"activity_type", "date_from", "date_to"}:
        return _count_days(conn, f)
    if used <= {"ksb_id", "activity_type"}:
        sql = "SELECT coalesce(sum(activity_count), 0) FROM ksb_total WHERE ksb_id = ?"
        params: list = [f.ksb_id]
        if f.activity_type:
            sql += " AND activity_type = ?"
            params.append(f.activity_type)
        return conn.execute(sql, params).fetchone()[0]
    if used == {"tag"}:
        row = conn.execute(
            """SELECT coalesce(tt.activity_count, 0) FROM tag t
               LEFT JOIN tag_total tt ON tt.tag_id = t.id WHERE t.name = ?""",
            (f.tag,),
        ).fetchone()
        return row[0] if row else 0
    if used == {"text"}:
        if not f.search:
            return _count_days(conn, ActivityFilter())
        return conn.execute(
            "SELECT count(*) FROM activity_fts WHERE activity_fts MATCH ?",
            (match_live(f.search),),
        ).fetchone()[0]
    condition, params = where(f)
    return conn.execute(f"SELECT count(*) FROM activity a WHERE {condition}", params).fetchone()[0]


def _count_days(conn: sqlite3.Connection, f: ActivityFilter) -> int:
    clauses, params = ["1"], []
    if f.activity_type:
        clauses.append("activity_type = ?")
        params.append(f.activity_type)
    if f.date_from:
        clauses.append("activity_date >= ?")
        params.append(f.date_from.isoformat())
    if f.date_to:
        clauses.append("activity_date <= ?")
        params.append(f.date_to.isoformat())
    return conn.execute(
        f"SELECT coalesce(sum(activity_count), 0) FROM activity_day_total "
        f"WHERE {' AND '.join(clauses)}",
        params,
    ).fetchone()[0]


def page_rows(
    conn: sqlite3.Connection, columns: str, filters: ActivityFilter | None, limit: int, offset: int
) -> list[sqlite3.Row]:
    """One page of matching activity rows (``columns`` over ``activity a``), newest first."""
    condition, params = where(filters, in_order=True)
    return conn.execute(
        f"""SELECT {columns} FROM activity a WHERE {condition}
            ORDER BY a.activity_date DESC, a.id DESC LIMIT ? OFFSET ?""",
        (*params, limit, offset),
    ).fetchall()


def export_rows(conn: sqlite3.Connection, filters: ActivityFilter | None) -> Iterator[ExportRow]:
    """Every matching activity for the CSV export, newest first, read in chunks.

    Each row carries its KSB and tag ids (``group_concat`` over the link tables' primary keys,
    one index range per row); codes and names come from two small lookups read first, so no
    per-activity query and no join is needed. Run it inside a read transaction (``BEGIN`` ...
    ``COMMIT``) so the lookups and the rows come from one snapshot.
    """
    ksbs = {
        row[0]: (row[1], row[2])
        for row in conn.execute(
            """SELECT id, code, (CASE category WHEN 'knowledge' THEN 0 WHEN 'skill' THEN 1
                                 ELSE 2 END) * 100000 + position FROM ksb"""
        )
    }
    tags = dict(conn.execute("SELECT id, name FROM tag").fetchall())
    condition, params = where(filters, in_order=True)
    cursor = conn.execute(
        f"""SELECT a.activity_date, a.title, a.duration_minutes, a.activity_type,
                   a.evidence_quality, a.description,
                   (SELECT group_concat(ksb_id) FROM activity_ksb WHERE activity_id = a.id),
                   (SELECT group_concat(tag_id) FROM activity_tag WHERE activity_id = a.id)
            FROM activity a WHERE {condition}
            ORDER BY a.activity_date DESC, a.id DESC""",
        params,
    )
    # Many activities share the same set of KSBs or tags: work each set out once.
    codes: dict[str, tuple[str, ...]] = {}
    names: dict[str, tuple[str, ...]] = {}
    while chunk := cursor.fetchmany(EXPORT_CHUNK):
        for day, title, minutes, kind, quality, description, ksb_ids, tag_ids in chunk:
            if ksb_ids and ksb_ids not in codes:
                codes[ksb_ids] = _codes(ksb_ids, ksbs)
            if tag_ids and tag_ids not in names:
                names[tag_ids] = _names(tag_ids, tags)
            yield ExportRow(
                day,
                title,
                minutes,
                kind,
                quality,
                names[tag_ids] if tag_ids else (),
                codes[ksb_ids] if ksb_ids else (),
                description,
            )


def _codes(ids: str, ksbs: dict[int, tuple[str, int]]) -> tuple[str, ...]:
    """KSB codes in standard order (knowledge, skills, behaviours, each by position)."""
    found = sorted((ksbs[int(i)] for i in ids.split(",")), key=lambda k: k[1])
    return tuple(code for code, _ in found)


def _names(ids: str, tags: dict[int, str]) -> tuple[str, ...]:
    """Tag names A to Z, ignoring case (as the activity pages list them)."""
    return tuple(sorted((tags[int(i)] for i in ids.split(",")), key=str.casefold))
