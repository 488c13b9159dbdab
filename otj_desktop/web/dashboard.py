"""The dashboard: hours so far, this week, activities logged, KSB coverage, recent entries."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from otj_desktop.domain.dates import week_start
from otj_desktop.store import activities as activity_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import stats
from otj_desktop.web.context import get_conn, state

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index() -> Response | str:
    conn = get_conn()
    profile = profile_store.get(conn)
    if not profile.is_set_up:
        return redirect(url_for("profile.setup"))
    today = state().clock()
    return render_template(
        "dashboard.html",
        profile=profile,
        summary=stats.summary(conn, today=today, standard_id=profile.standard_id),
        recent=activity_store.recent(conn, 5),
        week_from=week_start(today),
    )
