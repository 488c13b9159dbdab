"""The apprentice's standard: import the official file, pick from the catalogue, or build one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from otj_desktop.standards.catalogue import list_catalogue, load_catalogue_standard
from otj_desktop.standards.importer import StandardData, StandardFileError, parse_standard
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.web.context import get_conn, write
from otj_desktop.web.security import body_limit

bp = Blueprint("standards", __name__)

IMPORT_LIMIT = 5 * 1024 * 1024  # the official file for one standard is well under 1 MB


@bp.get("/standard")
def current() -> Response | str:
    conn = get_conn()
    profile = profile_store.get(conn)
    if not profile.is_set_up:
        return redirect(url_for("profile.setup"))
    standard = standard_store.get(conn, profile.standard_id)
    return render_template(
        "standards/show.html",
        standard=standard,
        ksbs=standard_store.ksbs(conn, standard.id),
        counts=standard_store.link_counts(conn, standard.id),
        categories=standard_store.CATEGORY_LABELS,
    )


@bp.post("/standards/import")
@body_limit(IMPORT_LIMIT)
def import_file() -> Response | tuple[str, int]:
    upload = request.files.get("standard_file")
    if upload is None or not upload.filename:
        return _setup_error("Choose the standard's JSON file to import.")
    try:
        data = parse_standard(upload.read(IMPORT_LIMIT + 1))
    except StandardFileError as exc:
        return _setup_error(str(exc))
    return _adopt(data)


@bp.post("/standards/catalogue")
def choose_from_catalogue() -> Response | tuple[str, int]:
    try:
        data = load_catalogue_standard(request.form.get("key", ""))
    except KeyError:
        return _setup_error("Choose a standard from the list.")
    return _adopt(data)


@bp.post("/standards/manual")
def create_manual() -> Response | tuple[str, int]:
    title = " ".join(request.form.get("title", "").split())
    if not title or len(title) > 200:
        return _setup_error("Give your standard a title (up to 200 characters).")
    with write() as tx:
        standard_id = standard_store.create_manual(tx, title=title)
        if not profile_store.get(tx.conn).is_set_up:
            profile_store.set_standard(tx, standard_id)
    flash(f"Created “{title}”. Add its KSBs below.", "success")
    return redirect(url_for(".current"))


def _adopt(data: StandardData) -> Response:
    """Store the standard; make it the apprentice's if they have none yet."""
    with write() as tx:
        result = standard_store.add(tx, data)
        first = not profile_store.get(tx.conn).is_set_up
        if first:
            profile_store.set_standard(tx, result.standard_id)
    if not result.created:
        flash(f"{data.title} v{data.version} was already imported; nothing changed.", "info")
    else:
        flash(f"Added {data.title} v{data.version} with {len(data.ksbs)} KSBs.", "success")
    return redirect(url_for("profile.edit") if first else url_for(".current"))


def _setup_error(message: str) -> tuple[str, int]:
    conn = get_conn()
    return (
        render_template(
            "setup.html",
            catalogue=list_catalogue(),
            profile=profile_store.get(conn),
            standards=standard_store.all_standards(conn),
            import_error=message,
        ),
        422,
    )
