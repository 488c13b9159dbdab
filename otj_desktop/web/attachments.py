"""Attachments on the activity page: upload, download, thumbnail, open with the OS, remove.

**Upload** (multipart, one or several files, :data:`MAX_FILES_PER_UPLOAD` at most, 10 MB each):
every file is streamed to a temporary file and hashed, its kind found from its contents
(``domain/attachment_types.py``), and only when every file is acceptable are they kept (renamed
to their hash) and their rows written in one transaction, holding the file store's lock (see
``store/attachment_files.py``: a crash leaves no half file and no row without its file). A
refused upload keeps nothing and says, next to the file field, which file and why, naming the
limits; so does a full disk or a folder that cannot be written to (503). Image thumbnails are
made right after.

**Download** always as an attachment (``Content-Disposition: attachment`` with the cleaned
name), with the media type found at upload (never HTML), ``nosniff`` and a sandboxing CSP.
**Open** copies the file, under its name, to a cache folder and asks the desktop shell to open
it with the system's default program (``DesktopBridge.open_path``); without app windows the
page says to download instead.

**Remove** takes the attachment off (a new version of the activity); the file stays while the
activity's history lists it, so restoring the earlier version brings it back.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from otj_desktop.domain.attachment_types import (
    BY_MEDIA_TYPE,
    LIMITS_SENTENCE,
    MAX_BYTES,
    MAX_FILES_PER_UPLOAD,
    NotAllowed,
    clean_file_name,
    detect,
    name_for_kind,
)
from otj_desktop.domain.resource_links import SOURCES, STAGES, by_stage
from otj_desktop.store import activities as activity_store
from otj_desktop.store import attachment_rows
from otj_desktop.store import attachments as attachment_store
from otj_desktop.store import history as history_store
from otj_desktop.store.attachment_files import AttachmentFiles, EmptyFile, FileTooLarge, Staged
from otj_desktop.store.thumbnails import make_thumbnail, thumbnail
from otj_desktop.web.context import get_conn, state, write
from otj_desktop.web.security import body_limit
from otj_desktop.web.storage_errors import storage_sentence

bp = Blueprint("attachments", __name__, url_prefix="/activities")
bp.add_app_template_global(STAGES, "link_stages")
bp.add_app_template_global(SOURCES, "link_sources")
bp.add_app_template_global(by_stage, "links_by_stage")
bp.add_app_template_global(MAX_FILES_PER_UPLOAD, "max_files_per_upload")

UPLOAD_LIMIT = MAX_FILES_PER_UPLOAD * MAX_BYTES + 1024 * 1024  # the files plus the form around
log = logging.getLogger(__name__)


@bp.app_template_filter("link_host")
def link_host(url: str) -> str:
    """The site a link goes to, shown beside its title (``docs.google.com``)."""
    return urlsplit(url).hostname or ""


@bp.record_once
def _create_store(setup: BlueprintSetupState) -> None:
    setup.app.extensions["otj_files"] = AttachmentFiles(setup.app.extensions["otj"].data_dir)


def files(app: Flask | None = None) -> AttachmentFiles:
    """The app's attachment file store."""
    return (app or current_app).extensions["otj_files"]


@bp.errorhandler(413)
def too_large(_error: Exception) -> tuple[str, int]:
    message = (
        f"That upload was too large. {LIMITS_SENTENCE} (at most {MAX_FILES_PER_UPLOAD} at once)"
    )
    activity_id = (request.view_args or {}).get("activity_id")
    if request.endpoint == "attachments.upload" and activity_id is not None:
        with contextlib.suppress(activity_store.ActivityNotFound):
            return _page_with_errors(activity_id, [message]), 413
    return render_template("errors/error.html", title="Too large", message=message), 413


@dataclass
class _Accepted:
    staged: Staged
    new: attachment_store.NewFile


@bp.post("/<int:activity_id>/attachments")
@body_limit(UPLOAD_LIMIT)
def upload(activity_id: int) -> Response | tuple[str, int]:
    try:
        activity_store.get(get_conn(), activity_id)
    except activity_store.ActivityNotFound:
        abort(404)
    uploads = [u for u in request.files.getlist("files") if u.filename or u.content_length]
    if not uploads:
        return _page_with_errors(activity_id, ["Choose one or more files to attach."]), 422
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        message = f"Attach at most {MAX_FILES_PER_UPLOAD} files at once. {LIMITS_SENTENCE}"
        return _page_with_errors(activity_id, [message]), 422
    try:
        accepted, errors = _check_files(uploads)
    except OSError as exc:  # a full disk or a folder that cannot be written to
        return _page_with_errors(activity_id, [storage_sentence(exc, "nothing was attached")]), 503
    if errors:
        for item in accepted:
            files().discard(item.staged)
        return _page_with_errors(activity_id, errors), 422
    try:
        result = _keep_and_attach(activity_id, accepted)
    except activity_store.ActivityNotFound:
        flash("That activity was deleted in another window, so nothing was attached.", "error")
        return redirect(url_for("activities.index"))
    except OSError as exc:  # nothing kept: _keep_and_attach tidied up
        return _page_with_errors(activity_id, [storage_sentence(exc, "nothing was attached")]), 503
    _make_thumbnails([item.new for item in accepted])
    _say_what_happened(result)
    return redirect(url_for("activities.show", activity_id=activity_id) + "#attachments")


def _check_files(uploads: list[FileStorage]) -> tuple[list[_Accepted], list[str]]:
    accepted: list[_Accepted] = []
    try:
        return _check_each(uploads, accepted)
    except BaseException:  # a disk error part-way: nothing staged so far may stay behind
        for item in accepted:
            files().discard(item.staged)
        raise


