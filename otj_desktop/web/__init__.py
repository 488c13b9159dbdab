"""The Flask app: ``create_app`` builds one from small setup steps.

Each area of the app is one blueprint module (``dashboard``, ``activities``, ``standards``,
``profile``, ``events`` ...); views are small and call plain functions in ``domain`` and
``store``. ``create_app`` opens (and migrates) the database in ``DATA_DIR``; the launcher
decides where that is and serves the app with waitress.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, render_template

from otj_desktop import __version__
from otj_desktop.domain import dates
from otj_desktop.domain.activities import EVIDENCE_QUALITY, HOURS_BASIS, format_hours
from otj_desktop.domain.activity_types import ACTIVITY_TYPES, type_label
from otj_desktop.store.db import Database, StorageError
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
    _setup_blueprints(app)
    _setup_errors(app)
    return app


def _setup_state(app: Flask) -> None:
    data_dir = Path(app.config["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(data_dir / DATABASE_NAME)
    migrate(db, backup_dir=data_dir / "backups")
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
        hours=format_hours,
        type_label=type_label,
    )
    app.jinja_env.globals.update(
        app_version=__version__,
        activity_types=ACTIVITY_TYPES,
        activity_type_options=[(t.key, t.label) for t in ACTIVITY_TYPES],
        evidence_quality=EVIDENCE_QUALITY,
        hours_basis=HOURS_BASIS,
    )


def _setup_blueprints(app: Flask) -> None:
    from otj_desktop.web import activities, dashboard, events, profile, shell, standards

    for module in (dashboard, activities, standards, profile, events, shell):
        app.register_blueprint(module.bp)


def _setup_errors(app: Flask) -> None:
    def page(status: int, title: str, message: str) -> tuple[str, int]:
        return render_template("errors/error.html", title=title, message=message), status

    app.register_error_handler(404, lambda e: page(404, "Not found", "There is no such page."))
    app.register_error_handler(
        413,
        lambda e: page(
            413, "Too large", "That was more than this form accepts. Nothing was saved."
        ),
    )
    app.register_error_handler(
        405, lambda e: page(405, "Not allowed", "That action isn't available here.")
    )
    app.register_error_handler(StorageError, lambda e: page(503, "Not saved", str(e)))
    app.register_error_handler(
        500,
        lambda e: page(
            500, "Something went wrong", "The app hit an unexpected problem. Nothing was saved."
        ),
    )
