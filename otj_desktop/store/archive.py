"""Export everything to one zip of documented JSON, and import such a file back.

The format is documented in ``docs/export-format.md``: a ``manifest.json`` (format name and
version, app version, export time, counts, and a SHA-256 for every data file) plus one JSON file
per kind of data. KSBs are named by standard reference, version and code, activities by a uid,
so an export means the same thing in any database.

Reading is defensive because the file comes from outside: :func:`read_archive` checks the zip
(member names, sizes, count, encryption), reads every member with a size cap (a zip bomb is
never inflated past the cap), parses strict JSON, checks checksums and counts, and validates
every record against the same rules the app's forms apply. Anything wrong raises
:class:`ArchiveError` with one sentence, before the database is touched.

Importing (:func:`apply_import`) runs on one transaction: into an empty database it reproduces
the exported data exactly (ids included); into a database with data it adds what is new,
replaces activities with the same uid whose content differs (the replaced version stays in the
activity's history), keeps everything else, and replaces the profile. :func:`preview_import`
runs the very same code and rolls it back, so the preview shows exactly what will happen.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import sqlite3
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, NoReturn

from otj_desktop import __version__
from otj_desktop.domain import activities as rules
from otj_desktop.domain.activity_types import activity_type
from otj_desktop.domain.dates import utc_now_iso
from otj_desktop.domain.history import FIELD_LABELS, SNAPSHOT_FIELDS, diff, ksb_key
from otj_desktop.domain.targets import BREAK_REASON_MAX
from otj_desktop.standards.importer import SOURCES
from otj_desktop.store import archive_files, archive_templates
from otj_desktop.store import history as history_store
from otj_desktop.store.attachment_files import folder_of
from otj_desktop.store.db import Database, Transaction

FORMAT = "otj-desktop-export"
# 2: resource links, attachments and their files (store/archive_files.py), templates
# (store/archive_templates.py) and each activity's draft/confirmed status.
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
# Each data file, and the format version that introduced it. A file is required in archives of
# that format version or later; a later feature adds its file here and bumps FORMAT_VERSION.
DATA_FILES: dict[str, int] = {
    "profile.json": 1,
    "standards.json": 1,
    "tags.json": 1,
    "activities.json": 1,
    "history.json": 1,
    "breaks.json": 1,
    "templates.json": 2,  # store/archive_templates.py
}

MAX_MEMBERS = 20_000  # the JSON files and the attached files
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # inflated size of one JSON file (years of history fit)
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024  # attached files up to 10 MB each included
MAX_MANIFEST_BYTES = 64 * 1024
MAX_LIST_ITEMS = 1_000_000

_UID = re.compile(r"[0-9a-f]{32}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Characters the app never stores: in one-line fields (titles, names, tags) any control
# character or line break; in free text (description, notes) anything but tabs and newlines.
_BAD_IN_LINE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_BAD_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_ACTIONS = ("baseline", "created", "updated", "deleted", "restored", "reverted", "imported")


class ArchiveError(ValueError):
    """The file cannot be imported; the message is one sentence saying why. Nothing changed."""


def _fail(message: str) -> NoReturn:
    raise ArchiveError(message)


# --- exporting ---------------------------------------------------------------------------------


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
        files = {
            "profile.json": _export_profile(conn),
            "standards.json": {"standards": _export_standards(conn)},
            "tags.json": {"tags": _export_tags(conn)},
            "activities.json": {"activities": _export_activities(conn)},
            "history.json": {"history": _export_history(conn)},
            "breaks.json": {"breaks": _export_breaks(conn)},
            "templates.json": {"templates": archive_templates.export_templates(conn)},
        }
        schema = conn.execute("PRAGMA user_version").fetchone()[0]
        stored = archive_files.files_to_export(conn, folder)
        types = archive_files.media_types(conn)
    finally:
        conn.execute("COMMIT")
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
        "counts": {**_counts(files), "attachment_files": len(attached)},
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
    buffer = io.BytesIO()
    export_archive(conn, buffer, now=now)
    return buffer.getvalue()


def _encode(value: Any) -> bytes:
    # No indent: Python's JSON encoder is only the fast C one without it (10x for years of data).
    return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")


def _counts(files: dict[str, Any]) -> dict[str, int]:
    standards = files["standards.json"]["standards"]
    activities = files["activities.json"]["activities"]
    return {
        "standards": len(standards),
        "ksbs": sum(len(s["ksbs"]) for s in standards),
        "tags": len(files["tags.json"]["tags"]),
        "activities": len(activities),
        "deleted_activities": sum(1 for a in activities if a["deleted_at"]),
        "history": len(files["history.json"]["history"]),
        "breaks": len(files["breaks.json"]["breaks"]),
        "resource_links": sum(len(a["resource_links"]) for a in activities),
        "attachments": sum(len(a["attachments"]) for a in activities),
        "templates": len(files.get("templates.json", {}).get("templates", [])),
    }


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
        **{key: row[key] for key in _PROFILE_VALUES},
        "updated_at": row["updated_at"],
    }


_PROFILE_VALUES = (
    "start_date",
    "practical_end_date",
    "weekly_contracted_hours",
    "working_days_per_week",
    "planned_otj_hours",
    "rpl_hours",
    "weekly_target_hours",
    "training_target_hours",
    "plan_minimum_hours",
)
_BREAK_COLUMNS = ("id", "start_date", "end_date", "reason", "created_at")
_STANDARD_COLUMNS = (
    "id",
    "reference",
    "title",
    "level",
    "version",
    "typical_duration_months",
    "minimum_hours",
    "source",
    "source_note",
    "created_at",
    "updated_at",
)
_KSB_COLUMNS = ("id", "category", "code", "position", "title", "statement", "official_id")
_ACTIVITY_COLUMNS = (
    "id",
    "uid",
    "title",
    "activity_date",
    "start_time",
    "end_time",
    "duration_minutes",
    "activity_type",
    "description",
    "notes",
    "delivered_by",
    "location",
    "hours_basis",
    "evidence_quality",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
    "status",  # format 2: "confirmed" or "draft"
)


def _export_breaks(conn: sqlite3.Connection) -> list[dict]:
    rows = conn.execute(f"SELECT {', '.join(_BREAK_COLUMNS)} FROM learning_break ORDER BY id")
    return [dict(zip(_BREAK_COLUMNS, row, strict=True)) for row in rows]


def _export_standards(conn: sqlite3.Connection) -> list[dict]:
    standards = []
    for row in conn.execute(f"SELECT {', '.join(_STANDARD_COLUMNS)} FROM standard ORDER BY id"):
        item = dict(zip(_STANDARD_COLUMNS, row, strict=True))
        item["ksbs"] = [
            dict(zip(_KSB_COLUMNS, k, strict=True))
            for k in conn.execute(
                f"SELECT {', '.join(_KSB_COLUMNS)} FROM ksb WHERE standard_id = ? ORDER BY id",
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
    rows = conn.execute(f"SELECT {', '.join(_ACTIVITY_COLUMNS)} FROM activity ORDER BY id")
    for row in rows.fetchall():
        item = dict(zip(_ACTIVITY_COLUMNS, row, strict=True))
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


# --- reading (untrusted input) -----------------------------------------------------------------


@dataclass
class Archive:
    """A checked export, ready to import."""

    manifest: dict
    profile: dict
    standards: list[dict]
    tags: list[dict]
    activities: list[dict]
    history: list[dict]
    breaks: list[dict]
    attachment_files: dict[str, int] = field(default_factory=dict)  # sha256 -> size in bytes
    templates: list[dict] = field(default_factory=list)  # format 2

    @property
    def exported_at(self) -> str:
        return self.manifest["exported_at"]


def read_archive(source: bytes | IO[bytes]) -> Archive:
    """Open, check and validate an export. Raises :class:`ArchiveError` (one sentence)."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    try:
        with zipfile.ZipFile(source) as archive:
            members = _check_members(archive)
            if MANIFEST not in members:
                _fail("This file is not an OTJ Desktop export: it has no manifest.json inside.")
            manifest = _check_manifest(
                _parse_json(_read(archive, members[MANIFEST], MAX_MANIFEST_BYTES), MANIFEST)
            )
            data = {}
            for name, expected in manifest["files"].items():
                if archive_files.member_sha(name):
                    _check_attachment_member(archive, members, name, expected)
                    continue
                raw = _read(archive, members[name], MAX_MEMBER_BYTES)
                if (
                    len(raw) != expected["bytes"]
                    or hashlib.sha256(raw).hexdigest() != expected["sha256"]
                ):
                    _fail(f"The export is damaged: {name} does not match its checksum.")
                data[name] = _parse_json(raw, name)
    except zipfile.BadZipFile:
        _fail("This file is not an OTJ Desktop export: it is not a zip file, or it is damaged.")
    except ArchiveError:
        raise
    except (zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
        # A malformed zip can surface as any of these from the zipfile module.
        _fail(f"The export is damaged and cannot be read ({type(exc).__name__}).")
    return _validate(manifest, data)


def _check_attachment_member(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], name: str, expected: dict
) -> None:
    """An attached file: there, no larger than an attachment may be, matching its checksum
    (which is its name). Streamed, never held whole."""
    if name not in members:
        _fail(f"The export is damaged: {name} is listed but missing.")
    digest = hashlib.sha256()
    size = 0
    with archive.open(members[name]) as handle:
        while chunk := handle.read(1024 * 1024):
            size += len(chunk)
            if size > archive_files.MAX_BYTES:
                _fail("An attached file in this export is larger than attachments may be.")
            digest.update(chunk)
    actual = digest.hexdigest()
    if size != expected["bytes"] or actual != expected["sha256"] or actual != name[-64:]:
        _fail("The export is damaged: an attached file does not match its checksum.")


