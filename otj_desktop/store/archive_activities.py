"""``activities.json`` and ``history.json``: checking them, and importing them into the database.

The largest and subtlest kind of data, so it has its own module (as links and files have
``archive_files`` and templates ``archive_templates``); ``archive_validate`` and
``archive_import`` call it for this kind, and ``archive_export`` writes it.

Checking: an activity's editable fields follow the activity form's rules
(``domain/activities.py``); every KSB link must name a KSB in the export's standards; a history
entry must name an activity in the export, and its snapshot must hold only the fields a
snapshot records (``domain/history.py``), each checked like the activity's own. A snapshot is
kept exactly as it came (key order too), so a file re-imported stores the same text.

Importing: an activity new here is inserted with its whole history (in the export's order, so
that into an empty database the rows keep their ids); one already here (same ``uid``) is
replaced only if its content differs, and gains an ``imported`` version so the replaced one can
be restored.
"""

from __future__ import annotations

from otj_desktop.domain import activities as rules
from otj_desktop.domain.activity_types import activity_type
from otj_desktop.domain.dates import utc_now_iso
from otj_desktop.domain.history import ACTION_LABELS, FIELD_LABELS, SNAPSHOT_FIELDS, diff, ksb_key
from otj_desktop.store import archive_files
from otj_desktop.store import history as history_store
from otj_desktop.store.archive_fields import Fields, is_uid, ksb_refs, tag_names
from otj_desktop.store.archive_format import (
    ACTIVITY_COLUMNS,
    ACTIVITY_EDITABLE,
    ROW_ID_MAX,
    Archive,
    ImportSummary,
    Renames,
)
from otj_desktop.store.db import Transaction

KsbIds = dict[tuple[str, str, str], int]  # (reference, version, code) -> the KSB's id here

# --- checking ----------------------------------------------------------------------------------


def validate_activities(
    items: list,
    known_ksbs: set[tuple[str, str, str]],
    *,
    with_files: bool = True,
    with_status: bool = False,
) -> list[dict]:
    out, uids, ids = [], set(), set()
    for i, item in enumerate(items, 1):
        f = Fields(item, f"activities.json, activity {i}")
        if with_status:
            f.raw("status")  # format 2 files always say whether an activity is a draft
        a = {
            "id": f.integer("id", 1, ROW_ID_MAX),
            "uid": f.text("uid", max_len=32, allow_empty=False),
            **_activity_fields(f),
            **archive_files.validate_fields(f, required=with_files),
            "version": f.integer("version", 1, 2**31),
            "created_at": f.timestamp("created_at"),
            "updated_at": f.timestamp("updated_at"),
            "deleted_at": f.timestamp("deleted_at", nullable=True),
        }
        if not is_uid(a["uid"]) or a["uid"] in uids:
            f.fail("uid", "is not 32 hex digits, or appears twice")
        if a["id"] in ids:
            f.fail("id", "appears twice")
        for ref in a["ksbs"]:
            if ksb_key(ref) not in known_ksbs:
                f.fail("ksbs", f"link to {ref['code']}, which is not in the export's standards")
        uids.add(a["uid"])
        ids.add(a["id"])
        out.append(a)
    return out


