"""The app's main pages, listed once: the header's navigation and the desktop View menu.

Every main page is in both. The header has room for only a few links at the default window
width (1,100 px), so each page has a *rank*: rank 1 pages stay in the bar down to small
windows, rank 2 pages only in wide windows, and the rest are always under "More" (a
``<details>`` disclosure: keyboard-usable and working without script). Below the small-window
width every page moves under the one menu. The template renders each rank 1 and 2 link twice
(in the bar and under "More") and the stylesheet shows one of the two for the window's width;
the other is ``display: none``, so assistive technology meets each link once.

A page is "current" (``aria-current="page"``) for every endpoint of its blueprints: an
activity's history belongs to Activities, an import preview to Backups.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

IN_BAR = 1  # in the bar except in small windows
IN_WIDE_BAR = 2  # in the bar in wide windows
UNDER_MORE = 3  # always under "More"


@dataclass(frozen=True)
class MainPage:
    label: str
    path: str  # also what the View menu shows, outside any request
    blueprints: tuple[str, ...]  # whose endpoints count as this page
    rank: int


MAIN_PAGES: tuple[MainPage, ...] = (
    MainPage("Dashboard", "/", ("dashboard",), IN_BAR),
    MainPage(
        "Activities",
        "/activities",
        ("activities", "history", "purge", "drafts", "attachments"),
        IN_BAR,
    ),
    MainPage("KSBs", "/ksbs", ("ksbs",), IN_BAR),
    MainPage("Tags", "/tags", ("tags",), UNDER_MORE),
    MainPage("Standard", "/standard", ("standards",), UNDER_MORE),
    MainPage("Readiness", "/readiness", ("readiness",), IN_WIDE_BAR),
    MainPage("Entry checks", "/checks", ("entry_checks",), UNDER_MORE),
    MainPage("Evidence pack", "/evidence-pack", ("evidence_pack",), IN_WIDE_BAR),
    MainPage("Templates", "/templates", ("activity_templates",), UNDER_MORE),
    MainPage("Backups", "/backups", ("backups", "archive"), UNDER_MORE),
    MainPage("Profile", "/profile", ("profile",), UNDER_MORE),
)


def current_page(blueprint: str | None) -> MainPage | None:
    """The main page a request to ``blueprint`` belongs to, if any."""
    return next((p for p in MAIN_PAGES if blueprint in p.blueprints), None)


def nav_context() -> dict[str, object]:
    """What base.html's header needs: the bar's pages in order, those under "More" (the bar's
    own first, for small windows), and the current page."""
    in_bar = [p for p in MAIN_PAGES if p.rank in (IN_BAR, IN_WIDE_BAR)]
    return {
        "nav_bar": in_bar,
        "nav_more": in_bar + [p for p in MAIN_PAGES if p.rank == UNDER_MORE],
        "nav_current": current_page(request.blueprint),
    }
