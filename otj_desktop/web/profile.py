"""First-run setup (choose a standard), and the profile page with the OTJ hours calculator.

``/profile`` is both the calculator and the second first-run step: it picks the minimum-hours
rule from the start date, shows every step of the working (prior learning and the 187-hour
floor included), warns when the planned hours are below the minimum, and saves the profile with
the target. "Work it out" shows the working for what was typed without saving anything; "Save"
stores it. Breaks in learning are added and removed on the same page; they move the planned end
date (and so the pace) but never the minimum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from decimal import ROUND_HALF_UP, Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from otj_desktop.domain.otj_hours import Step, round_hours
from otj_desktop.domain.profile import InvalidProfile, validate_profile
from otj_desktop.domain.targets import InvalidBreak, validate_break, work_out
from otj_desktop.standards.catalogue import list_catalogue
from otj_desktop.store import breaks as break_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.web.context import get_conn, write
from otj_desktop.web.progress import target_inputs

bp = Blueprint("profile", __name__)


@bp.app_template_filter("step_value")
def step_value(step: Step) -> str:
    """A step's result: weeks as worked (up to two decimals, 5.6 or 14.03), hours to one."""
    if step.unit == "weeks":
        text = f"{Decimal(repr(step.value)).quantize(Decimal('0.01'), ROUND_HALF_UP):f}"
        return text.rstrip("0").rstrip(".")
    return f"{round_hours(step.value):.1f}"


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
    """Save the profile, or with ``action=calculate`` only show the working for it."""
    try:
        data = validate_profile(request.form.to_dict(flat=True))
    except InvalidProfile as invalid:
        return _page(values=request.form, errors=invalid.errors), 422
    conn = get_conn()
    current = profile_store.get(conn)
    typed = profile_store.Profile(standard_id=current.standard_id, **asdict(data))
    if request.form.get("action") == "calculate":
        return _page(values=request.form, shown=typed), 200
    first_run = current.start_date is None
    with write() as tx:
        profile_store.save(tx, typed)
    flash("Profile and OTJ target saved.", "success")
    if first_run:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for(".edit") + "#working")


@bp.post("/profile/breaks")
def add_break() -> Response | tuple[str, int]:
    conn = get_conn()
    profile = profile_store.get(conn)
    try:
        start, end, reason = validate_break(
            request.form.to_dict(flat=True),
            apprenticeship_start=profile.start_date,
            practical_end=profile.practical_end_date,
        )
    except InvalidBreak as invalid:
        return (
            _page(values=_as_form(profile), break_values=request.form, break_errors=invalid.errors),
            422,
        )
    with write() as tx:
        break_store.add(tx, start, end, reason)
    flash("Break in learning added: your planned end date has moved.", "success")
    return redirect(url_for(".edit") + "#breaks")


@bp.post("/profile/breaks/<int:break_id>/remove")
def remove_break(break_id: int) -> Response:
    try:
        with write() as tx:
            break_store.remove(tx, break_id)
    except break_store.BreakNotFound:
        flash("That break was already removed in another window.", "info")
    else:
        flash("Break in learning removed.", "success")
    return redirect(url_for(".edit") + "#breaks")


def _page(
    *,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
    shown: profile_store.Profile | None = None,
    break_values: Mapping[str, str] | None = None,
    break_errors: Mapping[str, str] | None = None,
) -> str:
    """The page; the working is for ``shown`` (typed, not saved) or else the saved profile."""
    conn = get_conn()
    profile = profile_store.get(conn)
    standard = standard_store.get(conn, profile.standard_id) if profile.standard_id else None
    breaks = break_store.all_breaks(conn)
    working = work_out(target_inputs(conn, shown or profile, breaks=breaks))
    return render_template(
        "profile.html",
        values=values,
        errors=errors or {},
        profile=profile,
        standard=standard,
        working=working,
        preview=shown is not None,
        first_run=profile.start_date is None,
        breaks=breaks,
        break_values=break_values or {},
        break_errors=break_errors or {},
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
