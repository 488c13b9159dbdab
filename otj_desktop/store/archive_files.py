"""The evidence-files part of the export (format 2): resource links, attachment rows and the
attached files themselves, written, checked and imported here; the other archive modules call
these functions (``store/archive.py`` lists them all and what each does).

* ``activities.json``: each activity gains ``resource_links`` (as in a history snapshot) and
  ``attachments`` (``id``, ``sha256``, ``name``, ``media_type``, ``size_bytes``,
  ``created_at``). Both are required from format 2 on and absent (= none) in format 1 files.
* ``attachments/<sha256>``: one member per file that an attachment row or a history version
  refers to, named by the SHA-256 of its contents, listed in the manifest with its size and
  checksum like every other member. Already-compressed kinds (images, PDF, .docx) are stored,
  the rest deflated.

Reading checks every field like the forms do, every file's size and checksum (streamed: a file
is never inflated past :data:`~otj_desktop.domain.attachment_types.MAX_BYTES`), and that every
attachment row has its file. History may name a file the export lacks (as it may name a KSB
that no longer exists): restoring that version leaves it off and says so. Files are written to
the attachment store by :func:`extract_files` *before* the import's transaction, so a preview
(rolled back) writes nothing and a failed import leaves only files nothing refers to, which the
next start's sweep removes.
"""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from otj_desktop.domain.attachment_types import BY_MEDIA_TYPE, MAX_BYTES, clean_file_name
from otj_desktop.domain.resource_links import (
    LINK_DESCRIPTION_MAX,
    LINK_TITLE_MAX,
    LINKS_PER_ACTIVITY_MAX,
    SOURCES,
    STAGES,
    URL_MAX,
    check_url,
)
from otj_desktop.store import attachment_rows
from otj_desktop.store import resource_links as resource_link_store
from otj_desktop.store.archive_fields import Fields
from otj_desktop.store.archive_format import ROW_ID_MAX, fail
from otj_desktop.store.attachment_files import AttachmentFiles, is_sha256, referenced_hashes
from otj_desktop.store.db import Transaction

FORMAT_WITH_FILES = 2
PREFIX = "attachments/"
ATTACHMENTS_PER_ACTIVITY_MAX = 500
_MEMBER = re.compile(r"attachments/([0-9a-f]{64})")
# Kinds whose contents are compressed already: deflating them again only costs time.
_STORED_KINDS = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# An attachment row as exported; a history snapshot records it without id and created_at.
_ATTACHMENT_FIELDS = ("id", "sha256", "name", "media_type", "size_bytes", "created_at")
_ATTACHMENT_KEYS = set(_ATTACHMENT_FIELDS)
_SNAPSHOT_ATTACHMENT_KEYS = _ATTACHMENT_KEYS - {"id", "created_at"}
_LINK_KEYS = {"stage", "title", "url", "source", "description"}


def member_sha(name: str) -> str | None:
    """The hash in an attachment member's name, or None for any other name."""
    match = _MEMBER.fullmatch(name)
    return match[1] if match else None


# --- exporting ---------------------------------------------------------------------------------


def export_fields(conn: sqlite3.Connection, activity_id: int) -> dict[str, Any]:
    return {
        "resource_links": resource_link_store.for_activity(conn, activity_id),
        "attachments": [
            {key: getattr(a, key) for key in _ATTACHMENT_FIELDS}
            for a in attachment_rows.for_activity(conn, activity_id)
        ],
    }


def files_to_export(conn: sqlite3.Connection, folder: Path) -> dict[str, Path]:
    """The stored files the data refers to, by hash (a file missing from disk is left out)."""
    found = {}
    for sha256 in sorted(referenced_hashes(conn)):
        path = folder / sha256
        if path.is_file():
            found[sha256] = path
    return found


