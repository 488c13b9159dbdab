"""The activity log: list, create, view, edit, delete."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from otj_desktop.domain.activities import InvalidActivity, validate_activity
from otj_desktop.store import activities as activity_store
from otj_desktop.store import history as history_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.store import tags as tag_store
from otj_desktop.web.context import get_conn, state, write

bp = Blueprint("activities", __name__, url_prefix="/activities")

PER_PAGE = 25


@bp.get("")
def index() -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    items, total = activity_store.list_page(get_conn(), page=page, per_page=PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    return render_template(
        "activities/index.html", activities=items, page=page, pages=pages, total=total
    )


@bp.get("/new")
def new() -> str:
    return _form_page(
        values={"activity_date": state().clock().isoformat(), "evidence_quality": "draft"}
    )


@bp.post("/new")
def create() -> Response | tuple[str, int]:
    try:
        data = _validated_form()
    except InvalidActivity as invalid:
        return _form_page(values=request.form, errors=invalid.errors), 422
    with write() as tx:
        activity_id = activity_store.create(tx, data)
    flash(f"Saved “{data.title}”.", "success")
    return redirect(url_for(".show", activity_id=activity_id))


@bp.get("/<int:activity_id>")
def show(activity_id: int) -> str:
    activity = _get_or_404(activity_id)
    history = history_store.for_activity(get_conn(), activity_id)
    return render_template("activities/show.html", activity=activity, history=history)


@bp.get("/<int:activity_id>/edit")
def edit(activity_id: int) -> str:
    activity = _get_or_404(activity_id)
    return _form_page(values=form_values(activity), activity=activity)


@bp.post("/<int:activity_id>/edit")
def update(activity_id: int) -> Response | tuple[str, int]:
    activity = _get_or_404(activity_id)
    try:
        data = _validated_form()
    except InvalidActivity as invalid:
        return _form_page(values=request.form, errors=invalid.errors, activity=activity), 422
    expected = request.form.get("version", type=int)
    try:
        with write() as tx:
            activity_store.update(tx, activity_id, data, expected_version=expected or -1)
    except activity_store.VersionConflict as conflict:
        return (
            _form_page(values=request.form, activity=conflict.current, conflict=conflict.current),
            409,
        )
    except activity_store.ActivityNotFound:
        flash(
            "That activity was deleted in another window, so your changes were not saved.", "error"
        )
        return redirect(url_for(".index"))
    flash(f"Saved “{data.title}”.", "success")
    return redirect(url_for(".show", activity_id=activity_id))


@bp.get("/<int:activity_id>/delete")
def confirm_delete(activity_id: int) -> str:
    return render_template("activities/delete.html", activity=_get_or_404(activity_id))


@bp.post("/<int:activity_id>/delete")
def delete(activity_id: int) -> Response:
    activity = _get_or_404(activity_id)
    with write() as tx:
        activity_store.soft_delete(tx, activity_id)
    flash(f"Deleted “{activity.title}”.", "success")
    return redirect(url_for(".index"))


def _get_or_404(activity_id: int) -> activity_store.Activity:
    try:
        return activity_store.get(get_conn(), activity_id)
    except activity_store.ActivityNotFound:
        abort(404)


def _validated_form():
    conn = get_conn()
    profile = profile_store.get(conn)
    return validate_activity(
        request.form.to_dict(flat=True),
        request.form.getlist("ksb_ids"),
        today=state().clock(),
        known_ksb_ids=standard_store.ksb_ids(conn, profile.standard_id),
    )


def _form_page(*, values, errors=None, activity=None, conflict=None) -> str:
    conn = get_conn()
    profile = profile_store.get(conn)
    ksbs = standard_store.ksbs(conn, profile.standard_id) if profile.standard_id else []
    chosen = (
        set(values.getlist("ksb_ids"))
        if hasattr(values, "getlist")
        else set(values.get("ksb_ids", []))
    )
    return render_template(
        "activities/form.html",
        values=values,
        errors=errors or {},
        activity=activity,
        conflict=conflict,
        ksbs=ksbs,
        chosen_ksbs=chosen,
        known_tags=tag_store.all_names(conn),
        today=state().clock().isoformat(),
    )


def form_values(activity: activity_store.Activity) -> dict:
    """An activity as the text its form fields hold."""
    return {
        "title": activity.title,
        "activity_date": activity.activity_date.isoformat(),
        "start_time": activity.start_time.strftime("%H:%M") if activity.start_time else "",
        "end_time": activity.end_time.strftime("%H:%M") if activity.end_time else "",
        "duration_hours": f"{activity.duration_minutes / 60:g}",
        "activity_type": activity.activity_type,
        "description": activity.description,
        "notes": activity.notes,
        "delivered_by": activity.delivered_by,
        "location": activity.location,
        "hours_basis": activity.hours_basis,
        "evidence_quality": activity.evidence_quality,
        "ksb_ids": [str(k.id) for k in activity.ksbs],
        "tags": ", ".join(activity.tags),
        "version": str(activity.version),
    }
