"""Deleting for good, from Recently deleted: one activity, or all of them ("Empty").

Each asks first (a page saying what goes: the activity, its history and its attached files,
with no way back but a backup), then deletes in one transaction (``store/purge.py``), announces
``activity_purged``, and after the commit removes the files nothing refers to any more.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from otj_desktop.store import activities as activity_store
from otj_desktop.store import purge as purge_store
from otj_desktop.web.attachments import files
from otj_desktop.web.context import get_conn, write

bp = Blueprint("purge", __name__, url_prefix="/activities/deleted")


@bp.get("/<int:activity_id>/purge")
def confirm_one(activity_id: int) -> str:
    try:
        activity = activity_store.get(get_conn(), activity_id, include_deleted=True)
    except activity_store.ActivityNotFound:
        abort(404)
    if not activity.deleted_at:
        abort(404)
    return render_template("activities/purge.html", activity=activity, count=1)


@bp.post("/<int:activity_id>/purge")
def purge_one(activity_id: int) -> Response:
    try:
        with write() as tx:
            purged = purge_store.purge(tx, activity_id)
    except purge_store.NotInRecentlyDeleted:
        flash("That activity is not in Recently deleted any more.", "info")
        return redirect(url_for("history.deleted"))
    _remove_files(purged)
    flash(f"Deleted “{purged.titles[0]}” permanently.", "success")
    return redirect(url_for("history.deleted"))


@bp.get("/empty")
def confirm_empty() -> str:
    count = (
        get_conn()
        .execute("SELECT count(*) FROM activity WHERE deleted_at IS NOT NULL")
        .fetchone()[0]
    )
    return render_template("activities/purge.html", activity=None, count=count)


@bp.post("/empty")
def empty() -> Response:
    with write() as tx:
        purged = purge_store.purge_all_deleted(tx)
    _remove_files(purged)
    n = len(purged.titles)
    flash(f"Deleted {n} activit{'y' if n == 1 else 'ies'} permanently.", "success")
    return redirect(url_for("history.deleted"))


def _remove_files(purged: purge_store.Purged) -> None:
    if purged.file_candidates:
        files().remove_unreferenced(get_conn(), purged.file_candidates)