def media_types(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT sha256, media_type FROM attachment").fetchall())


def write_members(
    archive: zipfile.ZipFile,
    files: dict[str, Path],
    types: dict[str, str],
    stamp: tuple[int, ...],
) -> None:
    for sha256, path in files.items():
        info = zipfile.ZipInfo(PREFIX + sha256, date_time=stamp)  # type: ignore[arg-type]
        stored = types.get(sha256) in _STORED_KINDS
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with open(path, "rb") as source, archive.open(info, "w") as out:
            while chunk := source.read(1024 * 1024):
                out.write(chunk)


# --- validating (untrusted input) -------------------------------------------------------------


def validate_fields(f: Fields, *, required: bool, snapshot: bool = False) -> dict[str, list]:
    """``resource_links`` and ``attachments`` of one activity (or history snapshot).

    ``f`` reads the activity's object; ``required`` for format 2 files.
    """
    out: dict[str, list] = {"resource_links": [], "attachments": []}
    if required or "resource_links" in f.obj:
        out["resource_links"] = _links(f)
    if required or "attachments" in f.obj:
        out["attachments"] = _attachments(f, snapshot=snapshot)
    return out


def _links(f: Fields) -> list[dict[str, str]]:
    links = []
    for i, item in enumerate(f.items("resource_links", LINKS_PER_ACTIVITY_MAX), 1):
        link = Fields(item, f"{f.where}, resource link {i}")
        if set(item) != _LINK_KEYS:
            link.fail("url", "comes with fields the app never records")
        value = {
            "stage": link.choice("stage", STAGES),
            "title": link.text("title", max_len=LINK_TITLE_MAX, allow_empty=False, line=True),
            "url": link.text("url", max_len=URL_MAX, allow_empty=False, line=True),
            "source": link.choice("source", SOURCES),
            "description": link.text("description", max_len=LINK_DESCRIPTION_MAX),
        }
        try:
            if check_url(value["url"]) != value["url"]:
                raise ValueError
        except ValueError:
            link.fail("url", "is not an http or https address the app could have stored")
        links.append(value)
    return links


def _attachments(f: Fields, *, snapshot: bool) -> list[dict[str, Any]]:
    items, seen = [], set()
    for i, item in enumerate(f.items("attachments", ATTACHMENTS_PER_ACTIVITY_MAX), 1):
        a = Fields(item, f"{f.where}, attachment {i}")
        keys = _SNAPSHOT_ATTACHMENT_KEYS if snapshot else _ATTACHMENT_KEYS
        if set(item) != keys:
            a.fail("sha256", "comes with fields the app never records")
        value = {
            "sha256": a.text("sha256", max_len=64, allow_empty=False),
            "name": a.text("name", max_len=200, allow_empty=False, line=True),
            "media_type": a.choice("media_type", BY_MEDIA_TYPE),
            "size_bytes": a.integer("size_bytes", 1, MAX_BYTES),
        }
        if not snapshot:
            value = {"id": a.integer("id", 1, ROW_ID_MAX), **value, "created_at": None}
            value["created_at"] = a.timestamp("created_at")
        if not is_sha256(value["sha256"]) or value["sha256"] in seen:
            a.fail("sha256", "is not 64 hex digits, or appears twice")
        if clean_file_name(value["name"]) != value["name"]:
            a.fail("name", "is not a file name the app could have made")
        seen.add(value["sha256"])
        items.append(value)
    return items


def check_files(activities: list[dict], history: list[dict], members: dict[str, int]) -> None:
    """Every attachment row has its file, of the size the row says, and every file in the
    export is one that a row or a history version refers to."""
    ids = set()
    referenced = set()
    for a in activities:
        for item in a["attachments"]:
            if item["id"] in ids:
                fail(f"The export can't be imported: attachment id {item['id']} appears twice.")
            ids.add(item["id"])
            referenced.add(item["sha256"])
            size = members.get(item["sha256"])
            if size is None:
                fail(
                    f"The export is damaged: the file of attachment “{item['name']}” "
                    "is missing from it."
                )
            if size != item["size_bytes"]:
                fail(f"The export is damaged: “{item['name']}” is not the size it should be.")
    for entry in history:
        referenced.update(item["sha256"] for item in entry["snapshot"].get("attachments") or [])
    for sha256 in members:
        if sha256 not in referenced:
            fail(f"The export holds a file nothing in it refers to ({sha256[:12]}…).")


# --- importing ---------------------------------------------------------------------------------


def link_rows(tx: Transaction, activity_id: int, a: dict, *, keep_ids: bool, new: bool) -> None:
    """Write an imported activity's resource links and attachment rows."""
    resource_link_store.replace(
        tx, activity_id, resource_link_store.from_dicts(a["resource_links"])
    )
    if new:
        for item in a["attachments"]:
            attachment_rows.insert(
                tx,
                activity_id,
                item,
                created_at=item["created_at"],
                row_id=item["id"] if keep_ids else None,
            )
    else:
        attachment_rows.replace_all(tx, activity_id, a["attachments"], file_exists=lambda _: True)


def extract_files(
    source: bytes | IO[bytes] | Path, members: Iterable[str], files: AttachmentFiles
) -> int:
    """Write the archive's attachment files (checked against their names) into the store.

    Returns how many were new. Raises ValueError when one does not match its checksum.
    """
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    written = 0
    with zipfile.ZipFile(source) as archive:
        for sha256 in members:
            if files.exists(sha256):
                continue
            with archive.open(PREFIX + sha256) as stream:
                files.put(stream, sha256, limit=MAX_BYTES)
            written += 1
    return written
