"""Every piece of text on the main pages is readable, in light and dark (WCAG 2.1 AA contrast:
4.5:1, or 3:1 for large text), measured in a real browser from the computed colours.

``tests/contrast.js`` walks every visible element with text of its own, works out the colour it
is drawn in (its colour with the opacity of it and its ancestors) over the colour behind it (the
backgrounds of its ancestors, blended), and lists those below the threshold. Disabled controls
are exempt, as WCAG allows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from otj_desktop import web
from otj_desktop.server import AppServer
from otj_desktop.standards.importer import parse_standard
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from tests.browser import WAIT_MS, open_page
from tests.conftest import TODAY, standard_json
from tests.progress_helpers import add_activity, ksb_ids_by_code

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOW_CONTRAST = (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8")
PAGES = (
    "/",
    "/activities",
    "/activities/new",
    "/ksbs",
    "/tags",
    "/profile",
    "/readiness",
    "/checks",
    "/evidence-pack",
    "/backups",
    "/templates",
    "/activities/deleted",
    "/about",
)


@pytest.fixture(scope="module")
def server_with_a_log(browser, tmp_path_factory):
    """One app for the module (13 pages × 2 appearances): a profile, and activities that give
    KSBs with and without evidence, tags, a deleted entry and entry-check warnings."""
    app = web.create_app({"DATA_DIR": tmp_path_factory.mktemp("contrast") / "data"})
    server = AppServer(app)
    server.start()
    db = app.extensions["otj"].db
    with db.transaction() as tx:
        standard_id = standard_store.add(tx, parse_standard(standard_json())).standard_id
        profile = profile_store.get(tx.conn)
        profile_store.save(
            tx,
            replace(
                profile,
                standard_id=standard_id,
                start_date=date(2026, 1, 1),
                practical_end_date=date(2027, 1, 1),
                planned_otj_hours=365.0,
            ),
        )
    codes = ksb_ids_by_code(db)
    for week in range(6):
        add_activity(
            db,
            day=TODAY - timedelta(weeks=week),
            minutes=600 if week == 0 else 120,  # a long day: an entry-check warning
            kind="workshop" if week % 2 else "self_study",
            ksb_ids=(codes["K1"], codes["S2"]),
            tags=("agile", "testing"),
        )
    yield server
    server.stop()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_on_the_main_pages_meets_aa_contrast(browser, server_with_a_log, scheme):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1100, "height": 800})
    context.set_default_timeout(WAIT_MS)
    try:
        page = open_page(context, server_with_a_log, "/")
        failures = {}
        for path in PAGES:
            page.goto(server_with_a_log.base_url + path)
            page.wait_for_load_state("load")
            found = page.evaluate(LOW_CONTRAST)
            if found:
                failures[path] = found
        assert page.problems == []
    finally:
        context.close()
    assert failures == {}