def _activity_fields(f: Fields) -> dict:
    """The editable fields of an activity (or of a history snapshot), checked like the form."""
    values = {
        "title": f.text("title", max_len=rules.TITLE_MAX, allow_empty=False, line=True),
        "activity_date": f.date("activity_date"),
        "start_time": f.time("start_time"),
        "end_time": f.time("end_time"),
        "duration_minutes": f.integer("duration_minutes", rules.MIN_MINUTES, rules.MAX_MINUTES),
        "activity_type": f.text("activity_type", max_len=50, allow_empty=False),
        "description": f.text("description", max_len=rules.TEXT_MAX, line=False),
        "notes": f.text("notes", max_len=rules.TEXT_MAX, line=False),
        "delivered_by": f.text("delivered_by", max_len=rules.SHORT_TEXT_MAX, line=True),
        "location": f.text("location", max_len=rules.SHORT_TEXT_MAX, line=True),
        "hours_basis": f.choice("hours_basis", rules.HOURS_BASIS),
        "evidence_quality": f.choice("evidence_quality", rules.EVIDENCE_QUALITY),
        # Snapshots from before drafts existed, and format 1 files, have no status.
        "status": f.choice("status", rules.ACTIVITY_STATUS) if "status" in f.obj else "confirmed",
    }
    if values["duration_minutes"] % 15:
        f.fail("duration_minutes", "should be in steps of 15 minutes")
    if activity_type(values["activity_type"]) is None:
        f.fail("activity_type", "is not an activity type this version of the app knows")
    if values["start_time"] and values["end_time"] and values["end_time"] <= values["start_time"]:
        f.fail("end_time", "is not after the start time")
    values["ksbs"] = ksb_refs(f)
    values["tags"] = tag_names(f)
    return values


def validate_history(items: list, uids: set[str]) -> list[dict]:
    out, seen, ids = [], set(), set()
    for i, item in enumerate(items, 1):
        f = Fields(item, f"history.json, entry {i}")
        entry = {
            "id": f.integer("id", 1, ROW_ID_MAX),
            "activity": f.text("activity", max_len=32, allow_empty=False),
            "version": f.integer("version", 1, 2**31),
            "action": f.choice("action", ACTION_LABELS),
            "changed_at": f.timestamp("changed_at"),
            "changes": _validate_changes(f),
            "snapshot": None,
            "restored_from": f.integer("restored_from", 1, 2**31, nullable=True),
        }
        if entry["activity"] not in uids:
            f.fail("activity", "names an activity that is not in the export")
        if (entry["activity"], entry["version"]) in seen:
            f.fail("version", "appears twice for the same activity")
        if entry["id"] in ids:
            f.fail("id", "appears twice")
        seen.add((entry["activity"], entry["version"]))
        ids.add(entry["id"])
        raw_snapshot = f.mapping("snapshot")
        snap = Fields(raw_snapshot, f"{f.where}, snapshot")
        _activity_fields(snap)
        archive_files.validate_fields(snap, required=False, snapshot=True)
        snap.boolean("deleted")
        if not set(raw_snapshot) <= set(SNAPSHOT_FIELDS):
            f.fail("snapshot", "holds fields the app never records")
        # Kept as it came (key order too), so an export re-imported stores the same text.
        entry["snapshot"] = raw_snapshot
        out.append(entry)
    return out


def _validate_changes(f: Fields) -> dict:
    changes = f.mapping("changes")
    for key, pair in changes.items():
        if key not in FIELD_LABELS or not isinstance(pair, list) or len(pair) != 2:
            f.fail("changes", "is not a list of fields with their old and new values")
        for value in pair:
            ok = (
                value is None
                or isinstance(value, str | bool | int)
                or (isinstance(value, list) and all(isinstance(v, str) for v in value))
            )
            if not ok or (isinstance(value, str) and len(value) > rules.TEXT_MAX):
                f.fail("changes", "holds a value the app never records")
    return changes


# --- importing ---------------------------------------------------------------------------------


