"""The Flask app: ``create_app`` builds one from small setup steps.

Each area of the app is one blueprint module (``dashboard``, ``activities``, ``standards``,
``profile``, ``events`` ...); views are small and call plain functions in ``domain`` and
``store``. ``create_app`` opens (and migrates) the database in ``DATA_DIR``; the launcher
decides where that is and serves the app with waitress.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from werkzeug.routing import IntegerConverter, Map

from otj_desktop import __version__
from otj_desktop.domain import dates
from otj_desktop.domain.activities import EVIDENCE_QUALITY, HOURS_BASIS, format_hours
from otj_desktop.domain.activity_types import ACTIVITY_TYPES, option_label, type_label
from otj_desktop.domain.row_ids import ROW_ID_MAX
from otj_desktop.store import backup as backup_store
from otj_desktop.store.db import Database, StorageError, storage_error_message
from otj_desktop.store.migrate import migrate
from otj_desktop.web import context, security
from otj_desktop.web.events import Broker

DATABASE_NAME = "otj.sqlite3"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` must give ``DATA_DIR``; tests also pass ``TESTING``."""
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=secrets.token_hex(32),  # new every launch: old cookies stop working
        ALLOWED_HOSTS=("127.0.0.1", "localhost"),
        DATA_DIR=None,
    )
    if config:
        app.config.update(config)
    if not app.config["DATA_DIR"]:
        raise ValueError("create_app needs DATA_DIR")
    _setup_state(app)
    _setup_templates(app)
    security.init_app(app)
    app.url_map.converters["int"] = RowIdConverter
    _setup_blueprints(app)
    _setup_errors(app)
    return app


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in every route, capped at the largest id SQLite can store: a bigger number
    is simply not found (404) instead of overflowing in the query (found by the fuzz tests)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ROW_ID_MAX)
        super().__init__(url_map, *args, **kwargs)


def _setup_state(app: Flask) -> None:
    data_dir = Path(app.config["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(data_dir / DATABASE_NAME)
    migrate(db, backup_dir=data_dir / backup_store.FOLDER)
    broker = Broker()
    db.add_listener(broker.publish_changes)
    app.extensions["otj"] = context.AppState(
        db=db, data_dir=data_dir, broker=broker, launch_tokens=security.LaunchTokens()
    )
    app.teardown_appcontext(context.close_conn)


def _setup_templates(app: Flask) -> None:
    app.jinja_env.filters.update(
        uk_date=dates.uk_date,
        uk_date_long=dates.uk_date_long,
        uk_datetime=dates.uk_datetime,
        uk_month=dates.uk_month,
        hours=format_hours,
        type_label=type_label,
    )
    app.jinja_env.globals.update(
        app_version=__version__,
        activity_types=ACTIVITY_TYPES,
        activity_type_options=[(t.key, option_label(t)) for t in ACTIVITY_TYPES],
        evidence_quality=EVIDENCE_QUALITY,
        hours_basis=HOURS_BASIS,
    )


def _setup_blueprints(app: Flask) -> None:
    from otj_desktop.web import (
        activities,
        archive,
        attachments,
        backups,
        dashboard,
        events,
        evidence_pack,
        history,
        ksbs,
        profile,
        purge,
        shell,
        standards,
        tags,
    )

    areas = (
        dashboard,
        activities,
        standards,
        profile,
        events,
        ksbs,
        tags,
        history,
        backups,
        archive,
        shell,
        attachments,
        purge,
        evidence_pack,
    )
    for module in areas:
        app.register_blueprint(module.bp)
    _setup_planning_blueprints(app)


def _setup_planning_blueprints(app: Flask) -> None:
    """Templates and drafts, readiness, entry checks, appearance and the reminder (issue 8)."""
    from otj_desktop.web import (
        activity_templates,
        appearance,
        drafts,
        entry_checks,
        readiness,
        reminders,
    )

    for module in (activity_templates, drafts, readiness, entry_checks, appearance, reminders):
        app.register_blueprint(module.bp)


def _setup_errors(app: Flask) -> None:
    def page(status: int, title: str, message: str) -> tuple[str, int]:
        return render_template("errors/error.html", title=title, message=message), status

    def not_saved(message: str) -> tuple[str, int]:
        # A full disk or a read-only folder must not cost the apprentice what they typed: the
        # page shows it back, ready to copy.
        typed = []
        if request.method == "POST" and request.mimetype != "multipart/form-data":
            typed = [
                (name.replace("_", " ").capitalize(), value)
                for name, value in request.form.items(multi=True)
                if name not in ("csrf_token", "version") and value.strip()
            ]
        body = render_template("errors/error.html", title="Not saved", message=message, typed=typed)
        return body, 503

    app.register_error_handler(404, lambda e: page(404, "Not found", "There is no such page."))
    app.register_error_handler(413, lambda e: _too_large())
    app.register_error_handler(
        405, lambda e: page(405, "Not allowed", "That action isn't available here.")
    )
    app.register_error_handler(StorageError, lambda e: not_saved(str(e)))
    # Reads fail too when the data folder turns read-only (SQLite cannot open its WAL files).
    app.register_error_handler(
        sqlite3.OperationalError, lambda e: not_saved(storage_error_message(e))
    )
    app.register_error_handler(
        500,
        lambda e: page(
            500, "Something went wrong", "The app hit an unexpected problem. Nothing was saved."
        ),
    )


def _too_large() -> tuple[str, int]:
    """The 413 page: how much was sent against what this form takes, and how to get back to
    what was typed (the body was never read, so it cannot be shown here)."""
    limit, sent = request.max_content_length, request.content_length
    sizes = f" ({_size(sent)}; this form takes up to {_size(limit)})" if sent and limit else ""
    message = f"That was more than this form accepts{sizes}, so nothing was saved."
    if request.mimetype == "multipart/form-data":  # the app's file uploads
        advice = "Use your browser's Back button to return to the page, and choose a smaller file."
    else:
        advice = (
            "Use your browser's Back button to return to the form: it usually still holds what "
            "you typed. Then shorten the longest text, or attach long documents as files."
        )
    body = render_template("errors/error.html", title="Too large", message=message, advice=advice)
    return body, 413


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KB"
