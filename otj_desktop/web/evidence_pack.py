"""The evidence pack page, its PDF, and "Save as PDF" through the desktop shell.

``GET /evidence-pack`` shows the options (period, KSBs, descriptions, who signs) and the pack,
styled for printing (``@media print`` in ``static/css/evidence.css``). Its options live in the
URL, so a live refresh (the pack is a live region) and the PDF show the same pack.

``GET /evidence-pack.pdf`` downloads the PDF (browsers). In the app's own windows, "Save as
PDF…" posts to ``/evidence-pack/save-pdf``, which asks the desktop shell for its native Save
dialog (``DesktopBridge.save_file``) and writes the file there; pywebview has no print API and
Qt ignores ``window.print()``. Without windows the same post simply downloads the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from otj_desktop.domain.activities import EVIDENCE_QUALITY
from otj_desktop.domain.activity_types import type_label
from otj_desktop.domain.dates import uk_date
from otj_desktop.domain.evidence_pack import (
    CATEGORY_LABELS,
    Pack,
    PackOptions,
    build_pack,
    parse_options,
    period_text,
)
from otj_desktop.store import evidence_pack as pack_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.web.context import get_conn, state

bp = Blueprint("evidence_pack", __name__)


@bp.get("/evidence-pack")
def page() -> tuple[str, int]:
    pack, errors, facts = _pack_from(request.args)
    html = render_template(
        "evidence_pack.html",
        pack=pack,
        errors=errors,
        facts=facts,
        args=pack.options.query_args(),
        category_labels=CATEGORY_LABELS,
        all_ksbs=facts["all_ksbs"],
    )
    return html, 422 if errors else 200


@bp.get("/evidence-pack.pdf")
def pdf() -> Response:
    pack, _errors, facts = _pack_from(request.args)
    return _download(_pdf_bytes(pack, facts), facts["file_name"])


@bp.post("/evidence-pack/save-pdf")
def save_pdf() -> Response:
    options = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"])
    pack, _errors, facts = _pack_from(options)
    data = _pdf_bytes(pack, facts)
    bridge = state().desktop
    if not bridge.has_windows:
        return _download(data, facts["file_name"])
    back = url_for(".page", **pack.options.query_args())
    try:
        saved = bridge.save_file(facts["file_name"], data)
    except OSError as exc:
        flash(
            f"The PDF could not be saved there ({exc.strerror or exc}). Nothing was written.",
            "error",
        )
        return redirect(back)
    if saved:
        flash(f"Saved the evidence pack as {saved}.", "success")
    return redirect(back)


def _pack_from(args: Mapping[str, str]) -> tuple[Pack, dict[str, str], dict]:
    conn = get_conn()
    conn.execute("BEGIN")  # one read transaction: every figure shows the same moment
    try:
        profile = profile_store.get(conn)
        ksbs = pack_store.ksbs(conn, profile.standard_id)
        choices = args.getlist("ksb") if hasattr(args, "getlist") else []
        options, errors = parse_options(
            args,
            choices,
            today=state().clock(),
            known_ksb_ids={k.id for k in ksbs},
            apprentice_name=profile.name,
        )
        activities = pack_store.activities(
            conn, profile.standard_id, options.date_from, options.date_to
        )
        standard = _standard_line(conn, profile.standard_id)
    finally:
        conn.execute("COMMIT")
    pack = build_pack(activities, ksbs, options)
    today = state().clock()
    facts = {
        "apprentice": profile.name,
        "standard": standard,
        "period": period_text(options, uk_date),
        "today": today,
        "all_ksbs": ksbs,
        "file_name": f"otj-evidence-pack-{today.isoformat()}.pdf",
    }
    return pack, errors, facts


def _standard_line(conn: sqlite3.Connection, standard_id: int | None) -> str:
    if standard_id is None:
        return "No standard chosen yet"
    s = standard_store.get(conn, standard_id)
    return f"{s.title} ({s.reference} v{s.version})"


def _pdf_bytes(pack: Pack, facts: dict) -> bytes:
    # Imported when a PDF is asked for: fpdf2 (with fontTools) takes ~0.16 s to import, a third
    # of the app's start-up (docs/benchmarks.md, "Start-up").
    from otj_desktop.web.pack_pdf import render_pdf

    return render_pdf(
        pack,
        apprentice=facts["apprentice"],
        standard=facts["standard"],
        period=facts["period"],
        made_on=facts["today"],
        uk_date=uk_date,
        type_label=type_label,
        quality_label=lambda q: EVIDENCE_QUALITY.get(q, q),
    )


def _download(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def options_hidden_fields(options: PackOptions) -> list[tuple[str, str]]:
    """The options as (name, value) pairs for the Save as PDF form's hidden fields."""
    pairs = []
    for key, value in options.query_args().items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, str(item)))
    return pairs


bp.add_app_template_global(options_hidden_fields, "pack_hidden_fields")
