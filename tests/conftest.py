"""Shared fixtures: a fresh app and database per test, signed-in clients, a real server.

Tests that need a real part (chromium, a display, PyInstaller ...) skip with a reason when it
is missing. CI sets ``OTJ_REQUIRE_ALL=1``, which turns every such skip (and any expected
failure) into a failure, so CI always runs them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from otj_desktop.server import AppServer
from otj_desktop.web import create_app
from otj_desktop.web.security import launch_path

DATA = Path(__file__).parent / "data"
REQUIRE_ALL = os.environ.get("OTJ_REQUIRE_ALL") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped:
        # An expected failure is a skip too: in CI every test must really pass.
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        reason = getattr(report, "wasxfail", None) or reason
        report.longrepr = f"skipped, but OTJ_REQUIRE_ALL=1 requires it to run: {reason}"


TODAY = date(2026, 11, 27)  # a Friday


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"DATA_DIR": tmp_path / "data", "TESTING": True})
    app.extensions["otj"].clock = lambda: TODAY
    yield app
    app.extensions["otj"].broker.close()
    app.extensions["otj"].db.release()


@pytest.fixture
def db(app: Flask):
    return app.extensions["otj"].db


class AppClient:
    """A test client signed in through a launch URL, with the page's CSRF token at hand."""

    def __init__(self, client: FlaskClient, app: Flask) -> None:
        self.client = client
        self.app = app
        response = client.get(launch_path(app.extensions["otj"].launch_tokens))
        assert response.status_code == 302

    def csrf_token(self) -> str:
        page = self.client.get("/activities").get_data(as_text=True)
        return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def client(app: Flask) -> AppClient:
    return AppClient(app.test_client(), app)


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    """A client that never opened a launch URL (another process, another web page)."""
    return app.test_client()


def standard_json(name: str = "standard_st9999_v1_0.json") -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture
def with_standard(app: Flask) -> int:
    """The fictional ST9999 v1.0 imported and chosen; returns its id."""
    from otj_desktop.standards.importer import parse_standard
    from otj_desktop.store import profile as profile_store
    from otj_desktop.store import standards as standard_store

    db = app.extensions["otj"].db
    with db.transaction() as tx:
        standard_id = standard_store.add(tx, parse_standard(standard_json())).standard_id
        profile_store.set_standard(tx, standard_id)
    return standard_id


@pytest.fixture
def codes(db, with_standard) -> dict[str, int]:
    """The standard's KSB ids by code ("K1" -> 3)."""
    from tests.progress_helpers import ksb_ids_by_code

    return ksb_ids_by_code(db)


def activity_form(**overrides: str) -> dict:
    form = {
        "title": "Unit testing workshop",
        "activity_date": "2026-11-02",
        "duration_hours": "2.5",
        "activity_type": "workshop",
        "description": "Learned to write tests first, then applied it to the billing module.",
        "evidence_quality": "good",
        "hours_basis": "paid",
        "tags": "testing, TDD",
    }
    form.update(overrides)
    return form


@pytest.fixture
def live_server(app: Flask) -> Iterator[AppServer]:
    """The app on a real waitress server on a free loopback port."""
    server = AppServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for every browser test (skips, or fails in CI, without it)."""
    from tests.browser import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture
def context(browser):
    """A fresh browser profile (cookies, storage) per test."""
    from tests.browser import WAIT_MS

    context = browser.new_context()
    context.set_default_timeout(WAIT_MS)
    yield context
    context.close()


def require(condition: bool, reason: str) -> None:
    """Skip (or, in CI, fail) when a real part a test needs is missing."""
    if not condition:
        pytest.skip(reason)
