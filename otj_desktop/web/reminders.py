"""The gentle reminder (``domain/reminders.py``) on every page, and dismissing it.

base.html shows it in a live region (``#reminder``) just below the header: it appears when a day
passes (the day scheduler's ``day_changed``) and goes when something is logged or it is
dismissed, in every window. It is a notice, never a dialog, and dismissing it is remembered for
the rest of its week or month across restarts. With script, Dismiss saves in the background
(``static/js/background-forms.js``; the answer is 204) so nothing typed on the page is lost.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date

from flask import Blueprint, abort, redirect, request
from werkzeug.wrappers import Response

from otj_desktop.domain.dates import week_start
from otj_desktop.domain.reminders import Reminder, reminder_due
from otj_desktop.store import preferences, stats
from otj_desktop.store import profile as profile_store
from otj_desktop.web.context import get_conn, state, write
from otj_desktop.web.security import safe_next

bp = Blueprint("reminders", __name__, url_prefix="/reminders")

_PERIOD = {"week": re.compile(r"\d{4}-W\d{2}"), "month": re.compile(r"\d{4}-\d{2}")}


@bp.app_context_processor
def reminder_context() -> dict[str, object]:
    """``reminder`` for base.html (None when there is nothing to say, or the data folder
    cannot be read: an error page must still render)."""
    try:
        return {"reminder": current_reminder(get_conn(), state().clock())}
    except (sqlite3.Error, RuntimeError):
        return {"reminder": None}


def current_reminder(conn: sqlite3.Connection, today: date) -> Reminder | None:
    profile = profile_store.get(conn)
    if not profile.is_set_up:
        return None  # first-run setup comes first
    return reminder_due(
        today,
        minutes_this_week=stats.otj_minutes_between(conn, week_start(today), today),
        minutes_this_month=stats.otj_minutes_between(conn, today.replace(day=1), today),
        dismissed=preferences.dismissed(conn),
        start=profile.start_date,
        end=profile.practical_end_date,
    )


@bp.post("/dismiss")
def dismiss() -> Response:
    """Dismiss the reminder for ``period``: a week ("2026-W48") or a month ("2026-11")."""
    period = request.form.get("period", "")
    kind = next((k for k, pattern in _PERIOD.items() if pattern.fullmatch(period)), None)
    if kind is None:
        abort(400)
    with write() as tx:
        preferences.dismiss(tx, kind, period)
    if request.accept_mimetypes.best == "application/json":  # background-forms.js
        return Response(status=204)
    return redirect(safe_next(request.form.get("next")), 303)
