"""Export everything as one file, and import such a file: upload, preview, then import.

An uploaded file is checked at once (a damaged, foreign or hostile file is refused on the
Backups page with the reason, and nothing is kept). A good one is parked in
``<data dir>/imports/<random token>.zip`` while the apprentice reads the preview, which is the
real import run and rolled back (:func:`~otj_desktop.store.archive.preview_import`). Confirming
backs the database up, writes the export's attached files into the attachment store (before
the transaction: a failed import leaves only files nothing refers to, which the next start's
sweep removes), imports in one transaction, announces ``resync`` to every window, and deletes
the parked file. Parked files older than a day are tidied on the next upload.

Exports and imports can be large now that attached files travel with them (10 MB each): the
export is written to a temporary file and streamed, and an upload is streamed to its parking
place rather than read into memory.

A disk that is full or cannot be written to is a sentence on the Backups page, never a 500:
an upload that fails half-way leaves no ``.partial`` behind (503), and an export that cannot
be written next to the data is written to the system's temporary folder instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import IO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from otj_desktop.store import archive as archive_store
from otj_desktop.store import archive_files
from otj_desktop.store.archive import ArchiveError
from otj_desktop.store.backup import BackupError
from otj_desktop.web.attachments import files
from otj_desktop.web.backups import render_page, service
from otj_desktop.web.context import get_conn, state, write
from otj_desktop.web.security import body_limit
from otj_desktop.web.storage_errors import storage_sentence

bp = Blueprint("archive", __name__, url_prefix="/data")

# The compressed export: years of entries and history are a few MB, attached files up to 10 MB
# each come on top. 1 GiB is also waitress's own cap on a request body.
IMPORT_LIMIT = 1024 * 1024 * 1024
PARKED_FOR_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[0-9a-f]{32}")


@bp.get("/export")
def export() -> Response:
    try:
        out = _export_file()
    except OSError as exc:
        flash(storage_sentence(exc, "the export could not be made"), "error")
        return redirect(url_for("backups.index"))
    name = f"otj-desktop-export-{state().clock().isoformat()}.zip"
    response = send_file(out, mimetype="application/zip", as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


def _export_file() -> IO[bytes]:
    """The export in a temporary file, rewound; closed (and so deleted) with the response.

    Written next to the data where possible; when the data folder cannot be written to (full,
    read-only), in the system's temporary folder: that is just when the apprentice most wants
    their data out.
    """
    try:
        folder: Path | None = _parking()
    except OSError:
        folder = None
    out = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - closed when the response is
    try:
        archive_store.export_archive(get_conn(), out, attachments=files().folder)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


@bp.post("/import")
@body_limit(IMPORT_LIMIT)
def upload() -> Response | tuple[str, int]:
    upload = request.files.get("archive")
    if upload is None or not upload.filename:
        return render_page(import_error="Choose an export file (.zip) to import."), 422
    token = secrets.token_hex(16)
    try:
        parked = _park(upload, token)
    except OSError as exc:
        return render_page(import_error=storage_sentence(exc, "nothing was imported")), 503
    try:
        with open(parked, "rb") as handle:
            archive_store.read_archive(handle)
    except ArchiveError as exc:
        with contextlib.suppress(OSError):
            parked.unlink()
        return render_page(import_error=str(exc)), 422
    try:
        os.replace(parked, parked.with_suffix(".zip"))
    except OSError as exc:
        with contextlib.suppress(OSError):
            parked.unlink()
        return render_page(import_error=storage_sentence(exc, "nothing was imported")), 503
    return redirect(url_for(".preview", token=token))


def _park(upload: FileStorage, token: str) -> Path:
    """Stream the upload to ``imports/<token>.partial``; a failed write leaves no file behind."""
    folder = _parking()
    _tidy(folder)
    partial = folder / f"{token}.partial"
    try:
        upload.save(partial)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return partial


@bp.get("/import/<token>")
def preview(token: str) -> str | Response:
    archive = _parked_archive(token)
    if isinstance(archive, Response):
        return archive
    summary = archive_store.preview_import(state().db, get_conn(), archive)
    return render_template("archive/preview.html", token=token, archive=archive, plan=summary)


@bp.post("/import/<token>")
def confirm(token: str) -> Response:
    archive = _parked_archive(token)
    if isinstance(archive, Response):
        return archive
    try:
        service().create("before-import")
    except BackupError as exc:
        flash(f"{exc} The import was not started.", "error")
        return redirect(url_for(".preview", token=token))
    try:
        archive_files.extract_files(_parking() / f"{token}.zip", archive.attachment_files, files())
    except (OSError, ValueError) as exc:
        flash(
            f"The export's attached files could not be stored ({exc}); nothing was imported.",
            "error",
        )
        return redirect(url_for(".preview", token=token))
    try:
        with write() as tx:
            summary = archive_store.apply_import(tx, archive)
    except sqlite3.IntegrityError:
        # The checks should make this impossible; if not, the transaction rolled back.
        flash("The export does not fit together, so nothing was imported.", "error")
        return redirect(url_for("backups.index"))
    _discard(token)
    flash(
        f"Imported: {len(summary.activities_added)} activities added, "
        f"{len(summary.activities_replaced)} replaced. A backup of what you had is on this page.",
        "success",
    )
    return redirect(url_for("backups.index"))


@bp.post("/import/<token>/cancel")
def cancel(token: str) -> Response:
    _check_token(token)
    _discard(token)
    flash("Import cancelled; nothing changed.", "info")
    return redirect(url_for("backups.index"))


def _parking() -> Path:
    folder = Path(state().data_dir) / "imports"
    folder.mkdir(exist_ok=True)
    return folder


def _check_token(token: str) -> None:
    if not _TOKEN.fullmatch(token):
        abort(404)


def _parked_archive(token: str) -> archive_store.Archive | Response:
    _check_token(token)
    path = _parking() / f"{token}.zip"
    if not path.is_file():
        flash("That import is no longer waiting; choose the file again.", "info")
        return redirect(url_for("backups.index"))
    try:
        with open(path, "rb") as handle:
            return archive_store.read_archive(handle)
    except ArchiveError as exc:  # changed on disk since it was checked
        _discard(token)
        flash(str(exc), "error")
        return redirect(url_for("backups.index"))


def _discard(token: str) -> None:
    with contextlib.suppress(OSError):
        (_parking() / f"{token}.zip").unlink()


def _tidy(folder: Path) -> None:
    cutoff = time.time() - PARKED_FOR_SECONDS
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