def _check_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        _fail(f"This file holds {len(infos)} files; an export holds far fewer, so it was refused.")
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        if not _safe_member_name(name):
            _fail(
                f"This file contains a file with an unsafe name ({_quote(name)}), "
                "so it was refused."
            )
        if name in members:
            _fail(f"This file contains {_quote(name)} twice, so it was refused.")
        if name != MANIFEST and name not in DATA_FILES and not archive_files.member_sha(name):
            _fail(f"This file contains {_quote(name)}, which an OTJ Desktop export does not have.")
        if info.flag_bits & 0x1:
            _fail("This file is encrypted; OTJ Desktop exports never are.")
        if info.file_size > MAX_MEMBER_BYTES:
            _fail(f"{name} in this file is too large to import.")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            _fail("The contents of this file are too large to import.")
        members[name] = info
    return members


def _safe_member_name(name: str) -> bool:
    """Plain relative names only: no absolute paths, drive letters, ``..``, backslashes or
    control characters (nothing is extracted to disk, but such names are never honest)."""
    if not name or len(name) > 255 or name.startswith("/") or "\\" in name or ":" in name:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _quote(name: str) -> str:
    shown = "".join(c if c.isprintable() else "?" for c in name[:60])
    return f"“{shown}{'…' if len(name) > 60 else ''}”"


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes, never inflating more than ``limit`` (the declared size can lie)."""
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        _fail(f"{info.filename} in this file is too large to import.")
    return data


def _parse_json(raw: bytes, name: str) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        _fail(f"The export is damaged: {name} is not UTF-8 text.")
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):
        _fail(f"The export is damaged: {name} is not valid JSON.")


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"JSON has no {name}")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _check_manifest(manifest: Any) -> dict:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        _fail("This file is not an OTJ Desktop export (its manifest names another format).")
    version = manifest.get("format_version")
    if not _is_int(version) or version < 1:
        _fail("The export is damaged: its format version is missing.")
    if version > FORMAT_VERSION:
        _fail(
            f"This export was made by a newer version of OTJ Desktop (format {version}); "
            "update the app to import it."
        )
    check = _Fields(manifest, "manifest.json")
    check.text("app_version", max_len=50)
    check.timestamp("exported_at")
    counts = check.mapping("counts")
    if not all(isinstance(k, str) and _is_int(v) and v >= 0 for k, v in counts.items()):
        _fail("The export is damaged: manifest.json has odd counts.")
    files = check.mapping("files")
    for name, introduced in DATA_FILES.items():
        if introduced <= version and name not in files:
            _fail(f"The export is damaged: {name} is missing from its manifest.")
    for name, entry in files.items():
        attached = archive_files.member_sha(str(name))
        if attached and version < archive_files.FORMAT_WITH_FILES:
            _fail("The export is damaged: its manifest lists files its format version cannot hold.")
        if name not in DATA_FILES and not attached:
            _fail(f"The export is damaged: its manifest lists an unknown file {_quote(str(name))}.")
        if (
            not isinstance(entry, dict)
            or not _is_int(entry.get("bytes"))
            or not isinstance(entry.get("sha256"), str)
            or not _SHA256.fullmatch(entry["sha256"])
        ):
            _fail(f"The export is damaged: the manifest entry for {name} is incomplete.")
    return manifest


def _validate(manifest: dict, data: dict[str, Any]) -> Archive:
    for name in manifest["files"]:
        if name not in data and not archive_files.member_sha(name):  # files: checked as read
            _fail(f"The export is damaged: {name} is listed but missing.")
    standards = _validate_standards(_section(data, "standards.json", "standards"))
    known_ksbs = {(s["reference"], s["version"], k["code"]) for s in standards for k in s["ksbs"]}
    profile = _validate_profile(
        data["profile.json"], {(s["reference"], s["version"]) for s in standards}
    )
    tags = _validate_tags(_section(data, "tags.json", "tags"))
    with_files = manifest["format_version"] >= archive_files.FORMAT_WITH_FILES
    activities = _validate_activities(
        _section(data, "activities.json", "activities"),
        known_ksbs,
        with_files=with_files,
        with_status=manifest["format_version"] >= 2,
    )
    history = _validate_history(
        _section(data, "history.json", "history"), {a["uid"] for a in activities}
    )
    breaks = _validate_breaks(_section(data, "breaks.json", "breaks"))
    attached = {
        sha256: entry["bytes"]
        for name, entry in manifest["files"].items()
        if (sha256 := archive_files.member_sha(name))
    }
    archive_files.check_files(activities, history, attached, _fail)
    templates = (
        archive_templates.validate_templates(
            _section(data, "templates.json", "templates"), {a["uid"] for a in activities}
        )
        if "templates.json" in data
        else []
    )
    archive = Archive(
        manifest,
        profile,
        standards,
        tags,
        activities,
        history,
        breaks,
        attachment_files=attached,
        templates=templates,
    )
    counts = _counts(
        {
            "standards.json": {"standards": standards},
            "tags.json": {"tags": tags},
            "activities.json": {"activities": activities},
            "history.json": {"history": history},
            "breaks.json": {"breaks": breaks},
            "templates.json": {"templates": templates},
        }
    )
    counts["attachment_files"] = len(attached)
    for key, value in manifest["counts"].items():
        if key in counts and counts[key] != value:
            _fail(f"The export is damaged: it should hold {value} {key} but holds {counts[key]}.")
    return archive


def _section(data: dict[str, Any], name: str, key: str) -> list:
    value = data[name]
    if not isinstance(value, dict) or not isinstance(value.get(key), list):
        _fail(f"The export is damaged: {name} should hold a list called “{key}”.")
    if len(value[key]) > MAX_LIST_ITEMS:
        _fail(f"The export is damaged: {name} holds too many items.")
    return value[key]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Fields:
    """Typed reads from one untrusted JSON object, failing with where and what was wrong."""

    def __init__(self, obj: Any, where: str) -> None:
        if not isinstance(obj, dict):
            _fail(f"The export is damaged: {where} is not an object.")
        self.obj = obj
        self.where = where

    def fail(self, key: str, problem: str) -> NoReturn:
        _fail(f"The export can't be imported: {self.where}, “{key}” {problem}.")

    def raw(self, key: str) -> Any:
        if key not in self.obj:
            self.fail(key, "is missing")
        return self.obj[key]

    def text(
        self,
        key: str,
        *,
        max_len: int,
        nullable: bool = False,
        allow_empty: bool = True,
        line: bool = False,
    ) -> str | None:
        """Text up to ``max_len``; ``line`` for one-line fields (no line breaks at all)."""
        value = self.raw(key)
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            self.fail(key, "should be text")
        if not value.strip() and not allow_empty:
            self.fail(key, "is empty")
        if len(value) > max_len:
            self.fail(key, f"is longer than {max_len:,} characters")
        if (_BAD_IN_LINE if line else _BAD_IN_TEXT).search(value):
            self.fail(key, "holds control characters the app never writes")
        return value

    def integer(self, key: str, low: int, high: int, *, nullable: bool = False) -> int | None:
        value = self.raw(key)
        if value is None and nullable:
            return None
        if not _is_int(value) or not low <= value <= high:
            self.fail(key, f"should be a whole number from {low} to {high}")
        return value

    def number(self, key: str, low: float, high: float) -> float | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.fail(key, "should be a number")
        if not math.isfinite(value) or not low <= value <= high:
            self.fail(key, f"should be a number from {low:g} to {high:g}")
        return value

    def choice(self, key: str, options) -> str:
        value = self.raw(key)
        if not isinstance(value, str) or value not in options:
            self.fail(key, "is not one of the values the app knows")
        return value

    def date(self, key: str, *, nullable: bool = False) -> str | None:
        value = self.raw(key)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            self.fail(key, "should be a date like 2026-11-27")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(key, "is not a real date")
        if day < rules.EARLIEST_DATE:
            self.fail(key, "is before 1990")
        return value

    def time(self, key: str) -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, str) or not _TIME.fullmatch(value):
            self.fail(key, "should be a time like 09:30")
        try:
            datetime.strptime(value, "%H:%M")
        except ValueError:
            self.fail(key, "is not a real time")
        return value

    def timestamp(self, key: str, *, nullable: bool = False) -> str | None:
        value = self.raw(key)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
            self.fail(key, "should be a time like 2026-11-27T09:30:00Z")
        try:
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            self.fail(key, "is not a real time")
        return value

    def boolean(self, key: str) -> bool:
        value = self.raw(key)
        if not isinstance(value, bool):
            self.fail(key, "should be true or false")
        return value

    def mapping(self, key: str) -> dict:
        value = self.raw(key)
        if not isinstance(value, dict):
            self.fail(key, "should be an object")
        return value

    def items(self, key: str, max_items: int) -> list:
        value = self.raw(key)
        if not isinstance(value, list):
            self.fail(key, "should be a list")
        if len(value) > max_items:
            self.fail(key, f"has more than {max_items} items")
        return value


def _validate_standards(items: list) -> list[dict]:
    out, seen, ksb_ids = [], set(), set()
    for i, item in enumerate(items, 1):
        f = _Fields(item, f"standards.json, standard {i}")
        s = {
            "id": f.integer("id", 1, 2**62),
            "reference": f.text("reference", max_len=50, allow_empty=False),
            "title": f.text("title", max_len=300, allow_empty=False),
            "level": f.integer("level", 1, 8, nullable=True),
            "version": f.text("version", max_len=20, allow_empty=False),
            "typical_duration_months": f.integer("typical_duration_months", 1, 240, nullable=True),
            "minimum_hours": f.number("minimum_hours", 0, 100_000),
            "source": f.choice("source", SOURCES),
            "source_note": f.text("source_note", max_len=2000, nullable=True),
            "created_at": f.timestamp("created_at"),
            "updated_at": f.timestamp("updated_at"),
        }
        key = (s["reference"], s["version"])
        if key in seen or s["id"] in {o["id"] for o in out}:
            f.fail("reference", "appears twice")
        seen.add(key)
        s["ksbs"] = _validate_ksbs(f.items("ksbs", 2000), f.where, ksb_ids)
        out.append(s)
    return out


def _validate_ksbs(items: list, where: str, ids: set[int]) -> list[dict]:
    """A standard's KSBs; ``ids`` collects KSB ids across all standards (they must differ)."""
    out, codes = [], set()
    prefixes = {"knowledge": "K", "skill": "S", "behaviour": "B"}
    for i, item in enumerate(items, 1):
        f = _Fields(item, f"{where}, KSB {i}")
        category = f.choice("category", prefixes)
        k = {
            "id": f.integer("id", 1, 2**62),
            "category": category,
            "code": f.text("code", max_len=10, allow_empty=False),
            "position": f.integer("position", 1, 10_000),
            "title": f.text("title", max_len=300, nullable=True),
            "statement": f.text("statement", max_len=5000, allow_empty=False),
            "official_id": f.text("official_id", max_len=100, nullable=True),
        }
        if not re.fullmatch(rf"{prefixes[category]}\d{{1,4}}", k["code"]) or k["code"] in codes:
            f.fail("code", "is not a code like K1 for its category, or appears twice")
        if k["id"] in ids:
            f.fail("id", "appears twice")
        codes.add(k["code"])
        ids.add(k["id"])
        out.append(k)
    return out


