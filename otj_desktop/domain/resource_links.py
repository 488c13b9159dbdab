"""Resource links of an activity: where its learning lives, filed by CORE workflow stage.

Each link has a stage (Capture, Organise, Review, Engage), a title, an http(s) address, a
source type (Google Keep, GitHub, a website ...) and an optional description. The activity form
sends them as numbered rows (``links-<n>-title``, ``links-<n>-url`` ...); :func:`parse_link_rows`
reads whatever rows arrived (scripts add and remove rows, so the numbers may have gaps), drops
rows left empty or ticked for removal, and checks the rest, with each message keyed by the
row's own field name so the page shows it next to that field.

Only ``http`` and ``https`` addresses are accepted: a ``javascript:``, ``data:`` or ``file:``
address in a link the apprentice (or an imported file) supplied would run or open something
local when clicked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from otj_desktop.domain.activities import clean_line, clean_text

STAGES: dict[str, str] = {
    "capture": "Capture",
    "organise": "Organise",
    "review": "Review",
    "engage": "Engage",
}
SOURCES: dict[str, str] = {
    "google_keep": "Google Keep",
    "google_tasks": "Google Tasks",
    "google_docs": "Google Docs",
    "google_drive": "Google Drive",
    "diagram": "Diagram",
    "markdown": "Markdown",
    "github": "GitHub",
    "website": "Website",
    "other": "Other",
}
LINK_TITLE_MAX = 200
URL_MAX = 2000
LINK_DESCRIPTION_MAX = 1000
LINKS_PER_ACTIVITY_MAX = 50
ROW_FIELDS = ("stage", "title", "url", "source", "description")
EMPTY_ROWS = 3  # blank rows the form offers (without scripts, "Add more rows" adds as many)

_ROW_KEY = re.compile(r"links-(\d{1,4})-(stage|title|url|source|description|remove)")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ResourceLink:
    """A checked link, ready to store."""

    stage: str
    title: str
    url: str
    source: str = "website"
    description: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "stage": self.stage,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "description": self.description,
        }


def row_numbers(form: Mapping[str, str]) -> list[int]:
    """The row numbers present in a submitted form, in order."""
    return sorted({int(m.group(1)) for key in form if (m := _ROW_KEY.fullmatch(key))})


def parse_link_rows(form: Mapping[str, str]) -> tuple[tuple[ResourceLink, ...], dict[str, str]]:
    """The links in a submitted form, and the problems found (``{field name: message}``)."""
    links: list[ResourceLink] = []
    errors: dict[str, str] = {}
    for n in row_numbers(form):

        def value(name: str, n: int = n) -> str:
            raw = form.get(f"links-{n}-{name}", "")
            return raw if isinstance(raw, str) else ""

        if value("remove"):
            continue
        link, row_errors = check_link(
            {name: value(name) for name in ROW_FIELDS}, prefix=f"links-{n}-"
        )
        errors.update(row_errors)
        if link is not None:
            links.append(link)
    if len(links) > LINKS_PER_ACTIVITY_MAX:
        errors["links"] = f"Keep to {LINKS_PER_ACTIVITY_MAX} links or fewer on one activity."
    return tuple(links), errors


def check_link(
    raw: Mapping[str, str], *, prefix: str = ""
) -> tuple[ResourceLink | None, dict[str, str]]:
    """One row: None and no errors for a row left empty; else the link or its problems."""
    title = clean_line(raw.get("title", ""))
    url_text = raw.get("url", "").strip()
    description = clean_text(raw.get("description", ""))
    if not title and not url_text and not description:
        return None, {}  # an empty row: the stage and source menus always have a value
    errors: dict[str, str] = {}
    url = None
    if not url_text:
        errors[prefix + "url"] = "Enter the link’s address, starting https://, or clear the row."
    else:
        try:
            url = check_url(url_text)
        except ValueError as exc:
            errors[prefix + "url"] = str(exc)
    if not title:
        errors[prefix + "title"] = "Give the link a title."
    elif len(title) > LINK_TITLE_MAX:
        errors[prefix + "title"] = f"Keep the title to {LINK_TITLE_MAX} characters or fewer."
    if len(description) > LINK_DESCRIPTION_MAX:
        errors[prefix + "description"] = (
            f"Keep the description to {LINK_DESCRIPTION_MAX:,} characters or fewer."
        )
    stage = raw.get("stage", "").strip()
    if stage not in STAGES:
        errors[prefix + "stage"] = "Choose a stage: Capture, Organise, Review or Engage."
    source = raw.get("source", "").strip() or "website"
    if source not in SOURCES:
        errors[prefix + "source"] = "Choose a source type from the list."
    if errors or url is None:
        return None, errors
    return ResourceLink(stage, title, url, source, description), {}


def check_url(text: str) -> str:
    """A web address the app will store and open: ``http`` or ``https`` with a host.

    Raises ValueError with a sentence saying what is wrong.
    """
    text = text.strip()
    if len(text) > URL_MAX:
        raise ValueError(f"Keep the address to {URL_MAX:,} characters or fewer.")
    if _SPACE_OR_CONTROL.search(text):
        raise ValueError("A web address has no spaces or hidden characters; check it.")
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    if scheme not in ("http", "https"):
        if scheme and re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme):
            raise ValueError(
                f"Only web addresses (http:// or https://) can be linked, not “{scheme}:”."
            )
        raise ValueError("Enter the full address, starting https:// (or http://).")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError(
            "That address is not valid; copy it from the browser's address bar."
        ) from None
    if not parts.hostname or not text[len(scheme) :].startswith("://"):
        raise ValueError("Enter the full address, starting https:// (or http://).")
    if parts.username is not None or parts.password is not None:
        raise ValueError("Leave user names and passwords out of the address.")
    return scheme + text[len(scheme) :]  # the scheme in lower case, the rest as typed


_BLANK = {"stage": "capture", "title": "", "url": "", "source": "website", "description": ""}


def link_rows(links: list[dict[str, str]], *, extra: int = EMPTY_ROWS) -> list[dict[str, str]]:
    """Rows for the form, numbered from 0: the given links, then ``extra`` empty rows."""
    rows = [*({**_BLANK, **link} for link in links), *(dict(_BLANK) for _ in range(extra))]
    return [{**row, "remove": "", "n": str(n)} for n, row in enumerate(rows)]


def rows_from_form(form: Mapping[str, str], *, extra: int = 0) -> list[dict[str, str]]:
    """The rows as typed (to show a refused form back), plus ``extra`` empty rows."""
    rows = []
    for n in row_numbers(form):
        row = {name: str(form.get(f"links-{n}-{name}", "")) for name in ROW_FIELDS}
        rows.append({**row, "remove": str(form.get(f"links-{n}-remove", "")), "n": str(n)})
    start = max((int(r["n"]) for r in rows), default=-1) + 1
    rows.extend({**_BLANK, "remove": "", "n": str(start + i)} for i in range(extra))
    return rows


def describe_link(link: Mapping[str, str]) -> str:
    """One line for the history list: ``Capture: Notes <https://...>``."""
    stage = STAGES.get(str(link.get("stage")), str(link.get("stage")))
    return f"{stage}: {link.get('title', '')} <{link.get('url', '')}>"


def by_stage(links: list[dict[str, str]]) -> list[tuple[str, str, list[dict[str, str]]]]:
    """The four CORE stages in order, each with its links: ``(key, label, links)``."""
    return [(key, label, [x for x in links if x["stage"] == key]) for key, label in STAGES.items()]
