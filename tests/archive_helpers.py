"""Helpers for export/import tests: a database with a bit of everything, and archive surgery."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import zipfile
from dataclasses import replace
from datetime import date, time
from typing import Any

from otj_desktop.domain.activities import ActivityInput
from otj_desktop.domain.templates import TemplateInput
from otj_desktop.standards.importer import parse_standard
from otj_desktop.store import activities as activity_store
from otj_desktop.store import breaks as breaks_store
from otj_desktop.store import drafts as draft_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.store import templates as template_store
from otj_desktop.store import totals
from otj_desktop.store.db import Database
from otj_desktop.store.migrate import migrate
from tests.conftest import standard_json


def filled_database(folder) -> Database:
    """A new database at the latest schema in ``folder`` (created), filled by :func:`fill`."""
    folder.mkdir(parents=True, exist_ok=True)
    db = Database(folder / "otj.sqlite3")
    migrate(db)
    fill(db)
    return db


def fill(db: Database) -> None:
    """Profile, an official and a hand-made standard, activities edited, deleted, restored."""
    with db.transaction() as tx:
        official = standard_store.add(tx, parse_standard(standard_json())).standard_id
        newer = standard_store.add(
            tx, parse_standard(standard_json("standard_st9999_v1_1.json"))
        ).standard_id
        manual = standard_store.create_manual(tx, title="My own <standard>")
        standard_store.add_ksb(tx, manual, "skill", "Does “things” & more", "Things")
        profile_store.save(
            tx,
            profile_store.Profile(
                name="Sam O’Brien",
                standard_id=official,
                start_date=date(2025, 9, 1),
                practical_end_date=date(2027, 2, 28),
                weekly_contracted_hours=37.5,
                working_days_per_week=5,
                planned_otj_hours=420,
                rpl_hours=12.5,
                weekly_target_hours=6,
                training_target_hours=40,
                plan_minimum_hours=400,
            ),
        )
        breaks_store.add(tx, date(2026, 3, 2), date(2026, 3, 29), "Illness – “flu”")
    with db.connection() as conn:
        k = {x.code: x.id for x in standard_store.ksbs(conn, official)}
        k_new = {x.code: x.id for x in standard_store.ksbs(conn, newer)}
    entries = [
        ActivityInput(
            title="Widget safety <course>",
            activity_date=date(2026, 1, 12),
            duration_minutes=210,
            activity_type="training_course",
            start_time=time(9, 0),
            end_time=time(12, 30),
            description="Learned lock-out;\napplied it on line 2. ✓ 'quotes' \"double\"",
            notes="Private\tnote",
            delivered_by="Acme Training",
            location="Leeds",
            hours_basis="toil",
            evidence_quality="review_ready",
            ksb_ids=(k["K1"], k["S1"]),
            tags=("Safety", "widgets"),
        ),
        ActivityInput(
            title="Reading: tolerances – ±0.1 mm",
            activity_date=date(2026, 1, 13),
            duration_minutes=45,
            activity_type="self_study",
            ksb_ids=(k_new["B1"],),
            tags=("reading",),
        ),
        ActivityInput(
            title="To be deleted",
            activity_date=date(2026, 1, 14),
            duration_minutes=60,
            activity_type="other",
        ),
    ]
    ids = []
    for entry in entries:
        with db.transaction() as tx:
            ids.append(activity_store.create(tx, entry))
    with db.transaction() as tx:
        activity_store.update(
            tx,
            ids[0],
            ActivityInput(**{**entries[0].__dict__, "title": "Widget safety course, day 1"}),
            expected_version=1,
        )
    with db.transaction() as tx:
        activity_store.soft_delete(tx, ids[2])
    with db.transaction() as tx:
        activity_store.soft_delete(tx, ids[1])
    with db.transaction() as tx:
        activity_store.restore(tx, ids[1], expected_version=2)
    with db.transaction() as tx:
        activity_store.restore_version(tx, ids[0], 1, expected_version=2)
    add_evidence_files(db, ids[0])
    add_templates(db, k)


# An image, and a text file that only the history still lists (it was attached, then removed).
EVIDENCE_FILES = {"scan.png": None, "old notes.md": "# Notes\n\nFirst draft – “quoted”\n"}


def add_evidence_files(db: Database, activity_id: int) -> None:
    """Resource links, an attached image, and a file that only the history refers to."""
    from PIL import Image

    from otj_desktop.domain.resource_links import ResourceLink
    from otj_desktop.store import attachments as attachment_store
    from otj_desktop.store.attachment_files import AttachmentFiles

    png = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(png, "PNG")
    contents = {"scan.png": png.getvalue(), "old notes.md": EVIDENCE_FILES["old notes.md"].encode()}
    files = AttachmentFiles(db.path.parent)
    with db.connection() as conn:
        current = activity_store.get(conn, activity_id)
        data, _missing = activity_store.input_from_snapshot(
            conn, history_store_snapshot(conn, activity_id)
        )
    links = (
        ResourceLink("capture", "Keep note", "https://keep.google.com/#NOTE/1", "google_keep"),
        ResourceLink(
            "engage",
            "PR <review>",
            "https://github.com/acme/widgets/pull/7",
            "github",
            "Asked for a “review”",
        ),
    )
    with db.transaction() as tx:
        activity_store.update(
            tx, activity_id, replace(data, resource_links=links), expected_version=current.version
        )
    new = []
    for name, data_bytes in contents.items():
        staged = files.stage(io.BytesIO(data_bytes))
        files.keep(staged)
        kind = "image/png" if name.endswith(".png") else "text/markdown"
        new.append(attachment_store.NewFile(staged.sha256, name, kind, staged.size))
    with db.transaction() as tx:
        attachment_store.attach(tx, activity_id, new)
    with db.connection() as conn:
        second = [
            a for a in activity_store.get(conn, activity_id).attachments if a.name != "scan.png"
        ]
    with db.transaction() as tx:
        attachment_store.remove(tx, activity_id, second[0].id)


def history_store_snapshot(conn, activity_id: int):
    from otj_desktop.store import history as history_store

    return history_store.snapshot(conn, activity_id)


def add_templates(db: Database, k: dict[str, int]) -> None:
    """A plain template and a recurring one that made three Monday drafts: one confirmed, one
    deleted, one still waiting."""
    plain = TemplateInput(
        name="Safety <refresher>",
        title="Safety refresher “annual”",
        activity_type="training_course",
        duration_minutes=90,
        delivered_by="Acme",
        evidence_quality="good",
        ksb_ids=(k["K1"], k["S1"]),
        tags=("Safety",),
    )
    weekly = TemplateInput(
        name="Weekly mentoring",
        title="Mentoring with Priya",
        activity_type="mentoring",
        duration_minutes=60,
        location="Office",
        ksb_ids=(k["B1"],),
        tags=("mentoring",),
        weekday=0,
        active=True,
        start_date=date(2026, 1, 5),
    )
    with db.transaction() as tx:
        template_store.create(tx, plain, today=date(2026, 1, 1))
        template_store.create(tx, weekly, today=date(2026, 1, 1))
    with db.transaction() as tx:
        made = draft_store.make_due_drafts(tx, date(2026, 1, 20))
    with db.transaction() as tx:
        activity_store.confirm(tx, made[0].activity_id, expected_version=1)
        activity_store.soft_delete(tx, made[1].activity_id)


DERIVED_TABLES = ("setting", *totals.EXPECTED)


def all_rows(db: Database, *, skip: tuple[str, ...] = DERIVED_TABLES) -> dict[str, list[tuple]]:
    """Every row of every ordinary table (bar ``skip``), as plain tuples in a stable order.

    Left out by default: settings (per computer), the running totals (derived from the rows;
    :func:`integrity_ok` checks them against the rows instead, since a total may linger at
    zero in one database and be absent in another) and the full-text index (its pages depend
    on the order rows were indexed in).
    """
    with db.connection() as conn:
        tables = [
            r[1]
            for r in conn.execute("PRAGMA table_list")
            if r[0] == "main" and r[2] == "table" and not r[1].startswith("sqlite_")
        ]
        return {
            t: sorted((tuple(r) for r in conn.execute(f'SELECT * FROM "{t}"')), key=repr)
            for t in tables
            if t not in skip
        }


def unpack(data: bytes) -> dict[str, Any]:
    """An export's files, parsed (attached files as their bytes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: archive.read(name)
            if name.startswith("attachments/")
            else json.loads(archive.read(name))
            for name in archive.namelist()
        }