def _validate_profile(item: Any, standards: set[tuple[str, str]]) -> dict:
    f = _Fields(item, "profile.json")
    standard = f.raw("standard")
    if standard is not None:
        ref = _Fields(standard, "profile.json, standard")
        key = (ref.text("reference", max_len=50), ref.text("version", max_len=20))
        if key not in standards:
            f.fail("standard", "names a standard that is not in the export")
        standard = {"reference": key[0], "version": key[1]}
    return {
        "name": f.text("name", max_len=200, line=True),
        "standard": standard,
        "start_date": f.date("start_date", nullable=True),
        "practical_end_date": f.date("practical_end_date", nullable=True),
        "weekly_contracted_hours": f.number("weekly_contracted_hours", 0, 168),
        "working_days_per_week": f.number("working_days_per_week", 0, 7),
        "planned_otj_hours": f.number("planned_otj_hours", 0, 100_000),
        "rpl_hours": f.number("rpl_hours", 0, 100_000) or 0.0,
        "weekly_target_hours": f.number("weekly_target_hours", 0, 168),
        "training_target_hours": f.number("training_target_hours", 0, 100_000),
        "plan_minimum_hours": f.number("plan_minimum_hours", 0, 100_000),
        "updated_at": f.timestamp("updated_at"),
    }


