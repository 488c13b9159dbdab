"""Who may talk to the app: only its own windows.

The server listens on 127.0.0.1, but that alone lets in every local process and every web page
open in the user's browser (a page can send requests to localhost, and DNS rebinding can even
make them look same-origin). Five layers close that off:

1. **Host check.** Requests whose ``Host`` is not ``127.0.0.1:PORT`` or ``localhost:PORT`` are
   refused, which defeats DNS rebinding (the attacker's page would send its own host name).
2. **Per-launch secret.** The launcher opens each window at a one-time launch URL
   (``/launch?token=...``). Redeeming the token sets an HttpOnly, SameSite=Strict session cookie
   signed with a key that exists only for this run, and redirects to a clean URL. Any other
   request without that cookie gets 403. Static files are exempt: they hold nothing private.
3. **CSRF.** Every POST/PUT/PATCH/DELETE must carry the session's CSRF token (Flask-WTF's
   ``CSRFProtect``; forms send ``csrf_token``, scripts send the ``X-CSRFToken`` header). As a
   second check, a request whose ``Sec-Fetch-Site`` says it came from another site is refused.
4. **Content-Security-Policy** allowing only ``'self'``: no inline script or style, nothing from
   other origins. (This also rules out pywebview's ``js_api`` bridge, which uses
   ``new Function``; desktop actions go through CSRF-protected POSTs instead.)
5. **Request size limits** per endpoint (:func:`body_limit`), small by default.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect

LAUNCH_TOKEN_TTL_SECONDS = 300
DEFAULT_BODY_LIMIT = 256 * 1024  # generous for a form of text fields, small for anything else

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

_PUBLIC_ENDPOINTS = {"static", "security.launch"}
# A launch URL opened from a page outside the app (the 0600 file the browser fallback opens,
# see ``browser_open.py``) carries this: SameSite=Strict keeps the new cookie off the rest of
# that cross-site navigation, redirects included, so the launch continues from a page of the
# app's own (a same-site navigation) instead of redirecting.
HOP_PARAM = "hop"
_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

csrf = CSRFProtect()

F = TypeVar("F", bound=Callable)


class LaunchTokens:
    """One-time tokens for launch URLs, each valid for a few minutes."""

    def __init__(self, ttl_seconds: float = LAUNCH_TOKEN_TTL_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def mint(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._forget_expired()
            self._expiry[token] = time.monotonic() + self._ttl
        return token

    def redeem(self, token: str) -> bool:
        """True exactly once for a token that was minted and has not expired."""
        with self._lock:
            self._forget_expired()
            return self._expiry.pop(token, None) is not None

    def pending(self, token: str) -> bool:
        """Whether ``token`` can still be redeemed (not used yet, not expired)."""
        with self._lock:
            self._forget_expired()
            return token in self._expiry

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for token in [t for t, expiry in self._expiry.items() if expiry < now]:
            del self._expiry[token]


def launch_path(tokens: LaunchTokens, next_path: str = "/") -> str:
    """A fresh one-time path that signs a window in and then shows ``next_path``."""
    return "/launch?" + urlencode({"token": tokens.mint(), "next": safe_next(next_path)})


def safe_next(path: str | None) -> str:
    """Only same-app paths: ``/activities`` yes, ``//evil.example`` or ``https://...`` no."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def body_limit(max_bytes: int) -> Callable[[F], F]:
    """Let a view accept request bodies up to ``max_bytes`` (uploads, imports)."""

    def decorate(view: F) -> F:
        view.max_body_bytes = max_bytes  # type: ignore[attr-defined]
        return view

    return decorate


def authenticates_itself(view: F) -> F:
    """Exempt a view from the window cookie and CSRF token because it checks its own secret.

    Used only by the single-instance endpoint, which a second launch of the app calls with the
    secret from a file that only the user can read.
    """
    view.authenticates_itself = True  # type: ignore[attr-defined]
    return csrf.exempt(view)


def init_app(app: Flask) -> None:
    """Wire the checks into ``app``. Call before registering other blueprints."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the whole (per-launch) session
    app.config.update(
        SESSION_COOKIE_NAME="otj_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=False,  # plain http on loopback; the cookie never leaves the machine
    )
    # Order matters: the size limit must be in place before CSRFProtect reads the form.
    app.before_request(_check_host)
    app.before_request(_check_fetch_site)
    app.before_request(_check_signed_in)
    app.before_request(_apply_body_limit)
    csrf.init_app(app)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_blueprint(bp)


def _check_host() -> None:
    if request.host.lower() not in current_app.config["ALLOWED_HOSTS"]:
        abort(Response("Unknown host.", status=403, mimetype="text/plain"))


def _check_fetch_site() -> None:
    if request.method in _UNSAFE_METHODS:
        site = request.headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none"):
            abort(Response("Cross-site requests are refused.", status=403, mimetype="text/plain"))


def _check_signed_in() -> Response | None:
    if request.endpoint in _PUBLIC_ENDPOINTS or getattr(_view(), "authenticates_itself", False):
        return None
    if session.get("signed_in"):
        return None
    body = render_template("errors/not_signed_in.html")
    return Response(body, status=403)


def _apply_body_limit() -> None:
    request.max_content_length = getattr(_view(), "max_body_bytes", DEFAULT_BODY_LIMIT)


def _view() -> Callable | None:
    return current_app.view_functions.get(request.endpoint) if request.endpoint else None


def _security_headers(response: Response) -> Response:
    # A response may bring a stricter policy of its own (a downloaded file: sandbox, nothing).
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def _csrf_failed(error: CSRFError) -> tuple[str, int]:
    return render_template("errors/csrf.html", reason=error.description), 400


bp = Blueprint("security", __name__)


@bp.get("/launch")
def launch() -> Response | tuple[str, int]:
    """Redeem a one-time launch token: sign this window in, then show the page it asked for."""
    tokens: LaunchTokens = current_app.extensions["otj"].launch_tokens
    if not tokens.redeem(request.args.get("token", "")):
        return render_template("errors/not_signed_in.html", expired=True), 403
    session.clear()
    session["signed_in"] = True
    session["window_id"] = secrets.token_hex(8)
    next_path = request.args.get("next")
    target = safe_next(next_path) if next_path else url_for("dashboard.index")
    if request.args.get(HOP_PARAM):
        return render_template("shell/continue.html", target=target)
    return redirect(target)
