"""The apprentice's standard: choose one, switch versions, and edit its KSBs by hand.

Three ways in (official file, bundled catalogue, typed in) all end in :func:`adopt` (as does the
desktop's File → Import standard…, ``menus.py``): on first
run the standard becomes the apprentice's; later, a new standard or version is stored and the
apprentice is shown how their links would move (``/standards/<id>/switch``) before a confirming
POST switches. Links a switch cannot carry stay on the old KSB and are listed on the standard
page, each with its activities, until they are re-linked.

Hand edits never renumber: a new KSB gets the next unused code, edits keep id and code, and a
KSB that activities link to cannot be deleted. Every write goes through the store, which
announces ``standard_saved``; pages mark their data regions with ``data-live`` for live sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from otj_desktop.domain.standard_edits import (
    InvalidStandardEdit,
    validate_details,
    validate_ksb,
)
from otj_desktop.standards.catalogue import list_catalogue, load_catalogue_standard
from otj_desktop.standards.importer import (
    UPLOAD_LIMIT,
    StandardData,
    StandardFileError,
    parse_standard,
)
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.store.db import Transaction
from otj_desktop.web.context import get_conn, write
from otj_desktop.web.security import body_limit

bp = Blueprint("standards", __name__)

TOO_LARGE = "This file is too large to be an apprenticeship standard."


# --- viewing -----------------------------------------------------------------------------------


@bp.get("/standard")
def current() -> Response | str:
    profile = profile_store.get(get_conn())
    if not profile.is_set_up:
        return redirect(url_for("profile.setup"))
    return _show_page(profile.standard_id)


@bp.get("/standards/<int:standard_id>")
def show(standard_id: int) -> str:
    return _show_page(standard_id)


def _show_page(standard_id: int) -> str:
    conn = get_conn()
    standard = _standard_or_404(standard_id)
    current_id = profile_store.get(conn).standard_id
    others = [s for s in standard_store.all_standards(conn) if s.id != standard.id]
    return render_template(
        "standards/show.html",
        standard=standard,
        current=standard_store.get(conn, current_id) if current_id else None,
        is_current=standard.id == current_id,
        ksbs=standard_store.ksbs(conn, standard.id),
        counts=standard_store.link_counts(conn, standard.id),
        categories=standard_store.CATEGORY_LABELS,
        versions=[s for s in others if s.reference == standard.reference],
        other_standards=[s for s in others if s.reference != standard.reference],
        stranded=standard_store.stranded_links(conn, current_id)
        if standard.id == current_id
        else [],
    )


# --- three ways in -----------------------------------------------------------------------------


@bp.post("/standards/import")
@body_limit(UPLOAD_LIMIT)
def import_file() -> Response | tuple[str, int]:
    upload = request.files.get("standard_file")
    if upload is None or not upload.filename:
        return _setup_error("standard_file", "Choose the standard's JSON file to import.")
    try:
        data = parse_standard(upload.read(UPLOAD_LIMIT + 1))
    except StandardFileError as exc:
        return _setup_error("standard_file", str(exc))
    return _adopt(data)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    # A file over the upload limit never reaches the view; say so on the page it came from.
    if request.endpoint == "standards.import_file":
        return _setup_error("standard_file", TOO_LARGE, status=413)
    message = "That was more than this form accepts. Nothing was saved."
    return render_template("errors/error.html", title="Too large", message=message), 413


@bp.post("/standards/catalogue")
def choose_from_catalogue() -> Response | tuple[str, int]:
    try:
        data = load_catalogue_standard(request.form.get("key", ""))
    except KeyError:
        return _setup_error("key", "Choose a standard from the list.")
    return _adopt(data)


@bp.post("/standards/manual")
def create_manual() -> Response | tuple[str, int]:
    try:
        details = validate_details({"title": request.form.get("title", "")})
    except InvalidStandardEdit:
        return _setup_error(
            "manual_title",
            "Give your standard a title (up to 200 characters).",
            values={"manual_title": request.form.get("title", "")},
        )
    with write() as tx:
        standard_id = standard_store.create_manual(tx, title=details.title)
        first = not profile_store.get(tx.conn).is_set_up
        if first:
            profile_store.set_standard(tx, standard_id)
    flash(f"Created “{details.title}”. Add its KSBs below.", "success")
    return redirect(url_for(".edit", standard_id=standard_id))


@dataclass(frozen=True)
class Adoption:
    """What adopting a standard did: the sentence to show, and the page that comes next."""

    message: str
    category: str  # a flash category
    next_path: str
    created: bool  # a new standard: the next page (profile, or switch preview) says what now


def adopt(tx: Transaction, data: StandardData) -> Adoption:
    """Store the standard; make it the apprentice's on first run, else offer the switch.

    Outside any request too (the File menu), hence paths rather than ``url_for``.
    """
    result = standard_store.add(tx, data)
    first = not profile_store.get(tx.conn).is_set_up
    if first:
        profile_store.set_standard(tx, result.standard_id)
    label = f"{data.title} v{data.version}"
    shown = f"/standards/{result.standard_id}"
    if first:
        message = f"Added {label} with {len(data.ksbs)} KSBs. Now fill in your profile."
        return Adoption(message, "success", "/profile", created=True)
    if result.replaced_summaries:
        message = f"{label} now uses the official text. Codes and links are unchanged."
        return Adoption(message, "success", shown, created=False)
    if not result.created:
        return Adoption(f"{label} was already imported; nothing changed.", "info", shown, False)
    message = f"Added {label}. Check how your links would move before switching to it."
    return Adoption(message, "success", f"{shown}/switch", created=True)


def _adopt(data: StandardData) -> Response:
    with write() as tx:
        adoption = adopt(tx, data)
    flash(adoption.message, adoption.category)
    return redirect(adoption.next_path)


def _setup_error(
    field: str, message: str, *, status: int = 422, values: dict[str, str] | None = None
) -> tuple[str, int]:
    """The setup page again, with ``message`` next to ``field`` and the typed ``values``."""
    conn = get_conn()
    return (
        render_template(
            "setup.html",
            catalogue=list_catalogue(),
            profile=profile_store.get(conn),
            standards=standard_store.all_standards(conn),
            errors={field: message},
            values=values or {},
        ),
        status,
    )


# --- switching version (or standard) -----------------------------------------------------------


@bp.get("/standards/<int:standard_id>/switch")
def preview_switch(standard_id: int) -> Response | str | tuple[str, int]:
    return _switch_page(standard_id)


@bp.post("/standards/<int:standard_id>/switch")
def switch(standard_id: int) -> Response | str | tuple[str, int]:
    _standard_or_404(standard_id)
    expected_from = request.form.get("from_id", type=int)
    plan = None
    with write() as tx:
        # Checked inside the transaction: the preview was made from this standard, and another
        # window may have switched since.
        from_id = profile_store.get(tx.conn).standard_id
        if from_id is not None and from_id == expected_from and from_id != standard_id:
            plan = standard_store.plan_switch(tx.conn, from_id, standard_id)
            standard_store.switch_version(tx, from_id, standard_id)
    if plan is None:
        notice = (
            "Your standard was changed in another window, so nothing was switched. "
            "Check the preview again."
        )
        return _switch_page(standard_id, notice=notice, status=409)
    flash(_switch_summary(plan), "success")
    return redirect(url_for(".current"))


def _switch_page(
    standard_id: int, *, notice: str | None = None, status: int = 200
) -> Response | str | tuple[str, int]:
    conn = get_conn()
    target = _standard_or_404(standard_id)
    current_id = profile_store.get(conn).standard_id
    if current_id is None:
        return redirect(url_for("profile.setup"))
    if current_id == target.id:
        flash(f"{target.label} is already your standard.", "info")
        return redirect(url_for(".current"))
    plan = standard_store.plan_switch(conn, current_id, target.id)
    page = render_template(
        "standards/switch.html",
        plan=plan,
        notice=notice,
        categories=standard_store.CATEGORY_LABELS,
    )
    return page, status


def _switch_summary(plan: standard_store.SwitchPlan) -> str:
    moved = sum(m.activities for m in plan.moved)
    text = f"Switched to {plan.target.label}."
    if plan.moved:
        text += f" {moved} KSB link{'s' if moved != 1 else ''} carried over."
    if plan.unmapped:
        codes = ", ".join(u.ksb.code for u in plan.unmapped)
        text += (
            f" {len(plan.unmapped)} KSB{'s' if len(plan.unmapped) != 1 else ''} could not be "
            f"mapped ({codes}): their links are kept, re-link them below."
        )
    return text


# --- editing by hand ---------------------------------------------------------------------------


@bp.get("/standards/<int:standard_id>/edit")
def edit(standard_id: int) -> str:
    return _edit_page(_standard_or_404(standard_id))


@bp.post("/standards/<int:standard_id>/details")
def save_details(standard_id: int) -> Response | tuple[str, int]:
    standard = _standard_or_404(standard_id)
    if standard.source != "manual":
        abort(404)
    try:
        details = validate_details(request.form)
    except InvalidStandardEdit as invalid:
        page = _edit_page(standard, details_values=request.form, details_errors=invalid.errors)
        return page, 422
    with write() as tx:
        standard_store.update_details(
            tx,
            standard_id,
            title=details.title,
            level=details.level,
            minimum_hours=details.minimum_hours,
        )
    flash(f"Saved “{details.title}”.", "success")
    return redirect(url_for(".edit", standard_id=standard_id))


@bp.post("/standards/<int:standard_id>/ksbs")
def add_ksb(standard_id: int) -> Response | tuple[str, int]:
    standard = _standard_or_404(standard_id)
    try:
        data = validate_ksb(request.form)
    except InvalidStandardEdit as invalid:
        return _edit_page(standard, ksb_values=request.form, ksb_errors=invalid.errors), 422
    with write() as tx:
        ksb_id = standard_store.add_ksb(tx, standard_id, data.category, data.statement, data.title)
        code = standard_store.get_ksb(tx.conn, ksb_id).code
    flash(f"Added {code}.", "success")
    return redirect(url_for(".edit", standard_id=standard_id, _anchor=f"ksb-{ksb_id}"))


@bp.get("/standards/<int:standard_id>/ksbs/<int:ksb_id>")
def edit_ksb(standard_id: int, ksb_id: int) -> str:
    ksb = _ksb_or_404(standard_id, ksb_id)
    values = {"ksb_title": ksb.title or "", "statement": ksb.statement}
    return _ksb_page(ksb, values=values)


@bp.post("/standards/<int:standard_id>/ksbs/<int:ksb_id>")
def update_ksb(standard_id: int, ksb_id: int) -> Response | tuple[str, int]:
    ksb = _ksb_or_404(standard_id, ksb_id)
    try:
        data = validate_ksb(request.form, category=ksb.category)
    except InvalidStandardEdit as invalid:
        return _ksb_page(ksb, values=request.form, errors=invalid.errors), 422
    with write() as tx:
        standard_store.update_ksb(tx, ksb_id, statement=data.statement, title=data.title)
    flash(f"Saved {ksb.code}.", "success")
    return redirect(url_for(".edit", standard_id=standard_id, _anchor=f"ksb-{ksb_id}"))


@bp.post("/standards/<int:standard_id>/ksbs/<int:ksb_id>/delete")
def delete_ksb(standard_id: int, ksb_id: int) -> Response | tuple[str, int]:
    ksb = _ksb_or_404(standard_id, ksb_id)
    try:
        with write() as tx:
            standard_store.delete_ksb(tx, ksb_id)
    except standard_store.KsbInUse as in_use:
        values = {"ksb_title": ksb.title or "", "statement": ksb.statement}
        return _ksb_page(ksb, values=values, delete_error=str(in_use)), 409
    flash(f"Removed {ksb.code}. Its code will not be used again.", "success")
    return redirect(url_for(".edit", standard_id=standard_id))


def _edit_page(
    standard: standard_store.Standard,
    *,
    ksb_values: Any = None,
    ksb_errors: dict[str, str] | None = None,
    details_values: Any = None,
    details_errors: dict[str, str] | None = None,
) -> str:
    conn = get_conn()
    if details_values is None:
        details_values = {
            "title": standard.title,
            "level": str(standard.level or ""),
            "minimum_hours": f"{standard.minimum_hours:g}" if standard.minimum_hours else "",
        }
    next_codes = standard_store.next_codes(conn, standard.id)
    return render_template(
        "standards/edit.html",
        standard=standard,
        is_current=standard.id == profile_store.get(conn).standard_id,
        ksbs=standard_store.ksbs(conn, standard.id),
        counts=standard_store.link_counts(conn, standard.id),
        categories=standard_store.CATEGORY_LABELS,
        category_options=[
            (key, f"{label} (gets {next_codes[key]})")
            for key, label in standard_store.CATEGORY_NAMES.items()
        ],
        ksb_values=ksb_values or {},
        ksb_errors=ksb_errors or {},
        details_values=details_values,
        details_errors=details_errors or {},
    )


def _ksb_page(
    ksb: standard_store.Ksb,
    *,
    values: Any,
    errors: dict[str, str] | None = None,
    delete_error: str | None = None,
) -> str:
    conn = get_conn()
    return render_template(
        "standards/ksb_edit.html",
        ksb=ksb,
        standard=standard_store.get(conn, ksb.standard_id),
        linked=standard_store.link_counts(conn, ksb.standard_id).get(ksb.id, 0),
        values=values,
        errors=errors or {},
        delete_error=delete_error,
    )


def _standard_or_404(standard_id: int) -> standard_store.Standard:
    try:
        return standard_store.get(get_conn(), standard_id)
    except standard_store.StandardNotFound:
        abort(404)


def _ksb_or_404(standard_id: int, ksb_id: int) -> standard_store.Ksb:
    try:
        ksb = standard_store.get_ksb(get_conn(), ksb_id)
    except standard_store.StandardNotFound:
        abort(404)
    if ksb.standard_id != standard_id:
        abort(404)
    return ksb