def _validate_breaks(items: list) -> list[dict]:
    out, ids = [], set()
    for i, item in enumerate(items, 1):
        f = _Fields(item, f"breaks.json, break {i}")
        entry = {
            "id": f.integer("id", 1, 2**62),
            "start_date": f.date("start_date"),
            "end_date": f.date("end_date"),
            "reason": f.text("reason", max_len=BREAK_REASON_MAX, line=True),
            "created_at": f.timestamp("created_at"),
        }
        if entry["end_date"] < entry["start_date"]:
            f.fail("end_date", "is before its start")
        if entry["id"] in ids:
            f.fail("id", "appears twice")
        ids.add(entry["id"])
        out.append(entry)
    return out


def _validate_tags(items: list) -> list[dict]:
    out, names, ids = [], set(), set()
    for i, item in enumerate(items, 1):
        f = _Fields(item, f"tags.json, tag {i}")
        tag = {"id": f.integer("id", 1, 2**62), "name": f.raw("name")}
        if not _is_tag_name(tag["name"]):
            f.fail("name", "is not a tag name the app could have made")
        if tag["name"].casefold() in names or tag["id"] in ids:
            f.fail("name", "appears twice")
        names.add(tag["name"].casefold())
        ids.add(tag["id"])
        out.append(tag)
    return out


