"""Appearance: light, dark, or matching the system, remembered across restarts.

The server renders the choice as ``data-theme`` on ``<html>`` (``app.css`` styles
``:root[data-theme=dark|light]``; no attribute follows the system), so a page is drawn in the
right colours from its first paint, with no inline script (the CSP forbids it). Changing it
announces ``appearance_changed``; ``static/js/appearance.js`` switches every other open window
at once, and the header's toggle is a live region that shows the new choice. With that script
the toggle saves in the background (``static/js/background-forms.js``; asked for JSON, the answer
is 204), so a form being typed in on the page is not lost; without script it is a plain form
that comes back to the page.
"""

from __future__ import annotations

import sqlite3

from flask import Blueprint, abort, redirect, request
from werkzeug.wrappers import Response

from otj_desktop.store import preferences
from otj_desktop.web.context import get_conn, write
from otj_desktop.web.security import safe_next

bp = Blueprint("appearance", __name__)


@bp.app_context_processor
def theme_context() -> dict[str, object]:
    try:
        theme = preferences.theme(get_conn())
    except (sqlite3.Error, RuntimeError):
        theme = "system"  # an error page about the data folder still renders
    return {"theme": theme, "themes": preferences.THEMES}


@bp.post("/appearance")
def set_appearance() -> Response:
    theme = request.form.get("theme", "")
    if theme not in preferences.THEMES:
        abort(400)
    with write() as tx:
        preferences.set_theme(tx, theme)
    if request.accept_mimetypes.best == "application/json":  # background-forms.js
        return Response(status=204)
    return redirect(safe_next(request.form.get("next")), 303)
