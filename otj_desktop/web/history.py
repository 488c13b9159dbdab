"""Undoing mistakes: the "Recently deleted" list, restoring a deleted activity, and restoring an
earlier version of one.

The activity's own page shows its history (``activities/_history.html``); the buttons there and
on the Recently deleted page post here. Each restore carries the version the page showed, so a
restore made from a stale page (another window changed the activity meanwhile) is refused with
a message instead of silently undoing the other window's change.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from otj_desktop.domain.history import ACTION_LABELS
from otj_desktop.store import activities as activity_store
from otj_desktop.store import history as history_store
from otj_desktop.web.context import get_conn, write

bp = Blueprint("history", __name__, url_prefix="/activities")
bp.add_app_template_global(ACTION_LABELS, "history_actions")

PER_PAGE = 25


@bp.get("/deleted")
def deleted() -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    items, total = activity_store.deleted_page(get_conn(), page=page, per_page=PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    return render_template(
        "activities/deleted.html", activities=items, page=page, pages=pages, total=total
    )


@bp.post("/<int:activity_id>/undelete")
def undelete(activity_id: int) -> Response:
    expected = request.form.get("version", type=int) or -1
    try:
        with write() as tx:
            activity_store.restore(tx, activity_id, expected_version=expected)
    except activity_store.ActivityNotFound:
        flash("That activity is not in Recently deleted any more.", "info")
        return redirect(url_for(".deleted"))
    except activity_store.VersionConflict:
        flash("That activity changed in another window; check the list and try again.", "error")
        return redirect(url_for(".deleted"))
    title = activity_store.get(get_conn(), activity_id).title
    flash(f"Restored “{title}”.", "success")
    return redirect(url_for("activities.show", activity_id=activity_id))


@bp.post("/<int:activity_id>/versions/<int:number>/restore")
def restore_version(activity_id: int, number: int) -> Response:
    expected = request.form.get("version", type=int) or -1
    here = url_for("activities.show", activity_id=activity_id)
    try:
        with write() as tx:
            result = activity_store.restore_version(
                tx, activity_id, number, expected_version=expected
            )
    except activity_store.ActivityNotFound:
        flash("That activity was deleted, so no version was restored.", "error")
        return redirect(url_for(".deleted"))
    except activity_store.VersionConflict:
        flash(
            "This activity changed in another window, so nothing was restored. "
            "Its history below is now up to date.",
            "error",
        )
        return redirect(here + "#activity-history")
    except history_store.VersionNotFound:
        flash("There is no such version to restore.", "error")
        return redirect(here + "#activity-history")
    message = f"Restored version {number}; it is now version {result.version}."
    if result.missing_ksbs:
        missing = ", ".join(result.missing_ksbs)
        message += f" These KSBs no longer exist and were left off: {missing}."
    flash(message, "success")
    return redirect(here)
