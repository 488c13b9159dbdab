"""Importing a checked export into the database: :func:`apply_import` and :func:`preview_import`.

Everything runs on one transaction, so an import happens whole or not at all. Into an empty
database it reproduces the exported data exactly (ids included); into a database with data it
adds what is new, replaces activities with the same uid whose content differs (the replaced
version stays in the activity's history), keeps everything else, and replaces the profile. Data
is written in the order references need it: standards and their KSBs, tags, activities with
their history (``archive_activities``), the profile, breaks, templates
(``archive_templates``). A hand-made standard whose reference is taken here by a different one
gets the next free ``CUSTOM-n``, and every reference to it follows.

:func:`preview_import` runs the very same code and rolls it back, so the preview shows exactly
what will happen. The attached files are not written here: the web layer stores them first
(``archive_files.extract_files``), outside the transaction.
"""

from __future__ import annotations

import sqlite3

from otj_desktop.store import archive_templates
from otj_desktop.store.archive_activities import KsbIds, import_activities
from otj_desktop.store.archive_format import (
    BREAK_COLUMNS,
    KSB_COLUMNS,
    PROFILE_VALUES,
    STANDARD_COLUMNS,
    Archive,
    ImportSummary,
    Renames,
)
from otj_desktop.store.db import Database, Transaction


class _Rollback(Exception):
    """Raised inside a preview's transaction to undo it."""


def preview_import(db: Database, conn: sqlite3.Connection, archive: Archive) -> ImportSummary:
    """What importing ``archive`` would do: the real import, run and then rolled back."""
    result: list[ImportSummary] = []
    try:
        with db.transaction(conn) as tx:
            result.append(apply_import(tx, archive))
            raise _Rollback
    except _Rollback:
        pass
    return result[0]


def apply_import(tx: Transaction, archive: Archive) -> ImportSummary:
    """Import ``archive`` on ``tx`` (all or nothing) and announce a ``resync``."""
    conn = tx.conn
    summary = ImportSummary(into_empty=_is_empty(conn))
    keep_ids = summary.into_empty
    renames = _import_standards(tx, archive, summary, keep_ids=keep_ids)
    ksb_ids: KsbIds = {
        (r[0], r[1], r[2]): r[3]
        for r in conn.execute(
            """SELECT s.reference, s.version, k.code, k.id
               FROM ksb k JOIN standard s ON s.id = k.standard_id"""
        )
    }
    _import_tags(tx, archive, summary, keep_ids=keep_ids)
    import_activities(tx, archive, summary, renames, ksb_ids, keep_ids=keep_ids)
    _import_profile(tx, archive, summary, renames)
    _import_breaks(tx, archive, summary, keep_ids=keep_ids)
    archive_templates.import_templates(tx, archive, summary, keep_ids=keep_ids)
    tx.announce(
        "resync",
        summary=(
            f"Imported {len(summary.activities_added)} new and "
            f"{len(summary.activities_replaced)} replaced activities"
        ),
    )
    return summary


def _is_empty(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        """SELECT (SELECT count(*) FROM standard) + (SELECT count(*) FROM activity)
                + (SELECT count(*) FROM tag) + (SELECT count(*) FROM activity_history)
                + (SELECT count(*) FROM activity_template)"""
    ).fetchone()
    return row[0] == 0


def _import_standards(
    tx: Transaction, archive: Archive, summary: ImportSummary, *, keep_ids: bool
) -> Renames:
    renames: Renames = {}
    for s in archive.standards:
        label = f"{s['title']} ({s['reference']} v{s['version']})"
        local = tx.execute(
            "SELECT id, title, source FROM standard WHERE reference = ? AND version = ?",
            (s["reference"], s["version"]),
        ).fetchone()
        if (
            local is not None
            and (s["source"] == "manual" or local["source"] == "manual")
            and (local["title"] != s["title"] or local["source"] != s["source"])
        ):
            # Two different hand-made standards that happen to share "CUSTOM-1".
            new_ref = _free_custom_reference(tx.conn)
            renames[(s["reference"], s["version"])] = new_ref
            summary.standards_renamed.append(f"{label} → {new_ref}")
            local = None
        reference = renames.get((s["reference"], s["version"]), s["reference"])
        if local is None:
            standard_id = _insert_standard(tx, s, reference, keep_ids=keep_ids)
            summary.standards_added.append(label)
        else:
            standard_id = local["id"]
            summary.standards_present.append(label)
        summary.ksbs_added += _merge_ksbs(tx, standard_id, s["ksbs"], keep_ids=keep_ids)
    return renames