def import_activities(
    tx: Transaction,
    archive: Archive,
    summary: ImportSummary,
    renames: Renames,
    ksb_ids: KsbIds,
    *,
    keep_ids: bool,
) -> None:
    history_by_uid: dict[str, list[dict]] = {}
    # Written in the export's order, so that into an empty database the rows get the same ids.
    for entry in archive.history:
        history_by_uid.setdefault(entry["activity"], []).append(entry)
    uids_in_archive = set()
    without_history: list[int] = []
    for a in archive.activities:
        uids_in_archive.add(a["uid"])
        a = {**a, "ksbs": [_renamed(r, renames) for r in a["ksbs"]]}
        local = tx.execute("SELECT id FROM activity WHERE uid = ?", (a["uid"],)).fetchone()
        if local is None:
            activity_id = _insert_activity(tx, a, keep_ids=keep_ids)
            _link(tx, activity_id, a, ksb_ids)
            archive_files.link_rows(tx, activity_id, a, keep_ids=keep_ids, new=True)
            entries = history_by_uid.get(a["uid"], [])
            for entry in entries:
                _insert_history(tx, activity_id, entry, renames, keep_ids=keep_ids)
            summary.history_entries += len(entries)
            if not entries:
                without_history.append(activity_id)
            summary.activities_added.append(a["title"])
            continue
        activity_id = local[0]
        wanted = {key: a[key] for key in SNAPSHOT_FIELDS if key != "deleted"}
        wanted["deleted"] = a["deleted_at"] is not None
        if not diff(history_store.snapshot(tx.conn, activity_id), wanted):
            summary.activities_unchanged += 1
            continue
        _replace_activity(tx, activity_id, a)
        _link(tx, activity_id, a, ksb_ids)
        archive_files.link_rows(tx, activity_id, a, keep_ids=keep_ids, new=False)
        history_store.record(tx, activity_id, "imported")
        summary.activities_replaced.append(a["title"])
    # Only now, so that their new rows cannot take an id the export's history rows keep.
    for activity_id in without_history:
        history_store.record(tx, activity_id, "imported")
    local_uids = {r[0] for r in tx.execute("SELECT uid FROM activity")}
    summary.activities_only_here = len(local_uids - uids_in_archive)


def _renamed(ref: dict, renames: Renames) -> dict:
    new = renames.get((ref["standard"], ref["version"]))
    return {**ref, "standard": new} if new else ref


def _insert_history(
    tx: Transaction, activity_id: int, entry: dict, renames: Renames, *, keep_ids: bool
) -> None:
    snapshot = {
        **entry["snapshot"],
        "ksbs": [_renamed(r, renames) for r in entry["snapshot"]["ksbs"]],
    }
    history_store.insert(
        tx,
        history_store.HistoryEntry(
            activity_id,
            entry["version"],
            entry["action"],
            entry["changed_at"],
            entry["changes"],
            snapshot,
            entry["restored_from"],
            entry["id"] if keep_ids else None,
        ),
    )


def _insert_activity(tx: Transaction, a: dict, *, keep_ids: bool) -> int:
    values = {**a, "id": a["id"] if keep_ids else None}
    cursor = tx.execute(
        f"""INSERT INTO activity ({", ".join(ACTIVITY_COLUMNS)})
            VALUES ({", ".join("?" * len(ACTIVITY_COLUMNS))})""",
        [values[k] for k in ACTIVITY_COLUMNS],
    )
    return cursor.lastrowid


def _replace_activity(tx: Transaction, activity_id: int, a: dict) -> None:
    assignments = ", ".join(f"{k} = ?" for k in ACTIVITY_EDITABLE)
    tx.execute(
        f"""UPDATE activity SET {assignments}, deleted_at = ?, version = version + 1,
                updated_at = ? WHERE id = ?""",
        [*(a[k] for k in ACTIVITY_EDITABLE), a["deleted_at"], utc_now_iso(), activity_id],
    )
    tx.execute("DELETE FROM activity_ksb WHERE activity_id = ?", (activity_id,))
    tx.execute("DELETE FROM activity_tag WHERE activity_id = ?", (activity_id,))


def _link(tx: Transaction, activity_id: int, a: dict, ksb_ids: KsbIds) -> None:
    tx.conn.executemany(
        "INSERT OR IGNORE INTO activity_ksb (activity_id, ksb_id) VALUES (?, ?)",
        [(activity_id, ksb_ids[ksb_key(r)]) for r in a["ksbs"]],
    )
    tx.conn.executemany(
        """INSERT OR IGNORE INTO activity_tag (activity_id, tag_id)
           SELECT ?, id FROM tag WHERE name = ?""",
        [(activity_id, name) for name in a["tags"]],
    )