def _activity_fields(f: _Fields) -> dict:
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
    values["ksbs"] = _ksb_refs(f)
    values["tags"] = _tag_names(f)
    return values


def _ksb_refs(f: _Fields) -> list[dict]:
    refs, seen = [], set()
    for i, item in enumerate(f.items("ksbs", 2000), 1):
        ref = _Fields(item, f"{f.where}, KSB link {i}")
        key = (
            ref.text("standard", max_len=50, allow_empty=False, line=True),
            ref.text("version", max_len=20, allow_empty=False, line=True),
            ref.text("code", max_len=10, allow_empty=False, line=True),
        )
        if key in seen or len(item) != 3:
            ref.fail("code", "appears twice, or the link has fields the app never records")
        seen.add(key)
        refs.append({"standard": key[0], "version": key[1], "code": key[2]})
    return refs


def _tag_names(f: _Fields) -> list[str]:
    names = f.items("tags", rules.TAGS_PER_ACTIVITY_MAX)
    seen = set()
    for name in names:
        if not _is_tag_name(name) or name.casefold() in seen:
            f.fail("tags", "should be a list of different tag names")
        seen.add(name.casefold())
    return names


def _is_tag_name(name: Any) -> bool:
    """A name the activity form could have made: one line, no commas, not too long."""
    return (
        isinstance(name, str)
        and bool(name.strip())
        and len(name) <= rules.TAG_MAX
        and "," not in name
        and not _BAD_IN_LINE.search(name)
    )


