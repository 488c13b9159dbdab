"""The Backups page: list the backups, back up now, restore one, and choose a folder for copies.

The backup service (:class:`~otj_desktop.store.backup.Backups`) is created with the app when
this blueprint is registered and kept in ``app.extensions["otj_backups"]``; the launcher uses
the same one for the start-of-day backup, so a failure there shows on this page.

Making or restoring a backup is not a database write announced by a transaction, so this module
publishes its own events: ``backups_changed`` when the list changes, and ``resync`` after a
restore, which replaced everything every window shows.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

from otj_desktop.domain.dates import uk_datetime
from otj_desktop.store import backup as backup_store
from otj_desktop.store.backup import BackupError, BackupNotFound, Backups
from otj_desktop.store.db import StorageError
from otj_desktop.web.context import get_conn, request_origin, state, write

bp = Blueprint("backups", __name__, url_prefix="/backups")

BACKUP_FOLDER = backup_store.FOLDER


@bp.record_once
def _create_service(setup: BlueprintSetupState) -> None:
    otj = setup.app.extensions["otj"]
    setup.app.extensions["otj_backups"] = Backups(otj.db, otj.data_dir / BACKUP_FOLDER)


def service(app: Flask | None = None) -> Backups:
    """The app's backup service."""
    return (app or current_app).extensions["otj_backups"]


@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    """Bytes for people: ``812 KB``, ``3.4 MB``."""
    if size < 1000 * 1000:
        return f"{max(size / 1000, 0.1):.0f} KB" if size >= 1000 else f"{size} bytes"
    return f"{size / 1_000_000:.1f} MB"


@bp.get("")
def index() -> str:
    return render_page()


@bp.post("/now")
def back_up_now() -> Response:
    try:
        result = service().create("manual")
    except BackupError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    _announce("backups_changed", f"Backup made: {uk_datetime(result.info.taken_at_iso)}")
    flash("Backup made.", "success")
    if result.copy_error:
        flash(result.copy_error, "error")
    return redirect(url_for(".index"))


@bp.post("/settings")
def save_settings() -> Response | tuple[str, int]:
    raw = request.form.get("copy_folder", "")
    try:
        folder = backup_store.check_copy_folder(raw, state().data_dir)
    except ValueError as exc:
        return render_page(folder_value=raw, folder_error=str(exc)), 422
    with write() as tx:
        backup_store.set_copy_folder(tx, folder)
    if folder:
        flash(f"Each new backup will also be copied to {folder}.", "success")
    else:
        flash("Backups are no longer copied to another folder.", "success")
    return redirect(url_for(".index"))


@bp.get("/<name>/restore")
def confirm_restore(name: str) -> str:
    info = _find_or_404(name)
    conn = get_conn()
    current = conn.execute("SELECT count(*) FROM activity WHERE deleted_at IS NULL").fetchone()[0]
    return render_template("backups/restore.html", backup=info, current_count=current)


@bp.post("/<name>/restore")
def restore(name: str) -> Response:
    _find_or_404(name)
    try:
        result = service().restore(name)
    except (BackupError, StorageError) as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    when = uk_datetime(result.restored.taken_at_iso)
    _announce("resync", f"The backup from {when} was restored")
    flash(
        f"Restored the backup from {when}. What you had before is kept as the backup "
        f"“{result.safety_backup.label}”, so you can go back to it.",
        "success",
    )
    return redirect(url_for(".index"))


def _find_or_404(name: str) -> backup_store.BackupInfo:
    try:
        return service().find(name)
    except BackupNotFound:
        abort(404)


def _announce(kind: str, summary: str) -> None:
    # Labelled with the page that asked, as a transaction's changes are (web.context.write),
    # so that page's window shows no "… in another window" notice for its own backup.
    data = {"summary": summary}
    origin = request_origin()
    if origin:
        data["origin"] = origin
    state().broker.publish(kind, data)


def render_page(
    *,
    folder_value: str | None = None,
    folder_error: str | None = None,
    import_error: str | None = None,
) -> str:
    """The Backups page; the import view uses it too, to show a refused file's reason."""
    conn = get_conn()
    folder = backup_store.copy_folder_setting(conn)
    values = {"copy_folder": folder_value if folder_value is not None else str(folder or "")}
    errors = {"copy_folder": folder_error} if folder_error else {}
    return render_template(
        "backups/index.html",
        backups=service().list(),
        problem=service().last_problem,
        copy_folder=folder,
        values=values,
        errors=errors,
        import_error=import_error,
        data_dir=Path(state().data_dir),
    )
