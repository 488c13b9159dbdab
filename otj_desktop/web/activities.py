"""The activity log: list (with filters in the URL), CSV export, create, view, edit, delete.

Edits are guarded by the activity's version number: saving over a version that changed since
the form was loaded (another window saved first) answers 409 with both versions side by side
(``web/conflicts.py``) and the choice "keep mine" or "use theirs"; saving an activity another
window deleted keeps everything typed and offers to save it as a new activity. Nothing is
silently overwritten and nothing typed is lost. The pages mark their live regions
(``data-live``), see ``static/js/live.js``.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from otj_desktop.domain import activities as rules
from otj_desktop.domain import resource_links as link_rules
from otj_desktop.domain.activities import EVIDENCE_QUALITY, InvalidActivity, validate_activity
from otj_desktop.domain.activity_filter import ActivityFilter, parse_filter
from otj_desktop.domain.activity_types import ACTIVITY_TYPES
from otj_desktop.domain.csv_export import csv_chunks
from otj_desktop.store import activities as activity_store
from otj_desktop.store import activity_search
from otj_desktop.store import history as history_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.store import tags as tag_store
from otj_desktop.store.db import Database
from otj_desktop.web import planning
from otj_desktop.web.conflicts import compare_versions
from otj_desktop.web.context import get_conn, state, write
from otj_desktop.web.resource_link_form import rows_for, wants_more_rows, with_links
from otj_desktop.web.security import body_limit

bp = Blueprint("activities", __name__, url_prefix="/activities")

PER_PAGE = 25

# A valid activity must never be refused as too large (that loses everything typed), so the
# form's body limit is worked out from the validation limits: every text at its longest in
# characters of 4 bytes in UTF-8, 12 once percent-encoded ("%F0%9F%98%80"), links included,
# plus room for field names, KSB ticks and the rest (about 2.6 MB; the default is 256 KB).
_LONGEST_ACTIVITY_CHARS = (
    rules.TITLE_MAX
    + 2 * rules.TEXT_MAX  # description, notes
    + 2 * rules.SHORT_TEXT_MAX  # delivered by, location
    + rules.TAGS_PER_ACTIVITY_MAX * (rules.TAG_MAX + 2)  # ", " between tags
    + link_rules.LINKS_PER_ACTIVITY_MAX
    * (link_rules.LINK_TITLE_MAX + link_rules.URL_MAX + link_rules.LINK_DESCRIPTION_MAX)
)
ACTIVITY_FORM_LIMIT = 12 * _LONGEST_ACTIVITY_CHARS + 256 * 1024


@bp.get("")
def index() -> tuple[str, int]:
    """The log, narrowed by the filters in the URL (see domain/activity_filter.py)."""
    filters, errors = parse_filter(request.args)
    conn = get_conn()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    items, total = activity_store.list_page(conn, page=page, per_page=PER_PAGE, filters=filters)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    if page > pages:  # past the end (the list shrank in another window): show the last page
        page = pages
        items, total = activity_store.list_page(conn, page=page, per_page=PER_PAGE, filters=filters)
    profile = profile_store.get(conn)
    page_html = render_template(
        "activities/index.html",
        activities=items,
        page=page,
        pages=pages,
        total=total,
        filters=filters,
        filter_args=filters.query_args(),
        filter_values=request.args,
        filter_errors=errors,
        filter_ksbs=standard_store.ksbs(conn, profile.standard_id) if profile.standard_id else [],
        filter_tags=tag_store.all_names(conn),
        **planning.drafts_context(),
    )
    return page_html, 422 if errors else 200


@bp.get("/export.csv")
def export_csv() -> Response:
    """The filtered list as CSV (UTF-8 with BOM), streamed, newest first."""
    filters, _errors = parse_filter(request.args)  # unusable filters are left off, as listed
    db = state().db
    rows = _export_cells(db, filters)
    name = f"otj-activities-{state().clock().isoformat()}.csv"
    return Response(
        (chunk.encode("utf-8") for chunk in csv_chunks(rows)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _export_cells(db: Database, filters: ActivityFilter) -> Iterator[list[str]]:
    """The CSV's cells, read on a connection of its own in one read transaction.

    Hours are exact (0.25, 1.75), not rounded as the pages show them: the file is data for
    the training provider, and its hours should add up to the totals.
    """
    hours: dict[int, str] = {}
    labels = {t.key: t.label for t in ACTIVITY_TYPES}
    with db.connection() as conn:
        conn.execute("BEGIN")  # one snapshot for the whole file, however slowly it is read
        for row in activity_search.export_rows(conn, filters):
            minutes = row.duration_minutes
            if minutes not in hours:
                hours[minutes] = f"{minutes / 60:g}"
            yield [
                row.activity_date,
                row.title,
                hours[minutes],
                labels.get(row.activity_type, row.activity_type),
                EVIDENCE_QUALITY.get(row.evidence_quality, row.evidence_quality),
                "; ".join(row.tags),
                " ".join(row.ksb_codes),
                row.description,
            ]
        conn.execute("COMMIT")


@bp.get("/new")
def new() -> str:
    values = {"activity_date": state().clock().isoformat(), "evidence_quality": "draft"}
    prefilled, notice = planning.template_prefill(request.args.get("template", type=int))
    return _form_page(values={**values, **prefilled}, template_notice=notice)


@bp.post("/new")
@body_limit(ACTIVITY_FORM_LIMIT)
def create() -> Response | tuple[str, int]:
    if wants_more_rows(request.form):
        return _form_page(values=request.form, more_rows=True)
    try:
        data = _validated_form()
    except InvalidActivity as invalid:
        return _form_page(values=request.form, errors=invalid.errors), 422
    with write() as tx:
        activity_id = activity_store.create(tx, data)
    flash(f"Saved “{data.title}”.", "success")
    planning.flash_warnings(activity_id)
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
    history = history_store.for_activity(get_conn(), activity_id)
    return render_template(
        "activities/show.html", activity=activity, deleted=False, history=history
    )


@bp.get("/<int:activity_id>/edit")
def edit(activity_id: int) -> str:
    activity = _get_or_404(activity_id)
    return _form_page(values=form_values(activity), activity=activity)


@bp.post("/<int:activity_id>/edit")
@body_limit(ACTIVITY_FORM_LIMIT)
def update(activity_id: int) -> Response | tuple[str, int]:
    try:
        activity = activity_store.get(get_conn(), activity_id, include_deleted=True)
    except activity_store.ActivityNotFound:
        abort(404)
    if activity.deleted_at:
        return _deleted_while_editing(activity)
    if wants_more_rows(request.form):
        return _form_page(values=request.form, activity=activity, more_rows=True)
    try:
        data = _validated_form(activity)
    except InvalidActivity as invalid:
        return _form_page(values=request.form, errors=invalid.errors, activity=activity), 422
    expected = request.form.get("version", type=int)
    status = planning.status_on_save(activity, request.form)
    try:
        with write() as tx:
            activity_store.update(
                tx, activity_id, data, expected_version=expected or -1, status=status
            )
    except activity_store.VersionConflict as conflict:
        theirs = conflict.current
        page = _form_page(values=request.form, activity=theirs, conflict=theirs, mine=data)
        return page, 409
    except activity_store.ActivityNotFound:  # deleted between the read above and the write
        return _deleted_while_editing(activity)
    flash(f"Saved “{data.title}”{' and confirmed it' if status else ''}.", "success")
    planning.flash_warnings(activity_id)
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


def _validated_form(activity: activity_store.Activity | None = None):
    """The submitted entry, checked. KSBs may come from the apprentice's standard or be ones the
    activity already links to in another version (kept after a switch until re-linked)."""
    conn = get_conn()
    profile = profile_store.get(conn)
    known = standard_store.ksb_ids(conn, profile.standard_id)
    if activity is not None:
        known |= {k.id for k in activity.ksbs}
    return with_links(
        lambda: validate_activity(
            request.form.to_dict(flat=True),
            request.form.getlist("ksb_ids"),
            today=state().clock(),
            known_ksb_ids=known,
        ),
        request.form,
    )


def _form_page(
    *,
    values,
    errors=None,
    activity=None,
    conflict=None,
    mine=None,
    deleted=False,
    more_rows=False,
    template_notice=None,
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
    current_ids = {k.id for k in ksbs}
    # Links to KSBs of another version of the standard (left by a version switch): shown
    # ticked so that saving keeps them unless the apprentice unticks them.
    elsewhere = [k for k in (activity.ksbs if activity else []) if k.id not in current_ids]
    return render_template(
        "activities/form.html",
        values=values,
        errors=errors or {},
        activity=activity,
        conflict=conflict,
        comparison=comparison,
        other_version_ksbs=elsewhere,
        deleted=deleted,
        ksbs=ksbs,
        chosen_ksbs=chosen,
        known_tags=tag_store.all_names(conn),
        today=state().clock().isoformat(),
        link_rows=rows_for(values, more=more_rows),
        **planning.form_context(activity, template_notice),
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
        "resource_links": activity.resource_links,
    }
