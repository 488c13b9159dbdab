"""First-run setup (choose a standard) and the apprentice's profile and targets."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from otj_desktop.domain.profile import InvalidProfile, validate_profile
from otj_desktop.standards.catalogue import list_catalogue
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.web.context import get_conn, write

bp = Blueprint("profile", __name__)


@bp.get("/setup")
def setup() -> str:
    """Step 1 of first run: choose the standard (catalogue, official file, or by hand)."""
    conn = get_conn()
    return render_template(
        "setup.html",
        catalogue=list_catalogue(),
        profile=profile_store.get(conn),
        standards=standard_store.all_standards(conn),
    )


@bp.get("/profile")
def edit() -> str:
    profile = profile_store.get(get_conn())
    return _page(values=_as_form(profile))


@bp.post("/profile")
def save() -> Response | tuple[str, int]:
    try:
        data = validate_profile(request.form.to_dict(flat=True))
    except InvalidProfile as invalid:
        return _page(values=request.form, errors=invalid.errors), 422
    conn = get_conn()
    current = profile_store.get(conn)
    with write() as tx:
        profile_store.save(
            tx, profile_store.Profile(standard_id=current.standard_id, **asdict(data))
        )
    flash("Profile saved.", "success")
    return redirect(url_for("dashboard.index"))


def _page(*, values, errors=None) -> str:
    conn = get_conn()
    profile = profile_store.get(conn)
    standard = standard_store.get(conn, profile.standard_id) if profile.standard_id else None
    return render_template(
        "profile.html", values=values, errors=errors or {}, profile=profile, standard=standard
    )


def _as_form(profile: profile_store.Profile) -> dict[str, str]:
    values = {}
    for name, value in asdict(profile).items():
        if value is None:
            values[name] = ""
        elif isinstance(value, float):
            values[name] = f"{value:g}"
        else:
            values[name] = str(value) if not hasattr(value, "isoformat") else value.isoformat()
    return values
