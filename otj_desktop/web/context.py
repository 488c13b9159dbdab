"""What every view reaches for: the app's shared parts, and this request's database connection.

The app's parts live on one :class:`AppState` in ``app.extensions["otj"]`` (a fresh one per
``create_app``, so each test's app has its own database and broker). A request opens one
connection on first use and closes it when the request ends, as in Flask's tutorial.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import current_app, g, request

from otj_desktop.domain import dates
from otj_desktop.store.db import Database, Transaction
from otj_desktop.web.events import Broker
from otj_desktop.web.security import LaunchTokens


@dataclass
class DesktopBridge:
    """What the desktop shell lets pages ask for. Without windows (``--headless``, or the
    system-browser fallback) it can do nothing and says so: each callable returns False (or
    None), and ``has_windows`` tells templates to leave out the window commands."""

    open_window: Callable[[str], bool] = lambda path: False
    has_windows: bool = False
    # Open a file with the system's default program (an attachment's copy).
    open_path: Callable[[Path], bool] = lambda path: False
    # Ask where to save ``data`` (native dialog, suggested file name) and write it there;
    # the path written, or None when the apprentice cancelled or there is no window.
    save_file: Callable[[str, bytes], str | None] = lambda name, data: None


@dataclass
class AppState:
    db: Database
    data_dir: Path
    broker: Broker
    launch_tokens: LaunchTokens
    desktop: DesktopBridge = field(default_factory=DesktopBridge)
    clock: Callable[[], date] = dates.today  # tests freeze it


def state() -> AppState:
    return current_app.extensions["otj"]


def get_conn() -> sqlite3.Connection:
    """This request's connection (opened on first use, closed at teardown)."""
    if "conn" not in g:
        g.conn = state().db.connect()
    return g.conn


_ORIGIN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def request_origin() -> str | None:
    """The id of the page that sent this request, if it said (live sync's ``live.js`` adds it
    to every form it submits as ``_live_origin``, and to script requests as ``X-OTJ-Origin``).
    """
    origin = request.headers.get("X-OTJ-Origin") or request.form.get("_live_origin")
    return origin if origin and _ORIGIN.fullmatch(origin) else None


def write() -> AbstractContextManager[Transaction]:
    """A write transaction on this request's connection; changes are announced after commit,
    labelled with the page that asked for them (:func:`request_origin`)."""
    return state().db.transaction(get_conn(), origin=request_origin())


def close_conn(_exc: BaseException | None = None) -> None:
    conn = g.pop("conn", None)
    if conn is not None:
        conn.close()