def repack(files: dict[str, Any], *, fix_manifest: bool = True) -> bytes:
    """Zip ``files`` (values are JSON-able or raw bytes), refreshing the manifest's checksums."""
    encoded = {
        name: value
        if isinstance(value, bytes)
        else json.dumps(value, ensure_ascii=False).encode("utf-8")
        for name, value in files.items()
        if name != "manifest.json"
    }
    manifest = files.get("manifest.json")
    if fix_manifest and isinstance(manifest, dict) and isinstance(manifest.get("files"), dict):
        manifest = {
            **manifest,
            "files": {
                name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                for name, data in encoded.items()
                if name in manifest["files"]
            },
        }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if manifest is not None:
            archive.writestr(
                "manifest.json",
                manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode(),
            )
        for name, data in encoded.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def fingerprint(db: Database) -> str:
    """A hash of every row of every table: equal before and after means nothing changed."""
    return hashlib.sha256(repr(all_rows(db, skip=())).encode()).hexdigest()


def integrity_ok(db: Database) -> bool:
    with db.connection() as conn:
        return (
            conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            and not conn.execute("PRAGMA foreign_key_check").fetchall()
            and not totals.differences(conn)
        )


def export(db: Database) -> bytes:
    from otj_desktop.store.archive import export_bytes

    with db.connection() as conn:
        return export_bytes(conn)


def connect(db: Database) -> sqlite3.Connection:
    return db.connect()


FORMAT_2_FIELDS = ("status", "resource_links", "attachments")


def as_format_1(files: dict) -> dict:
    """An export as an app before format 2 wrote it: no templates or drafts, no resource links,
    no attachments (and no ``attachments/`` members)."""
    files = {
        name: json.loads(json.dumps(value))
        for name, value in files.items()
        if not name.startswith("attachments/") and name != "templates.json"
    }
    manifest = files["manifest.json"]
    manifest["format_version"] = 1
    manifest["files"] = {
        name: entry
        for name, entry in manifest["files"].items()
        if "/" not in name and name != "templates.json"
    }
    for key in ("templates", "resource_links", "attachments", "attachment_files"):
        manifest["counts"].pop(key, None)
    activities = [a for a in files["activities.json"]["activities"] if a["status"] == "confirmed"]
    for a in activities:
        for key in FORMAT_2_FIELDS:
            del a[key]
    keep = {a["uid"] for a in activities}
    files["activities.json"]["activities"] = activities
    history = [h for h in files["history.json"]["history"] if h["activity"] in keep]
    for h in history:
        for key in FORMAT_2_FIELDS:
            h["snapshot"].pop(key, None)
            h["changes"].pop(key, None)
    files["history.json"]["history"] = history
    counts = manifest["counts"]
    counts["activities"] = len(activities)
    counts["deleted_activities"] = sum(1 for a in activities if a["deleted_at"])
    counts["history"] = len(history)
    return files
