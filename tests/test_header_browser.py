"""The header in a real browser (Debian's chromium, the real server): one row at the default
window width (1,100 px) and in smaller windows, every main page reachable exactly once, and the
"More" menu usable with the keyboard, the mouse, and without script. Light and dark.

Screenshots (the "More" menu open) are saved as test artifacts, one per width and appearance:
``test-artifacts/header-<width>-<light|dark>.png``.
"""

from __future__ import annotations

import pytest

from otj_desktop.web.context import DesktopBridge
from otj_desktop.web.navigation import MAIN_PAGES
from otj_desktop.web.security import launch_path
from tests.browser import WAIT_MS, watch
from tests.desktop import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = (1100, 800, 500)
HEIGHT = 700
ONE_ROW = 64  # px: a header taller than this has wrapped

# Links that are on screen now (the "More" menu's only while it is open).
VISIBLE_LINKS = """() => [...document.querySelectorAll('.app-header nav a')]
  .filter(a => a.checkVisibility())
  .map(a => ({path: a.getAttribute('href'), label: a.textContent.trim(),
              current: a.getAttribute('aria-current')}))"""
# The header's parts, each as [top, bottom]: one row when every part overlaps every other.
PARTS = """() => [...document.querySelector('.app-header').children]
  .filter(e => e.getClientRects().length > 0)
  .map(e => [e.getBoundingClientRect().top, e.getBoundingClientRect().bottom])"""


@pytest.fixture
def server(app, live_server, with_standard):
    app.extensions["otj"].desktop = DesktopBridge(open_window=lambda path: True, has_windows=True)
    return live_server


def open_page(browser, server, path: str, *, width: int, scheme: str = "light", js: bool = True):
    context = browser.new_context(
        viewport={"width": width, "height": HEIGHT}, color_scheme=scheme, java_script_enabled=js
    )
    context.set_default_timeout(WAIT_MS)
    page = watch(context.new_page())
    page.goto(server.base_url + launch_path(server.app.extensions["otj"].launch_tokens, path))
    return page


def summary(page):
    return page.locator(".nav-more > summary")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_header_is_one_row_and_reaches_every_main_page_once(browser, server, width, scheme):
    page = open_page(browser, server, "/", width=width, scheme=scheme)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    parts = page.evaluate(PARTS)
    assert len(parts) == 3  # brand, navigation, actions
    assert max(top for top, _ in parts) < min(bottom for _, bottom in parts), parts
    assert page.locator(".app-header").bounding_box()["height"] <= ONE_ROW

    in_bar = page.evaluate(VISIBLE_LINKS)
    summary(page).click()
    everything = page.evaluate(VISIBLE_LINKS)
    assert sorted(link["path"] for link in everything) == sorted(p.path for p in MAIN_PAGES)
    assert {(link["label"], link["path"]) for link in everything} == {
        (p.label, p.path) for p in MAIN_PAGES
    }
    assert [link["path"] for link in everything if link["current"] == "page"] == ["/"]
    expected_bar = {1100: 5, 800: 3, 500: 0}[width]  # the rest is under "More" (or "Menu")
    assert len(in_bar) == expected_bar
    assert summary(page).inner_text().strip() == ("Menu" if width == 500 else "More")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(
        path=str(ARTIFACTS / f"header-{width}-{scheme}.png"),
        clip={"x": 0, "y": 0, "width": width, "height": 460},
    )
    assert page.problems == []
    page.context.close()


def test_the_more_menu_works_with_the_keyboard(browser, server):
    page = open_page(browser, server, "/", width=1100)
    menu = page.locator(".nav-more")
    focused = "() => document.activeElement.textContent.trim()"
    summary(page).focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("open") is not None
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "Tags"
    page.keyboard.press("Escape")  # closes, and focus goes back to the menu's button
    assert menu.get_attribute("open") is None
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"

    page.keyboard.press(" ")
    for _ in range(6):  # through every page under "More" ...
        page.keyboard.press("Tab")
    assert page.evaluate(focused) == "Profile"
    page.keyboard.press("Tab")  # ... and on past the menu, which then closes
    assert page.evaluate(focused) == "New window"
    assert menu.get_attribute("open") is None

    summary(page).focus()
    page.keyboard.press("Enter")
    for _ in range(5):
        page.keyboard.press("Tab")
    assert page.evaluate(focused) == "Backups"
    page.keyboard.press("Enter")
    page.wait_for_url("**/backups")
    assert page.title() == "Backups — OTJ Desktop"
    page.context.close()


def test_a_click_elsewhere_closes_the_more_menu(browser, server):
    page = open_page(browser, server, "/", width=800)
    summary(page).click()
    page.get_by_role("link", name="Evidence pack").wait_for()
    page.mouse.click(750, 400)  # on the page, to the right of the open menu
    assert page.locator(".nav-more").get_attribute("open") is None
    page.context.close()


def test_without_script_the_more_menu_still_opens_and_its_links_work(browser, server):
    page = open_page(browser, server, "/", width=500, js=False)
    summary(page).click()
    page.get_by_role("link", name="Templates").click()
    page.wait_for_url("**/templates")
    assert page.title().endswith("— OTJ Desktop")
    page.context.close()


@pytest.mark.parametrize(
    ("width", "path", "marked"),
    [
        (1100, "/tags", True),  # under "More" at every width
        (1100, "/readiness", False),  # in the bar in a wide window ...
        (800, "/readiness", True),  # ... under "More" in a smaller one
        (800, "/ksbs", False),
        (500, "/ksbs", True),  # every page is under "Menu" in a small window
    ],
)
def test_more_is_marked_when_the_current_page_is_under_it(browser, server, width, path, marked):
    page = open_page(browser, server, path, width=width)
    weight = summary(page).evaluate("e => getComputedStyle(e).fontWeight")
    assert (weight == "600") is marked
    visible_current = [link for link in page.evaluate(VISIBLE_LINKS) if link["current"]]
    assert len(visible_current) == (0 if marked else 1)
    summary(page).click()
    assert [link["path"] for link in page.evaluate(VISIBLE_LINKS) if link["current"]] == [path]
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_dropped_connection_says_so_without_pushing_the_header_onto_two_rows(
    browser, server, width
):
    page = open_page(browser, server, "/", width=width)
    page.wait_for_selector("#live-status[data-state=connected]")
    page.evaluate(
        "() => { const s = document.getElementById('live-status');"
        " s.dataset.state = 'reconnecting';"
        " s.querySelector('.live-label').textContent = 'Reconnecting…'; }"
    )
    label = page.locator("#live-status .live-label")
    assert label.is_visible() and label.inner_text() == "Reconnecting…"
    box, header = label.bounding_box(), page.locator(".app-header").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # on screen
    parts = page.evaluate(PARTS)
    assert max(top for top, _ in parts) < min(bottom for _, bottom in parts), parts
    assert header["height"] <= ONE_ROW
    page.context.close()
