"""The KSB browser: the standard's KSBs by category with their evidence, and one KSB's page.

``/ksbs`` lists every KSB of the apprentice's standard with how many activities evidence it and
their hours, and calls out the ones with no evidence yet; ``/ksbs/<id>`` shows a KSB's full
statement and every linked activity (paginated, newest first). Counts and hours come from the
running totals (:func:`otj_desktop.store.stats.ksb_stats`).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from otj_desktop.domain.activity_filter import ActivityFilter
from otj_desktop.store import activities as activity_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.store import stats
from otj_desktop.web.context import get_conn

bp = Blueprint("ksbs", __name__, url_prefix="/ksbs")

PER_PAGE = 50


@bp.get("")
def index() -> Response | str:
    conn = get_conn()
    profile = profile_store.get(conn)
    if not profile.is_set_up:
        return redirect(url_for("profile.setup"))
    standard = standard_store.get(conn, profile.standard_id)
    ksbs = stats.ksb_stats(conn, standard.id)
    groups = [
        (category, heading, [k for k in ksbs if k.category == category])
        for category, heading in standard_store.CATEGORY_LABELS.items()
    ]
    return render_template(
        "ksbs/index.html",
        standard=standard,
        groups=[g for g in groups if g[2]],
        ksbs=ksbs,
        without_evidence=[k for k in ksbs if not k.has_evidence],
    )


@bp.get("/<int:ksb_id>")
def show(ksb_id: int) -> str:
    conn = get_conn()
    try:
        ksb = standard_store.get_ksb(conn, ksb_id)
    except standard_store.StandardNotFound:
        abort(404)
    standard = standard_store.get(conn, ksb.standard_id)
    stat = next(k for k in stats.ksb_stats(conn, standard.id) if k.id == ksb.id)
    filters = ActivityFilter(ksb_id=ksb.id)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    activities, total = activity_store.list_page(
        conn, page=page, per_page=PER_PAGE, filters=filters
    )
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    return render_template(
        "ksbs/show.html",
        ksb=ksb,
        standard=standard,
        stat=stat,
        category_label=standard_store.CATEGORY_LABELS[ksb.category],
        current_standard=profile_store.get(conn).standard_id == standard.id,
        activities=activities,
        total=total,
        page=page,
        pages=pages,
        filter_args=filters.query_args(),
    )
