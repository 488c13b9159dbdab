"""Templates: list, create (blank, or from an activity: "Save as template"), edit, delete, and
apply one to the new-activity form.

Applying is a GET of ``/activities/new?template=<id>``: the form comes back filled in and
everything stays editable (:func:`prefill`, called by the activities blueprint). A template
whose KSBs no longer exist, or belong to another version of the standard, applies what it can
and the page says what it left out. Recurring templates are turned into drafts by the day
scheduler, which a template save wakes (``templates_changed``).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from otj_desktop.domain.row_ids import is_row_id
from otj_desktop.domain.templates import WEEKDAYS, InvalidTemplate, validate_template
from otj_desktop.store import activities as activity_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.store import templates as template_store
from otj_desktop.web.context import get_conn, state, write

bp = Blueprint("activity_templates", __name__, url_prefix="/templates")


@bp.get("")
def index() -> str:
    return render_template(
        "activity_templates/index.html", templates=template_store.all_templates(get_conn())
    )


@bp.get("/new")
def new() -> str:
    """A blank template form, or one filled in from an activity (``?from=<activity id>``)."""
    values: dict = {"evidence_quality": "draft", "start_date": state().clock().isoformat()}
    source = request.args.get("from", type=int)
    if source is not None:
        if not is_row_id(source):
            abort(404)
        try:
            activity = activity_store.get(get_conn(), source)
        except activity_store.ActivityNotFound:
            abort(404)
        values = {**values, **_from_activity(activity)}
    return _form_page(values=values)


@bp.post("/new")
def create() -> Response | tuple[str, int]:
    try:
        data = _validated_form()
        with write() as tx:
            template_id = template_store.create(tx, data, today=state().clock())
    except InvalidTemplate as invalid:
        return _form_page(values=request.form, errors=invalid.errors), 422
    except template_store.DuplicateName:
        return _form_page(values=request.form, errors=_duplicate(request.form)), 422
    flash(f"Saved the template “{data.name}”.", "success")
    return redirect(url_for(".index") + f"#template-{template_id}")


@bp.get("/<int:template_id>/edit")
def edit(template_id: int) -> str:
    template = _get_or_404(template_id)
    resolved = template_store.resolve_ksbs(get_conn(), template.ksbs, _standard_id())
    return _form_page(
        values=template_store.form_values(template, resolved.ksb_ids),
        template=template,
        left_out=resolved.left_out,
    )


@bp.post("/<int:template_id>/edit")
def update(template_id: int) -> Response | tuple[str, int]:
    template = _get_or_404(template_id)
    try:
        data = _validated_form()
        with write() as tx:
            template_store.update(tx, template_id, data, today=state().clock())
    except InvalidTemplate as invalid:
        return _form_page(values=request.form, errors=invalid.errors, template=template), 422
    except template_store.DuplicateName:
        errors = _duplicate(request.form)
        return _form_page(values=request.form, errors=errors, template=template), 422
    except template_store.TemplateNotFound:
        flash("That template was deleted in another window; nothing was saved.", "error")
        return redirect(url_for(".index"))
    flash(f"Saved the template “{data.name}”.", "success")
    return redirect(url_for(".index") + f"#template-{template_id}")


@bp.get("/<int:template_id>/delete")
def confirm_delete(template_id: int) -> str:
    return render_template("activity_templates/delete.html", template=_get_or_404(template_id))


@bp.post("/<int:template_id>/delete")
def delete(template_id: int) -> Response:
    try:
        with write() as tx:
            template = template_store.delete(tx, template_id)
    except template_store.TemplateNotFound:
        flash("That template was already deleted in another window.", "info")
        return redirect(url_for(".index"))
    flash(f"Deleted the template “{template.name}”. Activities made from it are kept.", "success")
    return redirect(url_for(".index"))


def prefill(template_id: int | None) -> tuple[dict, dict]:
    """For the new-activity form: the values a template fills in, and what to say about it
    (``{"name": ..., "left_out": [...]}``); empty when no template or an unknown one is asked
    for (then the page says it was not found)."""
    if template_id is None:
        return {}, {}
    if not is_row_id(template_id):
        return {}, {"missing": True}
    conn = get_conn()
    try:
        template = template_store.get(conn, template_id)
    except template_store.TemplateNotFound:
        return {}, {"missing": True}
    resolved = template_store.resolve_ksbs(conn, template.ksbs, _standard_id())
    values = template_store.activity_values(template, resolved, today=state().clock())
    notice = {"name": template.name, "left_out": template_store.left_out_notes(template, resolved)}
    return values, notice


def _from_activity(activity: activity_store.Activity) -> dict:
    return {
        "name": activity.title,
        "title": activity.title,
        "activity_type": activity.activity_type,
        "duration_hours": f"{activity.duration_minutes / 60:g}",
        "delivered_by": activity.delivered_by,
        "location": activity.location,
        "evidence_quality": activity.evidence_quality,
        "ksb_ids": [str(k.id) for k in activity.ksbs],
        "tags": ", ".join(activity.tags),
    }


def _duplicate(form) -> dict[str, str]:
    name = " ".join(str(form.get("name", "")).split())
    return {"name": f"There is already a template called “{name}”. Choose another name."}


def _standard_id() -> int | None:
    return profile_store.get(get_conn()).standard_id


def _validated_form():
    conn = get_conn()
    return validate_template(
        request.form.to_dict(flat=True),
        request.form.getlist("ksb_ids"),
        today=state().clock(),
        known_ksb_ids=standard_store.ksb_ids(conn, _standard_id()),
    )


def _get_or_404(template_id: int) -> template_store.Template:
    try:
        return template_store.get(get_conn(), template_id)
    except template_store.TemplateNotFound:
        abort(404)


def _form_page(*, values, errors=None, template=None, left_out=()) -> str:
    conn = get_conn()
    standard_id = _standard_id()
    chosen = (
        set(values.getlist("ksb_ids"))
        if hasattr(values, "getlist")
        else set(values.get("ksb_ids", []))
    )
    return render_template(
        "activity_templates/form.html",
        values=values,
        errors=errors or {},
        template=template,
        left_out=left_out,
        ksbs=standard_store.ksbs(conn, standard_id) if standard_id else [],
        chosen_ksbs=chosen,
        weekday_options=[(str(i), day) for i, day in enumerate(WEEKDAYS)],
    )
