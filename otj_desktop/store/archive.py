"""Export everything to one zip of documented JSON, and import such a file back: the front door.

Callers import everything from here (:func:`export_archive`, :func:`read_archive`,
:func:`preview_import`, :func:`apply_import`, :class:`ArchiveError` ...); the work is split by
job into sibling modules, each small enough to read in one go:

* ``archive_format``     the format's names: members and versions, columns, shared types
* ``archive_export``     writing an export
* this module            opening a file from outside: the zip, the manifest, the checksums
* ``archive_fields``     typed, bounded reads of one untrusted JSON object (``Fields``)
* ``archive_validate``   every member checked against the app's rules and each other
* ``archive_activities`` activities and their history: checked, and imported
* ``archive_import``     into the database in one transaction; the preview is the same, rolled back
* ``archive_files``, ``archive_templates``   the format 2 additions (links and attached files;
  templates), each checked, written and imported in its own module

The format is documented in ``docs/export-format.md``. Reading is defensive because the file
comes from outside: :func:`read_archive` checks the zip (member names, sizes, count,
encryption), reads every member with a size cap (a zip bomb is never inflated past the cap),
parses strict JSON, checks the manifest and every checksum, and then validates every record
(``archive_validate``). Anything wrong raises :class:`ArchiveError` with one sentence, before
the database is touched. The zip's limits live here, beside the code that enforces them.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
import zlib
from typing import IO, Any, NoReturn

from otj_desktop.store import archive_files
from otj_desktop.store.archive_export import export_archive, export_bytes
from otj_desktop.store.archive_fields import Fields, is_int
from otj_desktop.store.archive_format import (
    DATA_FILES,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    Archive,
    ArchiveError,
    ImportSummary,
    fail,
)
from otj_desktop.store.archive_import import apply_import, preview_import
from otj_desktop.store.archive_validate import validate

__all__ = [
    "DATA_FILES",
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_TOTAL_BYTES",
    "Archive",
    "ArchiveError",
    "ImportSummary",
    "apply_import",
    "export_archive",
    "export_bytes",
    "preview_import",
    "read_archive",
]

MAX_MEMBERS = 20_000  # the JSON files and the attached files
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # inflated size of one JSON file (years of history fit)
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024  # attached files up to 10 MB each included
MAX_MANIFEST_BYTES = 64 * 1024

_SHA256 = re.compile(r"[0-9a-f]{64}")


def read_archive(source: bytes | IO[bytes]) -> Archive:
    """Open, check and validate an export. Raises :class:`ArchiveError` (one sentence)."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    try:
        with zipfile.ZipFile(source) as archive:
            members = _check_members(archive)
            if MANIFEST not in members:
                fail("This file is not an OTJ Desktop export: it has no manifest.json inside.")
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
                    fail(f"The export is damaged: {name} does not match its checksum.")
                data[name] = _parse_json(raw, name)
    except zipfile.BadZipFile:
        fail("This file is not an OTJ Desktop export: it is not a zip file, or it is damaged.")
    except ArchiveError:
        raise
    except (zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
        # A malformed zip can surface as any of these from the zipfile module.
        fail(f"The export is damaged and cannot be read ({type(exc).__name__}).")
    return validate(manifest, data)


def _check_attachment_member(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], name: str, expected: dict
) -> None:
    """An attached file: there, no larger than an attachment may be, matching its checksum
    (which is its name). Streamed, never held whole."""
    if name not in members:
        fail(f"The export is damaged: {name} is listed but missing.")
    digest = hashlib.sha256()
    size = 0
    with archive.open(members[name]) as handle:
        while chunk := handle.read(1024 * 1024):
            size += len(chunk)
            if size > archive_files.MAX_BYTES:
                fail("An attached file in this export is larger than attachments may be.")
            digest.update(chunk)
    actual = digest.hexdigest()
    if size != expected["bytes"] or actual != expected["sha256"] or actual != name[-64:]:
        fail("The export is damaged: an attached file does not match its checksum.")


def _check_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        fail(f"This file holds {len(infos)} files; an export holds far fewer, so it was refused.")
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        if not _safe_member_name(name):
            fail(
                f"This file contains a file with an unsafe name ({_quote(name)}), "
                "so it was refused."
            )
        if name in members:
            fail(f"This file contains {_quote(name)} twice, so it was refused.")
        if name != MANIFEST and name not in DATA_FILES and not archive_files.member_sha(name):
            fail(f"This file contains {_quote(name)}, which an OTJ Desktop export does not have.")
        if info.flag_bits & 0x1:
            fail("This file is encrypted; OTJ Desktop exports never are.")
        if info.file_size > MAX_MEMBER_BYTES:
            fail(f"{name} in this file is too large to import.")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            fail("The contents of this file are too large to import.")
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
        fail(f"{info.filename} in this file is too large to import.")
    return data


def _parse_json(raw: bytes, name: str) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        fail(f"The export is damaged: {name} is not UTF-8 text.")
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):
        fail(f"The export is damaged: {name} is not valid JSON.")


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"JSON has no {name}")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _check_manifest(manifest: Any) -> dict:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        fail("This file is not an OTJ Desktop export (its manifest names another format).")
    version = manifest.get("format_version")
    if not is_int(version) or version < 1:
        fail("The export is damaged: its format version is missing.")
    if version > FORMAT_VERSION:
        fail(
            f"This export was made by a newer version of OTJ Desktop (format {version}); "
            "update the app to import it."
        )
    check = Fields(manifest, MANIFEST)
    check.text("app_version", max_len=50)
    check.timestamp("exported_at")
    counts = check.mapping("counts")
    if not all(isinstance(k, str) and is_int(v) and v >= 0 for k, v in counts.items()):
        fail("The export is damaged: manifest.json has odd counts.")
    files = check.mapping("files")
    for name, introduced in DATA_FILES.items():
        if introduced <= version and name not in files:
            fail(f"The export is damaged: {name} is missing from its manifest.")
    for name, entry in files.items():
        attached = archive_files.member_sha(str(name))
        if attached and version < archive_files.FORMAT_WITH_FILES:
            fail("The export is damaged: its manifest lists files its format version cannot hold.")
        if name not in DATA_FILES and not attached:
            fail(f"The export is damaged: its manifest lists an unknown file {_quote(str(name))}.")
        if (
            not isinstance(entry, dict)
            or not is_int(entry.get("bytes"))
            or not isinstance(entry.get("sha256"), str)
            or not _SHA256.fullmatch(entry["sha256"])
        ):
            fail(f"The export is damaged: the manifest entry for {name} is incomplete.")
    return manifest
