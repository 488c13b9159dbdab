"""Entry checks (``domain/entry_checks.py``): warnings when an activity is saved, and the page
that lists every entry a training provider might query.

A warning never stops a save. :func:`flash_warnings` puts an activity's warnings in the flash,
so the saved activity's page shows them once, next to "Saved"; the Entry checks page
(``/checks``) lists them all, with the months of the practical period with no learning logged.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, render_template

from otj_desktop.domain.entry_checks import CHECKS, EntryWarning
from otj_desktop.store import entry_checks as check_store
from otj_desktop.web.context import get_conn, state

bp = Blueprint("entry_checks", __name__, url_prefix="/checks")

SHOWN_PER_CHECK = 100


def flash_warnings(activity_id: int) -> list[EntryWarning]:
    """Flash the saved activity's warnings (category ``warning``) and return them."""
    warnings = check_store.warnings_for(get_conn(), activity_id)
    for warning in warnings:
        flash(f"Check: {warning.message}", "warning")
    return warnings


@bp.get("")
def index() -> str:
    conn = get_conn()
    found, facts = check_store.all_warnings(conn)
    sections = []
    for code, heading in CHECKS.items():
        rows = [
            (facts[activity_id], warning, facts.get(warning.other_id))
            for activity_id, warnings in found.items()
            for warning in warnings
            if warning.code == code
        ]
        rows.sort(key=lambda r: (r[0].activity_date, r[0].id or 0), reverse=True)
        sections.append((code, heading, rows[:SHOWN_PER_CHECK], len(rows)))
    return render_template(
        "entry_checks/index.html",
        sections=sections,
        flagged=len(found),
        empty_months=[
            (m, (m + timedelta(days=32)).replace(day=1) - timedelta(days=1))
            for m in check_store.months_without_learning(conn, state().clock())
        ],
    )
