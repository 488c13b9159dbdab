"""Helpers for the progress tests: activities straight into the store, KSB ids, event capture."""

from __future__ import annotations

import json
import re
from datetime import date
from html import unescape
from html.parser import HTMLParser

from otj_desktop.domain.activities import ActivityInput
from otj_desktop.store import activities as activity_store
from otj_desktop.store.db import Change, Database


def add_activity(
    db: Database,
    *,
    title: str = "Activity",
    day: date = date(2026, 11, 2),
    minutes: int = 60,
    kind: str = "self_study",
    ksb_ids: tuple[int, ...] = (),
    tags: tuple[str, ...] = (),
    description: str = "",
    notes: str = "",
    quality: str = "draft",
) -> int:
    with db.transaction() as tx:
        return activity_store.create(
            tx,
            ActivityInput(
                title=title,
                activity_date=day,
                duration_minutes=minutes,
                activity_type=kind,
                description=description,
                notes=notes,
                evidence_quality=quality,
                ksb_ids=ksb_ids,
                tags=tags,
            ),
        )


def ksb_ids_by_code(db: Database) -> dict[str, int]:
    with db.connection() as conn:
        return {code: ksb_id for ksb_id, code in conn.execute("SELECT id, code FROM ksb")}


class Events:
    """Records every change the database announces after commit."""

    def __init__(self, db: Database) -> None:
        self.changes: list[Change] = []
        db.add_listener(self.changes.extend)

    def kinds(self) -> list[str]:
        return [c.kind for c in self.changes]

    def last(self, kind: str) -> Change:
        return [c for c in self.changes if c.kind == kind][-1]


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
EDITABLE = {"textarea", "select"}
EDITABLE_INPUTS = {"text", "number", "date", "search", "email", "url", "time", "checkbox", "radio"}


class PageScan(HTMLParser):
    """What the live-region contract and the CSP care about in a page's HTML.

    ``regions``: (id, data-live) of every element with data-live; ``editable_in_regions``:
    form fields someone could be typing in that sit inside a live region; ``inline``: inline
    scripts, style attributes and on* handler attributes (the CSP blocks all three).
    """

    def __init__(self, html: str) -> None:
        super().__init__()
        self.regions: list[tuple[str | None, str]] = []
        self.editable_in_regions: list[str] = []
        self.inline: list[str] = []
        self._stack: list[bool] = []  # per open element: is it a live region?
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "data-live" in values:
            self.regions.append((values.get("id"), values["data-live"] or ""))
        inside = any(self._stack)
        kind = (values.get("type") or "text").lower()
        if inside and (tag in EDITABLE or (tag == "input" and kind in EDITABLE_INPUTS)):
            self.editable_in_regions.append(f"{tag} {values.get('name')}")
        if tag == "script" and not values.get("src") and values.get("type") != "application/json":
            self.inline.append("inline <script>")
        self.inline.extend(f"{tag} {name}" for name, _ in attrs if name == "style")
        self.inline.extend(f"{tag} {name}" for name, _ in attrs if name.startswith("on"))
        if tag not in VOID:
            self._stack.append("data-live" in values)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self._stack:
            self._stack.pop()


def chart_specs(html: str) -> dict[str, dict]:
    """The JSON each chart canvas carries, by its kind."""
    specs = [json.loads(unescape(raw)) for raw in re.findall(r"data-chart='([^']*)'", html)]
    return {spec["kind"]: spec for spec in specs}
