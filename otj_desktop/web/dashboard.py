"""The dashboard: hours against the target, pace, charts, KSB coverage, tags, recent entries.

Also the in-place target editors (``POST /targets/<name>``): planned OTJ hours, the
apprentice's own weekly target and the training target. They work as plain forms (the page
comes back with the error beside the field, or redirects) and, with ``static/js/targets.js``,
without leaving the page: asked for JSON, they answer with JSON.

Every figure comes from :mod:`otj_desktop.store.stats` (running totals, no scan of the
activities), so the page stays fast with years of entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from otj_desktop.domain.activity_types import ACTIVITY_TYPES
from otj_desktop.domain.dates import week_start
from otj_desktop.domain.otj_hours import round_hours
from otj_desktop.domain.pace import Pace, describe_pace
from otj_desktop.domain.profile import TARGET_LIMITS, InvalidProfile, validate_target
from otj_desktop.domain.targets import TargetInputs, pace_for, work_out
from otj_desktop.store import activities as activity_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import readiness as readiness_store
from otj_desktop.store import stats
from otj_desktop.store.standards import CATEGORY_LABELS
from otj_desktop.web import planning
from otj_desktop.web.context import get_conn, state, write
from otj_desktop.web.progress import target_inputs

bp = Blueprint("dashboard", __name__)

TOP_TAGS = 10
DRAFTS_SHOWN = 5
CHART_WEEKS = 12


@bp.app_template_filter("hours1")
def hours_one_decimal(hours: float | None) -> str:
    """Hours as the working and the pace show them: one decimal, halves up ("278.4")."""
    return "" if hours is None else f"{round_hours(hours):.1f}"


@bp.get("/")
def index() -> Response | str:
    conn = get_conn()
    if not profile_store.get(conn).is_set_up:
        return redirect(url_for("profile.setup"))
    return render_template("dashboard.html", **dashboard_context())


@bp.post("/targets/<name>")
def set_target(name: str) -> Response | tuple[Any, int]:
    """Change one target in place; JSON for the page's script, a redirect for a plain form."""
    if name not in TARGET_LIMITS:
        abort(404)
    raw = request.form.get("value", "")
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        value = validate_target(name, raw)
    except InvalidProfile as invalid:
        message = invalid.errors[name]
        if wants_json:
            return jsonify(ok=False, field=name, error=message), 422
        return (
            render_template(
                "dashboard.html",
                **dashboard_context(target_errors={name: message}, target_values={name: raw}),
            ),
            422,
        )
    with write() as tx:
        profile_store.set_target(tx, name, value)
    label = profile_store.TARGET_LABELS[name]
    message = f"{label} saved." if value is not None else f"{label} cleared."
    if wants_json:
        return jsonify(ok=True, field=name, value=value, message=message), 200
    flash(message, "success")
    return redirect(url_for(".index") + "#targets")


def dashboard_context(
    *,
    target_errors: Mapping[str, str] | None = None,
    target_values: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the dashboard template shows."""
    conn = get_conn()
    today = state().clock()
    profile = profile_store.get(conn)
    ksbs = stats.ksb_stats(conn, profile.standard_id) if profile.standard_id else []
    weeks = stats.weekly_minutes(conn, today=today, weeks=CHART_WEEKS)  # covers the 8 weeks
    summary = stats.summary(
        conn, today=today, standard_id=profile.standard_id, ksbs=ksbs, weeks=weeks
    )
    inputs = target_inputs(conn, profile)
    working = work_out(inputs)
    pace = _pace(inputs, summary, today)
    weekly_target = profile.weekly_target_hours
    return {
        "profile": profile,
        "summary": summary,
        "working": working,
        "pace": pace,
        "pace_sentence": describe_pace(pace) if pace else None,
        "week_from": week_start(today),
        "week_goal": weekly_target or (pace.needed_per_week if pace else None),
        "week_goal_is_own": weekly_target is not None,
        "ksbs": ksbs,
        "ksb_groups": _group(ksbs),
        "top_tags": stats.tag_counts(conn, limit=TOP_TAGS),
        "recent": activity_store.recent(conn, 5),
        "charts": _charts(weeks, summary, ksbs),
        "weeks": weeks,
        "training_types": [t.label for t in ACTIVITY_TYPES if t.training],
        "target_errors": target_errors or {},
        "target_values": target_values or {},
        "readiness": readiness_store.readiness(conn, profile.standard_id, today),
        **planning.drafts_context(DRAFTS_SHOWN),
    }


def _pace(inputs: TargetInputs, summary: stats.Summary, today: date) -> Pace | None:
    return pace_for(
        inputs,
        hours_done=summary.total_minutes / 60,
        hours_last_8_weeks=summary.recent_minutes / 60,
        today=today,
    )


def _group(ksbs: list[stats.KsbStat]) -> list[tuple[str, str, list[stats.KsbStat]]]:
    """KSBs by category, in standard order: (category, heading, KSBs)."""
    groups = []
    for category, heading in CATEGORY_LABELS.items():
        members = [k for k in ksbs if k.category == category]
        if members:
            groups.append((category, heading, members))
    return groups


def _charts(
    weeks: list[stats.WeekTotal], summary: stats.Summary, ksbs: list[stats.KsbStat]
) -> dict[str, dict]:
    """The data each chart draws (static/js/charts.js), passed in a data-* attribute."""
    return {
        "weekly": {
            "kind": "weekly",
            "labels": [w.label for w in weeks],
            "titles": [w.iso_label for w in weeks],
            "values": [round(w.minutes / 60, 2) for w in weeks],
        },
        "types": {
            "kind": "types",
            "labels": [t.label for t in summary.by_type if t.counts_towards_otj],
            "values": [round(t.minutes / 60, 2) for t in summary.by_type if t.counts_towards_otj],
        },
        "ksbs": {
            "kind": "ksbs",
            "labels": [k.code for k in ksbs],
            "titles": [k.title or k.statement for k in ksbs],
            "categories": [k.category for k in ksbs],
            "category_labels": CATEGORY_LABELS,
            "values": [round(k.minutes / 60, 2) for k in ksbs],
        },
    }
