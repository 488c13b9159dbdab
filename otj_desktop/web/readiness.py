"""Readiness and gaps: the score with its weights, priority actions and every gap
(``domain/readiness.py``), on a page of its own and as a card on the dashboard."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from otj_desktop.domain import readiness as rules
from otj_desktop.store import profile as profile_store
from otj_desktop.store import readiness as readiness_store
from otj_desktop.web.context import get_conn, state

bp = Blueprint("readiness", __name__, url_prefix="/readiness")


@bp.get("")
def index() -> Response | str:
    conn = get_conn()
    profile = profile_store.get(conn)
    if not profile.is_set_up:
        return redirect(url_for("profile.setup"))
    result = readiness_store.readiness(conn, profile.standard_id, state().clock())
    return render_template(
        "readiness/index.html",
        readiness=result,
        last_evidenced=readiness_store.last_evidenced(conn, [k.id for k in result.stale]),
        weights=rules.WEIGHTS,
        coverage_points=rules.COVERAGE_POINTS,
        quality_points=rules.QUALITY_POINTS,
        enough_hours=rules.ENOUGH_MINUTES // 60,
        stale_days=rules.STALE_DAYS,
    )