def _validate_activities(
    items: list,
    known_ksbs: set[tuple[str, str, str]],
    *,
    with_files: bool = True,
    with_status: bool = False,
) -> list[dict]:
    out, uids, ids = [], set(), set()
    for i, item in enumerate(items, 1):
        f = _Fields(item, f"activities.json, activity {i}")
        if with_status:
            f.raw("status")  # format 2 files always say whether an activity is a draft
        a = {
            "id": f.integer("id", 1, 2**62),
            "uid": f.text("uid", max_len=32, allow_empty=False),
            **_activity_fields(f),
            **archive_files.validate_fields(f, required=with_files),
            "version": f.integer("version", 1, 2**31),
            "created_at": f.timestamp("created_at"),
            "updated_at": f.timestamp("updated_at"),
            "deleted_at": f.timestamp("deleted_at", nullable=True),
        }
        if not _UID.fullmatch(a["uid"]) or a["uid"] in uids:
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


def _validate_history(items: list, uids: set[str]) -> list[dict]:
    out, seen, ids = [], set(), set()
    for i, item in enumerate(items, 1):
        f = _Fields(item, f"history.json, entry {i}")
        entry = {
            "id": f.integer("id", 1, 2**62),
            "activity": f.text("activity", max_len=32, allow_empty=False),
            "version": f.integer("version", 1, 2**31),
            "action": f.choice("action", _ACTIONS),
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
        snap = _Fields(raw_snapshot, f"{f.where}, snapshot")
        _activity_fields(snap)
        archive_files.validate_fields(snap, required=False, snapshot=True)
        snap.boolean("deleted")
        if not set(raw_snapshot) <= set(SNAPSHOT_FIELDS):
            f.fail("snapshot", "holds fields the app never records")
        # Kept as it came (key order too), so an export re-imported stores the same text.
        entry["snapshot"] = raw_snapshot
        out.append(entry)
    return out


def _validate_changes(f: _Fields) -> dict:
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


@dataclass
class ImportSummary:
    """What an import did (or, as a preview, will do)."""

    into_empty: bool = False
    standards_added: list[str] = field(default_factory=list)
    standards_present: list[str] = field(default_factory=list)
    standards_renamed: list[str] = field(default_factory=list)
    ksbs_added: int = 0
    activities_added: list[str] = field(default_factory=list)
    activities_replaced: list[str] = field(default_factory=list)
    activities_unchanged: int = 0
    activities_only_here: int = 0
    tags_added: list[str] = field(default_factory=list)
    breaks_added: int = 0
    templates_added: list[str] = field(default_factory=list)
    templates_replaced: list[str] = field(default_factory=list)
    history_entries: int = 0
    profile: str = "kept"  # "replaced", "unchanged" or "kept" (the export has no profile set)

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.standards_added
            or self.ksbs_added
            or self.activities_added
            or self.activities_replaced
            or self.tags_added
            or self.breaks_added
            or self.templates_added
            or self.templates_replaced
            or self.profile == "replaced"
        )


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
    ksb_ids = {
        (r[0], r[1], r[2]): r[3]
        for r in conn.execute(
            """SELECT s.reference, s.version, k.code, k.id
               FROM ksb k JOIN standard s ON s.id = k.standard_id"""
        )
    }
    _import_tags(tx, archive, summary, keep_ids=keep_ids)
    _import_activities(tx, archive, summary, renames, ksb_ids, keep_ids=keep_ids)
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