def _free_custom_reference(conn: sqlite3.Connection) -> str:
    n = 1
    while conn.execute("SELECT 1 FROM standard WHERE reference = ?", (f"CUSTOM-{n}",)).fetchone():
        n += 1
    return f"CUSTOM-{n}"


def _insert_standard(tx: Transaction, s: dict, reference: str, *, keep_ids: bool) -> int:
    values = {**{k: s[k] for k in STANDARD_COLUMNS}, "reference": reference}
    if not keep_ids:
        values["id"] = None
    cursor = tx.execute(
        f"""INSERT INTO standard ({", ".join(STANDARD_COLUMNS)})
            VALUES ({", ".join("?" * len(STANDARD_COLUMNS))})""",
        [values[k] for k in STANDARD_COLUMNS],
    )
    return cursor.lastrowid


def _merge_ksbs(tx: Transaction, standard_id: int, ksbs: list[dict], *, keep_ids: bool) -> int:
    """Add the export's KSBs that this standard lacks (by code); returns how many."""
    have = {r[0] for r in tx.execute("SELECT code FROM ksb WHERE standard_id = ?", (standard_id,))}
    added = 0
    for k in ksbs:
        if k["code"] in have:
            continue
        values = {**k, "id": k["id"] if keep_ids else None}
        tx.execute(
            f"""INSERT INTO ksb (standard_id, {", ".join(KSB_COLUMNS)})
                VALUES (?, {", ".join("?" * len(KSB_COLUMNS))})""",
            [standard_id, *(values[c] for c in KSB_COLUMNS)],
        )
        added += 1
    return added


def _import_tags(
    tx: Transaction, archive: Archive, summary: ImportSummary, *, keep_ids: bool
) -> None:
    names = [(t["id"] if keep_ids else None, t["name"]) for t in archive.tags]
    # Tags used by activities but missing from tags.json are created too.
    listed = {t["name"].casefold() for t in archive.tags}
    for a in archive.activities:
        for name in a["tags"]:
            if name.casefold() not in listed:
                listed.add(name.casefold())
                names.append((None, name))
    for tag_id, name in names:
        cursor = tx.execute(
            "INSERT INTO tag (id, name) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", (tag_id, name)
        )
        if cursor.rowcount:
            summary.tags_added.append(name)


def _import_breaks(
    tx: Transaction, archive: Archive, summary: ImportSummary, *, keep_ids: bool
) -> None:
    """Add the export's breaks in learning that are not here already (same dates)."""
    have = {(r[0], r[1]) for r in tx.execute("SELECT start_date, end_date FROM learning_break")}
    for b in archive.breaks:
        if (b["start_date"], b["end_date"]) in have:
            continue
        values = [b[k] for k in BREAK_COLUMNS]
        if not keep_ids:
            values[0] = None
        tx.execute(
            f"""INSERT INTO learning_break ({", ".join(BREAK_COLUMNS)})
                VALUES ({", ".join("?" * len(BREAK_COLUMNS))})""",
            values,
        )
        summary.breaks_added += 1


def _import_profile(
    tx: Transaction, archive: Archive, summary: ImportSummary, renames: Renames
) -> None:
    p = archive.profile
    if p["standard"] is None and not p["name"]:
        summary.profile = "kept"  # the export's profile was never filled in
        return
    standard_id = None
    if p["standard"] is not None:
        key = (p["standard"]["reference"], p["standard"]["version"])
        row = tx.execute(
            "SELECT id FROM standard WHERE reference = ? AND version = ?",
            (renames.get(key, key[0]), key[1]),
        ).fetchone()
        standard_id = row[0]
    values = {"name": p["name"], "standard_id": standard_id, **{k: p[k] for k in PROFILE_VALUES}}
    current = tx.execute(f"SELECT {', '.join(values)} FROM profile WHERE id = 1").fetchone()
    if tuple(current) == tuple(values.values()):
        summary.profile = "unchanged"
        return
    assignments = ", ".join(f"{k} = ?" for k in values)
    tx.execute(
        f"UPDATE profile SET {assignments}, updated_at = ? WHERE id = 1",
        [*values.values(), p["updated_at"]],
    )
    summary.profile = "replaced"