def _check_each(
    uploads: list[FileStorage], accepted: list[_Accepted]
) -> tuple[list[_Accepted], list[str]]:
    errors: list[str] = []
    for upload in uploads:
        shown = clean_file_name(upload.filename or "")
        try:
            staged = files().stage(upload.stream)
        except FileTooLarge:
            errors.append(f"“{shown}” is larger than 10 MB. {LIMITS_SENTENCE}")
            continue
        except EmptyFile:
            errors.append(f"“{shown}” is empty. {LIMITS_SENTENCE}")
            continue
        try:
            kind = detect(staged.temp, shown)
        except NotAllowed as exc:
            files().discard(staged)
            errors.append(str(exc))
            continue
        new = attachment_store.NewFile(
            staged.sha256, name_for_kind(shown, kind), kind.media_type, staged.size
        )
        accepted.append(_Accepted(staged, new))
    return accepted, errors


def _keep_and_attach(activity_id: int, accepted: list[_Accepted]) -> attachment_store.AttachResult:
    store = files()
    with store.lock:  # no sweep or purge may take a kept file for an orphan before its row
        try:
            for item in accepted:
                store.keep(item.staged)
            with write() as tx:
                return attachment_store.attach(tx, activity_id, [item.new for item in accepted])
        except BaseException:
            store.remove_unreferenced(get_conn(), {item.new.sha256 for item in accepted})
            raise
        finally:
            for item in accepted:
                store.discard(item.staged)  # a no-op for those renamed into place


def _make_thumbnails(new_files: list[attachment_store.NewFile]) -> None:
    store = files()
    for new in new_files:
        kind = BY_MEDIA_TYPE.get(new.media_type)
        if kind and kind.image and not store.thumbnail_path(new.sha256).exists():
            make_thumbnail(store.path(new.sha256), store.thumbnail_path(new.sha256))


def _say_what_happened(result: attachment_store.AttachResult) -> None:
    if result.added:
        names = ", ".join(f"“{n}”" for n in result.added)
        flash(f"Attached {names}.", "success")
    if result.already_there:
        names = ", ".join(f"“{n}”" for n in result.already_there)
        flash(f"Already attached to this activity (same contents): {names}.", "info")


def _page_with_errors(activity_id: int, errors: list[str]) -> str:
    conn = get_conn()
    activity = activity_store.get(conn, activity_id)
    return render_template(
        "activities/show.html",
        activity=activity,
        deleted=False,
        history=history_store.for_activity(conn, activity_id),
        upload_errors=errors,
    )


def _attachment_or_404(activity_id: int, attachment_id: int) -> attachment_rows.Attachment:
    found = attachment_rows.get(get_conn(), attachment_id)
    if found is None or found.activity_id != activity_id:
        abort(404)
    return found


@bp.get("/<int:activity_id>/attachments/<int:attachment_id>/download")
def download(activity_id: int, attachment_id: int) -> Response:
    found = _attachment_or_404(activity_id, attachment_id)
    if not files().exists(found.sha256):
        abort(404)
    kind = BY_MEDIA_TYPE.get(found.media_type)
    mimetype = kind.media_type if kind else "application/octet-stream"  # text/*: utf-8 added
    response = send_file(
        files().path(found.sha256),
        mimetype=mimetype,
        as_attachment=True,
        download_name=name_for_kind(found.name, kind) if kind else found.name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    # Even if something showed it in a page, it could run nothing and load nothing.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.get("/<int:activity_id>/attachments/<int:attachment_id>/thumbnail")
def thumbnail_image(activity_id: int, attachment_id: int) -> Response:
    found = _attachment_or_404(activity_id, attachment_id)
    store = files()
    if not found.is_image or not store.exists(found.sha256):
        abort(404)
    path = thumbnail(store.path(found.sha256), store.thumbnail_path(found.sha256))
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/webp", max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.post("/<int:activity_id>/attachments/<int:attachment_id>/open")
def open_file(activity_id: int, attachment_id: int) -> Response:
    found = _attachment_or_404(activity_id, attachment_id)
    back = url_for("activities.show", activity_id=activity_id) + "#attachments"
    store = files()
    kind = BY_MEDIA_TYPE.get(found.media_type)
    if kind is None or not store.exists(found.sha256):
        flash(f"The file of “{found.name}” is missing, so it cannot be opened.", "error")
        return redirect(back)
    if not state().desktop.has_windows:
        flash(
            "Opening files with another program works in the OTJ Desktop app; use Download.", "info"
        )
        return redirect(back)
    copy = store.copy_to_open(found.sha256, name_for_kind(found.name, kind))
    if not state().desktop.open_path(copy):
        flash(f"“{found.name}” could not be opened here; use Download instead.", "error")
        return redirect(back)
    flash(
        f"Opened a copy of “{found.name}”. Changes made there are not saved into the app: "
        "attach the changed file again to keep them.",
        "info",
    )
    return redirect(back)


@bp.post("/<int:activity_id>/attachments/<int:attachment_id>/remove")
def remove(activity_id: int, attachment_id: int) -> Response:
    back = url_for("activities.show", activity_id=activity_id)
    try:
        with write() as tx:
            name = attachment_store.remove(tx, activity_id, attachment_id)
    except activity_store.ActivityNotFound:
        abort(404)
    if name is None:
        flash("That file is no longer attached.", "info")
        return redirect(back + "#attachments")
    flash(
        f"Removed “{name}”. It is kept in this activity's history: restoring the version "
        "before this one brings it back.",
        "success",
    )
    return redirect(back + "#attachments")
