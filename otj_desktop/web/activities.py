"""The activity log: list, create, view, edit, delete.

Edits are guarded by the activity's version number: saving over a version that changed since
the form was loaded (another window saved first) answers 409 with both versions side by side
and the choice "keep mine" or "use theirs"; saving an activity another window deleted keeps
everything typed and offers to save it as a new activity. Nothing is silently overwritten and
nothing typed is lost. The pages mark their live regions (``data-live``), see ``static/js/live.js``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from otj_desktop.domain.activities import (
    EVIDENCE_QUALITY,
    HOURS_BASIS,
    ActivityInput,
    InvalidActivity,
    validate_activity,
)
from otj_desktop.domain.activity_types import type_label
from otj_desktop.domain.dates import uk_date
from otj_desktop.store import activities as activity_store
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
    if page > pages:
        # Past the end (entries deleted, perhaps in another window): show the last page.
        page = pages
        items, total = activity_store.list_page(get_conn(), page=page, per_page=PER_PAGE)
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
def show(activity_id: int) -> str | tuple[str, int]:
    try:
        activity = activity_store.get(get_conn(), activity_id, include_deleted=True)
    except activity_store.ActivityNotFound:
        abort(404)
    if activity.deleted_at:
        # Still 404, but the page's live region says what happened (a window showing it
        # when another deletes it swaps this in).
        return render_template("activities/show.html", activity=activity, deleted=True), 404
    return render_template("activities/show.html", activity=activity, deleted=False)


@bp.get("/<int:activity_id>/edit")
def edit(activity_id: int) -> str:
    activity = _get_or_404(activity_id)
    return _form_page(values=form_values(activity), activity=activity)


@bp.post("/<int:activity_id>/edit")
def update(activity_id: int) -> Response | tuple[str, int]:
    try:
        activity = activity_store.get(get_conn(), activity_id, include_deleted=True)
    except activity_store.ActivityNotFound:
        abort(404)
    if activity.deleted_at:
        return _deleted_while_editing(activity)
    try:
        data = _validated_form()
    except InvalidActivity as invalid:
        return _form_page(values=request.form, errors=invalid.errors, activity=activity), 422
    expected = request.form.get("version", type=int)
    try:
        with write() as tx:
            activity_store.update(tx, activity_id, data, expected_version=expected or -1)
    except activity_store.VersionConflict as conflict:
        theirs = conflict.current
        page = _form_page(values=request.form, activity=theirs, conflict=theirs, mine=data)
        return page, 409
    except activity_store.ActivityNotFound:  # deleted between the read above and the write
        return _deleted_while_editing(activity)
    flash(f"Saved “{data.title}”.", "success")
    return redirect(url_for(".show", activity_id=activity_id))


def _deleted_while_editing(activity: activity_store.Activity) -> tuple[str, int]:
    """The form again, everything typed kept, offering to save it as a new activity."""
    return _form_page(values=request.form, activity=activity, deleted=True), 409


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


def _form_page(
    *, values, errors=None, activity=None, conflict=None, mine=None, deleted=False
) -> str:
    conn = get_conn()
    profile = profile_store.get(conn)
    ksbs = standard_store.ksbs(conn, profile.standard_id) if profile.standard_id else []
    chosen = (
        set(values.getlist("ksb_ids"))
        if hasattr(values, "getlist")
        else set(values.get("ksb_ids", []))
    )
    comparison = compare_versions(conflict, mine, ksbs) if conflict and mine else []
    return render_template(
        "activities/form.html",
        values=values,
        errors=errors or {},
        activity=activity,
        conflict=conflict,
        comparison=comparison,
        deleted=deleted,
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


@dataclass(frozen=True)
class ComparedField:
    """One row of the conflict page: a field as saved in the other window and as typed here."""

    label: str
    theirs: str
    mine: str

    @property
    def differs(self) -> bool:
        return self.theirs != self.mine


def compare_versions(
    theirs: activity_store.Activity, mine: ActivityInput, ksbs: list
) -> list[ComparedField]:
    """Both versions of an activity, field by field, as the apprentice would read them."""
    codes = {k.id: k.code for k in ksbs}

    def times(start, end) -> str:
        if not start:
            return "—"
        return start.strftime("%H:%M") + (f"–{end.strftime('%H:%M')}" if end else "")

    def text(value: str) -> str:
        return value or "—"

    rows = [
        ("Title", theirs.title, mine.title),
        ("Date", uk_date(theirs.activity_date), uk_date(mine.activity_date)),
        (
            "Time",
            times(theirs.start_time, theirs.end_time),
            times(mine.start_time, mine.end_time),
        ),
        (
            "Duration (hours)",
            f"{theirs.duration_minutes / 60:g}",
            f"{mine.duration_minutes / 60:g}",
        ),
        ("Activity type", type_label(theirs.activity_type), type_label(mine.activity_type)),
        (
            "KSBs",
            ", ".join(theirs.ksb_codes) or "None",
            ", ".join(codes.get(k, "?") for k in mine.ksb_ids) or "None",
        ),
        ("Tags", ", ".join(theirs.tags) or "None", ", ".join(mine.tags) or "None"),
        ("Description", text(theirs.description), text(mine.description)),
        ("Notes", text(theirs.notes), text(mine.notes)),
        ("Delivered by / with", text(theirs.delivered_by), text(mine.delivered_by)),
        ("Where", text(theirs.location), text(mine.location)),
        (
            "Paid hours",
            HOURS_BASIS.get(theirs.hours_basis, theirs.hours_basis),
            HOURS_BASIS.get(mine.hours_basis, mine.hours_basis),
        ),
        (
            "Evidence quality",
            EVIDENCE_QUALITY.get(theirs.evidence_quality, theirs.evidence_quality),
            EVIDENCE_QUALITY.get(mine.evidence_quality, mine.evidence_quality),
        ),
    ]
    return [ComparedField(*row) for row in rows]
