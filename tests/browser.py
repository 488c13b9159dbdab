"""Playwright for Python driving Debian's chromium (never Playwright's own browser download).

The browser tests share these: :func:`chromium` (the ``browser`` fixture in ``conftest.py``
holds one for the whole session; each test gets a fresh ``context``), :func:`open_page` (a
page signed in with the launch secret, like an app window) and :func:`watch`, which collects
everything a page should never report (a Content-Security-Policy violation, an uncaught script
error) in ``page.problems`` for the test to assert empty.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from otj_desktop.web.security import launch_path
from tests.conftest import require

WAIT_MS = 5000  # a liveness bound for anything a page should show, not a speed target
CHROMIUM = os.environ.get("OTJ_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@contextmanager
def chromium() -> Iterator:
    """A headless chromium browser; skips (fails in CI) when chromium or Playwright is missing."""
    require(
        shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM),
        f"{CHROMIUM} is not installed (apt-get install chromium)",
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def watch(page):
    """``page``, with ``page.problems`` collecting CSP violations and uncaught script errors."""
    page.problems = []
    page.on(
        "console",
        lambda m: page.problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    return page


def open_page(context, server, path: str = "/", *, sign_in: bool = True):
    """A new watched page of ``context`` at ``path``; signed in with the launch secret (as the
    app's own windows are) unless ``sign_in`` is False."""
    page = watch(context.new_page())
    tokens = server.app.extensions["otj"].launch_tokens
    page.goto(server.base_url + (launch_path(tokens, path) if sign_in else path))
    return page


def expect(locator):
    """Playwright's ``expect``, imported only once a test runs (the import needs Playwright)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)
