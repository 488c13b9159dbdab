"""The main pages: one list for the header and the View menu, each a real page of the app."""

from __future__ import annotations

import re

from otj_desktop import selftest
from otj_desktop.menus import VIEW_PAGES
from otj_desktop.web.navigation import IN_BAR, IN_WIDE_BAR, MAIN_PAGES, current_page


def test_the_view_menu_lists_every_main_page():
    assert [label for label, _ in VIEW_PAGES] == [
        "Dashboard",
        "Activities",
        "KSBs",
        "Tags",
        "Standard",
        "Readiness",
        "Entry checks",
        "Evidence pack",
        "Templates",
        "Backups",
        "Profile",
    ]
    assert tuple((p.label, p.path) for p in MAIN_PAGES) == VIEW_PAGES


def test_every_main_page_is_a_page_of_the_app_and_of_its_own_section(app, client, with_standard):
    for page in MAIN_PAGES:
        response = client.get(page.path)
        assert response.status_code == 200, page.path
        adapter = app.url_map.bind("localhost")
        endpoint, _ = adapter.match(page.path, method="GET")
        assert current_page(endpoint.split(".")[0]) == page
        assert page.path in selftest.MAIN_PAGES  # the installed app's self-test visits it


def test_the_header_lists_the_bar_and_more_and_marks_the_current_page(client, with_standard):
    page = client.get("/templates").get_data(as_text=True)
    nav = page.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0]
    bar, more = nav.split('<details class="nav-more"', 1)
    bar_links = re.findall(r'<li class="nav-rank-(\d)"><a href="([^"]+)"', bar)
    assert bar_links == [
        (str(p.rank), p.path) for p in MAIN_PAGES if p.rank in (IN_BAR, IN_WIDE_BAR)
    ]
    more_links = [
        path for _, path in re.findall(r'<li class="nav-rank-(\d)"><a href="([^"]+)"', more)
    ]
    assert sorted(more_links) == sorted(p.path for p in MAIN_PAGES)
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', nav) == ["/templates"]
    assert 'data-current-rank="3"' in more


def test_pages_of_an_area_count_as_its_main_page(client, with_standard):
    for path, current in [
        ("/activities/new", "/activities"),
        ("/activities/deleted", "/activities"),
        ("/checks", "/checks"),
        ("/standards/1/edit", "/standard"),
        ("/setup", "/profile"),
        ("/about", None),
    ]:
        page = client.get(path).get_data(as_text=True)
        nav = page.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0]
        marked = set(re.findall(r'<a href="([^"]+)" aria-current="page">', nav))
        assert marked == ({current} if current else set()), path
