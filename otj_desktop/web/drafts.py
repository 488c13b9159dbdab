"""Confirming a draft (made by a recurring template) from the drafts list or its own page.

Confirming makes it count in every total; it is announced as ``activity_saved`` (action
``confirmed``) so every window updates. Editing a draft uses the ordinary edit form, which
offers "Save and confirm"; deleting it the ordinary delete. Guarded by the version, like an
edit: a draft changed or confirmed in another window meanwhile is not confirmed blindly.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from otj_desktop.store import activities as activity_store
from otj_desktop.web.context import write
from otj_desktop.web.entry_checks import flash_warnings
from otj_desktop.web.security import safe_next

bp = Blueprint("drafts", __name__, url_prefix="/drafts")


@bp.post("/<int:activity_id>/confirm")
def confirm(activity_id: int) -> Response:
    show = url_for("activities.show", activity_id=activity_id)
    back = safe_next(request.form.get("next") or show)
    expected = request.form.get("version", type=int)
    try:
        with write() as tx:
            activity_store.confirm(tx, activity_id, expected_version=expected or -1)
            title = activity_store.get(tx.conn, activity_id).title
    except activity_store.VersionConflict:
        flash("That draft was changed in another window; check it and confirm it again.", "error")
        return redirect(url_for("activities.show", activity_id=activity_id), 303)
    except activity_store.ActivityNotFound:
        flash("That draft was already confirmed or deleted in another window.", "info")
        return redirect(back, 303)
    flash(f"Confirmed “{title}”: it now counts in every total.", "success")
    flash_warnings(activity_id)
    return redirect(back, 303)
