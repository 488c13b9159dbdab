"""What pages (and a second launch) may ask of the desktop shell, and the About page.

Pages cannot call the shell directly: the Content-Security-Policy rules out pywebview's
``js_api`` bridge. So a page asks with a CSRF-protected POST and the server hands the request to
the shell through ``AppState.desktop`` (a :class:`~otj_desktop.web.context.DesktopBridge`; without
windows it says no). Only same-app paths are accepted (``safe_next``), so a page can never make
the shell open some other site.

A second launch of the app has no window cookie; it proves itself with the secret from the
data folder's ``instance.json`` instead (see :mod:`otj_desktop.instance`). That endpoint checks
the secret itself, in constant time, and answers 403 to anyone without it. Without windows it
answers with a launch URL and, for the browser, a 0600 page that redirects to it
(``browser_open.py``), which this app deletes once used.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response

from otj_desktop import __version__, browser_open
from otj_desktop.instance import ENDPOINT as INSTANCE_ENDPOINT
from otj_desktop.web.context import state
from otj_desktop.web.navigation import nav_context
from otj_desktop.web.security import authenticates_itself, launch_path, safe_next

bp = Blueprint("shell", __name__)


@bp.app_context_processor
def desktop_flags() -> dict[str, object]:
    """Templates show window commands only when there are windows to open; the header lists
    the main pages (``navigation.py``, which the View menu lists too)."""
    return {
        "desktop_windows": state().desktop.has_windows,
        "current_path": request.full_path.rstrip("?"),
        **nav_context(),
    }


@bp.post("/shell/new-window")
def new_window() -> Response | tuple[Response, int]:
    """Open ``path`` (default: the dashboard) in a new app window."""
    path = safe_next(request.values.get("path"))
    opened = state().desktop.open_window(path)
    if _wants_json():
        return jsonify(opened=opened), (200 if opened else 409)
    if not opened:
        flash("New windows are only available in the OTJ Desktop app.", "info")
    return redirect(safe_next(request.form.get("return_to") or path), 303)


@bp.post(INSTANCE_ENDPOINT)
@authenticates_itself
def instance_open_window() -> tuple[Response, int] | Response:
    """A second launch asks for a window; without windows here, it gets a launch URL."""
    if not _has_instance_secret():
        return jsonify(error="This request needs the app's secret."), 403
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    path = safe_next(body.get("path") if isinstance(body.get("path"), str) else None)
    wants_window = body.get("window", True) is not False
    opened = wants_window and state().desktop.open_window(path)
    answer: dict[str, object] = {"opened": bool(opened)}
    if not opened:
        url = request.host_url.rstrip("/") + launch_path(state().launch_tokens, path)
        answer["launch_url"] = url
        if wants_window:  # for the browser: a page to open instead of the URL itself
            answer["browser_page"] = str(browser_open.pages_for(current_app).write(url))
    return jsonify(answer)


@bp.get("/about")
def about() -> str:
    log_file = current_app.config.get("LOG_FILE")
    return render_template(
        "shell/about.html",
        version=__version__,
        data_dir=state().data_dir,
        database=state().db.path,
        log_file=Path(log_file) if log_file else None,
    )


def _has_instance_secret() -> bool:
    expected = current_app.config.get("INSTANCE_SECRET")
    if not expected:
        return False
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {expected}".encode())


def _wants_json() -> bool:
    accept = request.accept_mimetypes
    return accept.accept_json and not accept.accept_html