Renames = dict[tuple[str, str], str]  # (reference, version) in the export -> reference here


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
    values = {**{k: s[k] for k in _STANDARD_COLUMNS}, "reference": reference}
    if not keep_ids:
        values["id"] = None
    cursor = tx.execute(
        f"""INSERT INTO standard ({", ".join(_STANDARD_COLUMNS)})
            VALUES ({", ".join("?" * len(_STANDARD_COLUMNS))})""",
        [values[k] for k in _STANDARD_COLUMNS],
    )
    return cursor.lastrowid


def _merge_ksbs(tx: Transaction, standard_id: int, ksbs: list[dict], *, keep_ids: bool) -> int:
    """Add the export's KSBs that this standard lacks (by code); returns how many."""
    have = {r[0] for r in tx.execute("SELECT code FROM ksb WHERE standard_id = ?", (standard_id,))}
    added = 0
    for k in ksbs:
        if k["code"] in have:
            continue
        tx.execute(
            """INSERT INTO ksb (id, standard_id, category, code, position, title, statement,
                                official_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                k["id"] if keep_ids else None,
                standard_id,
                k["category"],
                k["code"],
                k["position"],
                k["title"],
                k["statement"],
                k["official_id"],
            ),
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


def _renamed(ref: dict, renames: Renames) -> dict:
    new = renames.get((ref["standard"], ref["version"]))
    return {**ref, "standard": new} if new else ref


def _import_activities(
    tx: Transaction,
    archive: Archive,
    summary: ImportSummary,
    renames: Renames,
    ksb_ids: dict[tuple[str, str, str], int],
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


_EDITABLE = (
    "title",
    "activity_date",
    "start_time",
    "end_time",
    "duration_minutes",
    "activity_type",
    "description",
    "notes",
    "delivered_by",
    "location",
    "hours_basis",
    "evidence_quality",
    "status",
)


def _insert_activity(tx: Transaction, a: dict, *, keep_ids: bool) -> int:
    values = {**a, "id": a["id"] if keep_ids else None}
    cursor = tx.execute(
        f"""INSERT INTO activity ({", ".join(_ACTIVITY_COLUMNS)})
            VALUES ({", ".join("?" * len(_ACTIVITY_COLUMNS))})""",
        [values[k] for k in _ACTIVITY_COLUMNS],
    )
    return cursor.lastrowid


def _replace_activity(tx: Transaction, activity_id: int, a: dict) -> None:
    assignments = ", ".join(f"{k} = ?" for k in _EDITABLE)
    tx.execute(
        f"""UPDATE activity SET {assignments}, deleted_at = ?, version = version + 1,
                updated_at = ? WHERE id = ?""",
        [*(a[k] for k in _EDITABLE), a["deleted_at"], utc_now_iso(), activity_id],
    )
    tx.execute("DELETE FROM activity_ksb WHERE activity_id = ?", (activity_id,))
    tx.execute("DELETE FROM activity_tag WHERE activity_id = ?", (activity_id,))


def _link(
    tx: Transaction, activity_id: int, a: dict, ksb_ids: dict[tuple[str, str, str], int]
) -> None:
    tx.conn.executemany(
        "INSERT OR IGNORE INTO activity_ksb (activity_id, ksb_id) VALUES (?, ?)",
        [(activity_id, ksb_ids[ksb_key(r)]) for r in a["ksbs"]],
    )
    tx.conn.executemany(
        """INSERT OR IGNORE INTO activity_tag (activity_id, tag_id)
           SELECT ?, id FROM tag WHERE name = ?""",
        [(activity_id, name) for name in a["tags"]],
    )


def _import_breaks(
    tx: Transaction, archive: Archive, summary: ImportSummary, *, keep_ids: bool
) -> None:
    """Add the export's breaks in learning that are not here already (same dates)."""
    have = {(r[0], r[1]) for r in tx.execute("SELECT start_date, end_date FROM learning_break")}
    for b in archive.breaks:
        if (b["start_date"], b["end_date"]) in have:
            continue
        values = [b[k] for k in _BREAK_COLUMNS]
        if not keep_ids:
            values[0] = None
        tx.execute(
            f"""INSERT INTO learning_break ({", ".join(_BREAK_COLUMNS)})
                VALUES ({", ".join("?" * len(_BREAK_COLUMNS))})""",
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
    values = {"name": p["name"], "standard_id": standard_id, **{k: p[k] for k in _PROFILE_VALUES}}
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
