"""Writing an export: the whole database as one zip of documented JSON (:func:`export_archive`).

Everything is read in one read transaction, so every member shows the same moment. Each kind
of data becomes one member (``profile.json``, ``standards.json`` ...; links, attachments and
templates through ``archive_files`` and ``archive_templates``), written compactly; the
``manifest.json`` written first names the format and its version, the app and schema versions,
the export time, the counts, and the size and SHA-256 of every other member, attached files
included (those are streamed from the attachment store, never held whole). KSBs are named by
standard reference, version and code and activities by uid, so an export means the same thing
in any database. The shape of each member is in ``docs/export-format.md``.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from otj_desktop import __version__
from otj_desktop.store import archive_files, archive_templates
from otj_desktop.store import history as history_store
from otj_desktop.store.archive_format import (
    ACTIVITY_COLUMNS,
    BREAK_COLUMNS,
    FORMAT,
    FORMAT_VERSION,
    KSB_COLUMNS,
    MANIFEST,
    PROFILE,
    PROFILE_VALUES,
    STANDARD_COLUMNS,
    counts,
    member,
)
from otj_desktop.store.attachment_files import folder_of


def export_archive(
    conn: sqlite3.Connection,
    out: IO[bytes],
    *,
    now: datetime | None = None,
    attachments: Path | None = None,
) -> dict:
    """Write the whole database as an export zip to ``out``; returns the manifest.

    Attached files come from ``attachments`` (default: the folder beside the database).
    """
    now = now or datetime.now(UTC)
    folder = attachments or folder_of(conn)
    conn.execute("BEGIN")  # one read transaction: every file shows the same moment
    try:
        profile = _export_profile(conn)
        sections = {
            "standards": _export_standards(conn),
            "tags": _export_tags(conn),
            "activities": _export_activities(conn),
            "history": _export_history(conn),
            "breaks": _export_breaks(conn),
            "templates": archive_templates.export_templates(conn),
        }
        schema = conn.execute("PRAGMA user_version").fetchone()[0]
        stored = archive_files.files_to_export(conn, folder)
        types = archive_files.media_types(conn)
    finally:
        conn.execute("COMMIT")
    files = {PROFILE: profile, **{member(key): {key: items} for key, items in sections.items()}}
    encoded = {name: _encode(value) for name, value in files.items()}
    attached = {
        archive_files.PREFIX + sha256: {"bytes": path.stat().st_size, "sha256": sha256}
        for sha256, path in stored.items()
    }
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "schema_version": schema,
        "exported_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "counts": {**counts(sections), "attachment_files": len(attached)},
        "files": {
            **{
                name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                for name, data in encoded.items()
            },
            **attached,
        },
    }
    stamp = now.timetuple()[:6]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [(MANIFEST, _encode(manifest)), *encoded.items()]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
        archive_files.write_members(archive, stored, types, stamp)
    return manifest


def export_bytes(conn: sqlite3.Connection, *, now: datetime | None = None) -> bytes:
    """The export as bytes (tests, benchmarks; the app streams :func:`export_archive`)."""
    buffer = io.BytesIO()
    export_archive(conn, buffer, now=now)
    return buffer.getvalue()


def _encode(value: Any) -> bytes:
    # No indent: Python's JSON encoder is only the fast C one without it (10x for years of data).
    return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")


def _export_profile(conn: sqlite3.Connection) -> dict:
    row = conn.execute(
        """SELECT p.*, s.reference AS standard_reference, s.version AS standard_version
           FROM profile p LEFT JOIN standard s ON s.id = p.standard_id WHERE p.id = 1"""
    ).fetchone()
    standard = (
        {"reference": row["standard_reference"], "version": row["standard_version"]}
        if row["standard_id"] is not None
        else None
    )
    return {
        "name": row["name"],
        "standard": standard,
        **{key: row[key] for key in PROFILE_VALUES},
        "updated_at": row["updated_at"],
    }


def _export_breaks(conn: sqlite3.Connection) -> list[dict]:
    rows = conn.execute(f"SELECT {', '.join(BREAK_COLUMNS)} FROM learning_break ORDER BY id")
    return [dict(zip(BREAK_COLUMNS, row, strict=True)) for row in rows]


def _export_standards(conn: sqlite3.Connection) -> list[dict]:
    standards = []
    for row in conn.execute(f"SELECT {', '.join(STANDARD_COLUMNS)} FROM standard ORDER BY id"):
        item = dict(zip(STANDARD_COLUMNS, row, strict=True))
        item["ksbs"] = [
            dict(zip(KSB_COLUMNS, k, strict=True))
            for k in conn.execute(
                f"SELECT {', '.join(KSB_COLUMNS)} FROM ksb WHERE standard_id = ? ORDER BY id",
                (row[0],),
            )
        ]
        standards.append(item)
    return standards


def _export_tags(conn: sqlite3.Connection) -> list[dict]:
    return [
        {"id": r[0], "name": r[1]} for r in conn.execute("SELECT id, name FROM tag ORDER BY id")
    ]


def _export_activities(conn: sqlite3.Connection) -> list[dict]:
    items = []
    rows = conn.execute(f"SELECT {', '.join(ACTIVITY_COLUMNS)} FROM activity ORDER BY id")
    for row in rows.fetchall():
        item = dict(zip(ACTIVITY_COLUMNS, row, strict=True))
        snap = history_store.snapshot(conn, item["id"])
        item["ksbs"] = snap["ksbs"]
        item["tags"] = snap["tags"]
        item.update(archive_files.export_fields(conn, item["id"]))
        items.append(item)
    return items


def _export_history(conn: sqlite3.Connection) -> list[dict]:
    uids = dict(conn.execute("SELECT id, uid FROM activity").fetchall())
    return [
        {
            "id": e.id,
            "activity": uids[e.activity_id],
            "version": e.version,
            "action": e.action,
            "changed_at": e.changed_at,
            "changes": e.changes,
            "snapshot": e.snapshot,
            "restored_from": e.restored_from,
        }
        for e in history_store.all_entries(conn)
    ]
