"""Every page stays fresh: each page's live regions, checked against what the page shows.

The tables below are the contract, written once: ``CHANGED_BY`` says which events can change
each kind of data, ``PAGES`` what each page's regions (and its heading) show. The tests render
every GET page of the app with real data and check that

* every page is in the table (a new page must say what it shows), and every region it has is
  listed there, and no listed region is missing;
* each region listens for every event that can change what it shows, and a region showing one
  activity (``data-live-id``) names the activity the page is about, while no other region does
  (it would miss the other activities' changes);
* a heading that shows changeable data sits inside a region that listens for it;
* no region holds a field someone types into or changes (forms with only a button may sit
  inside: swapping them loses nothing);
* every kind in the table and in the pages is one the app announces, and every kind the app
  announces is in the table, so a new kind makes its author decide which pages it changes.

Each test fails when a page loses a region or a kind, when a new page or region or event kind
is added without its row here, or when a typo names a kind that is never sent.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import pytest

from otj_desktop.domain.templates import TemplateInput
from otj_desktop.standards.importer import parse_standard
from otj_desktop.store import drafts as draft_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.store import tags as tag_store
from otj_desktop.store import templates as template_store
from otj_desktop.web import create_app
from tests.conftest import TODAY, AppClient, activity_form, standard_json

SOURCE = Path(__file__).parent.parent / "otj_desktop"

# What can change each kind of data a page shows: the events announced when it changes.
CHANGED_BY: dict[str, set[str]] = {
    # Any activity: its fields, the totals, the lists, drafts made and confirmed.
    "activities": {"activity_saved", "activity_deleted"},
    # The one activity the page is about (the region has data-live-id, see live.js).
    "this activity": {"activity_saved", "activity_deleted"},
    # Drafts a recurring template made (announced as saved activities): its "last draft for".
    "drafts made": {"activity_saved"},
    "attachments": {"attachments_changed"},
    "purged": {"activity_purged"},  # deleted for good from Recently deleted
    "tags": {"tags_changed"},  # renamed, merged, deleted
    # A standard's details and its KSBs' codes, titles and statements.
    "standard": {"standard_saved"},
    # Which standard is the apprentice's (chosen, switched) and what it holds.
    "your standard": {"profile_saved", "standard_saved"},
    "profile": {"profile_saved"},  # dates, targets, name
    "breaks": {"breaks_changed"},
    "templates": {"templates_changed"},
    "today": {"day_changed"},  # anything worked out from today's date
    "backups": {"backups_changed"},
    "appearance": {"appearance_changed"},
    "dismissed": {"reminder_dismissed"},
}
# Sent by the broker and by restore/import: every region refreshes, whatever it lists.
EVERY_REGION = {"resync"}

HEADING = "h1"  # a PAGES key: what the page's <h1> shows, when that can change

# On every page (base.html).
EVERY_PAGE = {
    "reminder": {"activities", "today", "dismissed", "profile"},
    "appearance-toggle": {"appearance"},
}
DRAFTS = {"drafts-to-review": {"activities", "templates", "today"}}
STANDARD_PAGE = {
    HEADING: {"your standard"},
    "standard-view": {"your standard", "activities"},
}

PAGES: dict[str, dict[str, set[str]]] = {
    "/": {
        **DRAFTS,
        "summary-cards": {"activities", "profile", "your standard", "breaks", "today"},
        "readiness-card": {"activities", "your standard", "today"},
        "pace": {"activities", "profile", "standard", "breaks", "today"},
        "target-planned-view": {"profile", "standard", "breaks"},
        "target-weekly-view": {"activities", "profile", "standard", "breaks", "today"},
        "target-training-view": {"activities", "profile"},
        "chart-weekly": {"activities", "today"},
        "chart-types": {"activities"},
        "chart-ksbs": {"activities", "your standard"},
        "ksb-coverage": {"activities", "your standard"},
        "top-tags": {"activities", "tags"},
        "recent-activities": {"activities", "standard"},
    },
    "/about": {},
    "/activities": {**DRAFTS, "activity-results": {"activities", "tags", "standard"}},
    "/activities/new": {},  # a form
    "/activities/<int:activity_id>": {
        HEADING: {"this activity"},
        "activity-detail": {"this activity", "tags", "standard"},
        "attachments": {"this activity", "attachments"},
        "activity-history": {"this activity"},
    },
    "/activities/<int:activity_id>/edit": {},  # a form: live-edit.js watches its activity
    "/activities/<int:activity_id>/delete": {"delete-what": {"this activity"}},
    "/activities/deleted": {"deleted-list": {"activities", "purged"}},
    "/activities/deleted/<int:activity_id>/purge": {
        HEADING: {"this activity"},
        "purge-what": {"this activity", "purged"},
    },
    "/activities/deleted/empty": {"purge-what": {"activities", "purged"}},
    "/backups": {
        "backup-problem": {"backups"},
        "backup-list": {"backups"},
        "backup-copy-folder": {"backups"},
    },
    "/backups/<name>/restore": {"restore-what": {"activities"}},
    "/checks": {"entry-checks": {"activities", "profile", "standard", "breaks", "today"}},
    "/data/import/<token>": {
        "import-plan": {"activities", "purged", "standard", "tags", "templates", "profile"}
    },
    "/evidence-pack": {
        "evidence-pack": {"activities", "purged", "your standard", "profile", "today"}
    },
    "/ksbs": {"ksb-browser": {"activities", "your standard"}},
    "/ksbs/<int:ksb_id>": {
        HEADING: {"standard"},
        "ksb-head": {"your standard"},
        "ksb-evidence": {"activities", "standard"},
    },
    "/profile": {
        "profile-standard": {"your standard"},
        "working": {"profile", "your standard", "breaks"},
        "break-list": {"breaks"},
    },
    "/readiness": {"readiness": {"activities", "your standard", "today"}},
    "/setup": {"setup-current": {"your standard"}},
    "/standard": STANDARD_PAGE,
    "/standards/<int:standard_id>": STANDARD_PAGE,
    "/standards/<int:standard_id>/edit": {
        HEADING: {"standard"},
        "standard-edit-head": {"your standard"},
        "standard-edit-ksbs": {"standard", "activities"},
    },
    "/standards/<int:standard_id>/ksbs/<int:ksb_id>": {
        HEADING: {"standard"},
        "ksb-edit-head": {"standard", "activities"},
    },
    "/standards/<int:standard_id>/switch": {
        HEADING: {"standard"},
        "switch-heading": {"standard"},
        "switch-plan": {"your standard", "activities"},
    },
    "/tags": {"tag-list": {"tags", "activities"}},
    "/tags/<int:tag_id>/delete": {
        HEADING: {"tags"},
        "tag-delete-what": {"tags", "activities"},
    },
    "/tags/<int:tag_id>/rename": {HEADING: {"tags"}, "tag-heading": {"tags"}},
    "/templates": {
        "template-list": {"templates", "your standard", "drafts made", "today"},
    },
    "/templates/new": {},  # a form
    "/templates/<int:template_id>/edit": {},  # a form
    "/templates/<int:template_id>/delete": {"template-delete-what": {"templates"}},
}

# Text the site below shows, and what changes it. Wherever a page shows one in <main>, outside a
# form, it must sit in a region that listens for those changes (page titles are refreshed with
# any region, forms never).
WATCHED: dict[str, set[str]] = {
    "Mentoring with Priya": {"activities"},  # a live activity's title
    "Soldering refresher": {"activities"},  # a deleted one's (Recently deleted)
    "pairing-practice": {"tags"},
    "Widget materials": {"standard"},  # a KSB's title
    "Example widget technician": {"standard"},  # the standard's title
    "Sam Apprentice": {"profile"},
    "Fortnightly reading group": {"templates"},
}

# GET routes that are not pages: files, streams, sign-in.
NOT_PAGES = {
    "/static/<path:filename>",
    "/events/stream",
    "/launch",
    "/activities/export.csv",
    "/activities/<int:activity_id>/attachments/<int:attachment_id>/download",
    "/activities/<int:activity_id>/attachments/<int:attachment_id>/thumbnail",
    "/data/export",
    "/evidence-pack.pdf",
}


# --- reading a page ------------------------------------------------------------------------------


class LiveMarkup(HTMLParser):
    """The page's live regions (id -> kinds and data-live-id), the kinds around its <h1> and
    around each watched text in <main>, and the fields found inside regions."""

    VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"})
    NOT_TYPED_INTO = frozenset({"hidden", "submit", "button", "reset"})

    def __init__(self, watched: Iterable[str] = ()) -> None:
        super().__init__()
        self.watched = tuple(watched)
        # Open elements, each with what holds for it: the kinds of the regions around it, and
        # whether it is in a region, in a form, in <main>.
        self.stack: list[tuple[str, Around]] = []
        self.regions: dict[str, tuple[set[str], str | None]] = {}
        self.heading_kinds: set[str] | None = None
        self.fields_in_regions: list[str] = []
        self.seen: list[tuple[str, set[str]]] = []  # (watched text, kinds around it)

    @property
    def around(self) -> Around:
        return self.stack[-1][1] if self.stack else Around(frozenset(), False, False, False)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        kinds, inside, in_form, in_main = self.around
        if "data-live" in attrs:
            listed = set((attrs["data-live"] or "").split())
            assert attrs.get("id"), f"a live region without an id: <{tag} {attrs}>"
            assert attrs["id"] not in self.regions, f"two regions with the id {attrs['id']}"
            self.regions[attrs["id"]] = (listed, attrs.get("data-live-id"))
            kinds, inside = kinds | listed, True
        here = Around(kinds, inside, in_form or tag == "form", in_main or tag == "main")
        if tag == "h1" and self.heading_kinds is None:
            self.heading_kinds = set(kinds)
        if inside and self._typed_into(tag, attrs):
            self.fields_in_regions.append(f"<{tag} name={attrs.get('name')}>")
        if tag not in self.VOID:
            self.stack.append((tag, here))

    def _typed_into(self, tag, attrs) -> bool:
        if tag == "input":
            return (attrs.get("type") or "text").lower() not in self.NOT_TYPED_INTO
        return tag in ("textarea", "select")

    def handle_data(self, data):
        kinds, _inside, in_form, in_main = self.around
        # Forms are never swapped (what they offer to choose from stays as loaded).
        if in_main and not in_form:
            self.seen.extend((text, set(kinds)) for text in self.watched if text in data)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        # Tolerate unclosed elements (<p>, <li>): pop back to the matching open tag.
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return


class Around(NamedTuple):
    kinds: frozenset[str] | set[str]
    in_region: bool
    in_form: bool
    in_main: bool


def read(html: str) -> LiveMarkup:
    markup = LiveMarkup(WATCHED)
    markup.feed(html)
    return markup


def kinds_of(sources: set[str]) -> set[str]:
    return set().union(*(CHANGED_BY[s] for s in sources))


# --- a site with something on every page -------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An app with a standard, a profile, activities (live, deleted, a draft), a tag, a
    template, a break, a backup and an import waiting; yields (client, app, {rule: URL})."""
    app = create_app({"DATA_DIR": tmp_path_factory.mktemp("live-pages") / "data", "TESTING": True})
    otj = app.extensions["otj"]
    otj.clock = lambda: TODAY
    db = otj.db
    with db.transaction() as tx:
        standard_id = standard_store.add(tx, parse_standard(standard_json())).standard_id
        newer_id = standard_store.add(
            tx, parse_standard(standard_json("standard_st9999_v1_1.json"))
        ).standard_id
        profile_store.set_standard(tx, standard_id)
    client = AppClient(app.test_client(), app)
    with db.connection() as conn:
        ksb_id = standard_store.ksbs(conn, standard_id)[0].id
    saved = client.post(
        "/profile",
        {
            "action": "save",
            "name": "Sam Apprentice",
            "start_date": "2025-09-01",
            "practical_end_date": "2027-08-31",
            "weekly_contracted_hours": "37.5",
            "working_days_per_week": "5",
            "planned_otj_hours": "300",
        },
    )
    assert saved.status_code == 302
    added = client.post("/profile/breaks", {"break_start": "2026-01-05", "break_end": "2026-01-16"})
    assert added.status_code == 302

    def create(**fields) -> int:
        response = client.post("/activities/new", activity_form(**fields))
        return int(response.headers["Location"].rsplit("/", 1)[1])

    live = create(title="Mentoring with Priya", ksb_ids=str(ksb_id), tags="pairing-practice")
    gone = create(title="Soldering refresher")
    assert client.post(f"/activities/{gone}/delete").status_code == 302
    monday = TODAY - timedelta(days=TODAY.weekday())
    with db.transaction() as tx:
        weekly = TemplateInput(
            name="Weekly",
            title="Weekly mentoring",
            activity_type="mentoring",
            duration_minutes=60,
            weekday=0,
            active=True,
            start_date=monday,
        )
        template_store.create(tx, weekly, today=monday - timedelta(days=1))
        reading = TemplateInput(
            name="Fortnightly reading group",
            title="Reading group",
            activity_type="self_study",
            duration_minutes=60,
        )
        template_store.create(tx, reading, today=TODAY)
    with db.transaction() as tx:
        assert draft_store.make_due_drafts(tx, monday)  # a draft to review
    assert client.post("/backups/now").status_code == 302
    upload = client.post(
        "/data/import",
        {"archive": (io.BytesIO(client.get("/data/export").data), "export.zip")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302, upload.get_data(as_text=True)
    with db.connection() as conn:
        tag_id = tag_store.find(conn, "pairing-practice").id
        template_id = conn.execute("SELECT min(id) FROM activity_template").fetchone()[0]
    backup = app.extensions["otj_backups"].list()[0].name
    client.get("/about")  # takes the flash messages the posts above left
    values = {
        "activity_id": live,
        "standard_id": standard_id,
        "ksb_id": ksb_id,
        "tag_id": tag_id,
        "template_id": template_id,
        "name": backup,
        "token": upload.headers["Location"].rsplit("/", 1)[1],
    }
    urls = {}
    for rule in PAGES:
        url = rule
        for name, value in values.items():
            url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), url)
        urls[rule] = url
    urls["/activities/deleted/<int:activity_id>/purge"] = f"/activities/deleted/{gone}/purge"
    urls["/standards/<int:standard_id>/switch"] = f"/standards/{newer_id}/switch"
    yield client, app, urls
    otj.broker.close()
    db.release()


def page(site, rule: str) -> tuple[LiveMarkup, str]:
    client, _app, urls = site
    response = client.get(urls[rule])
    html = response.get_data(as_text=True)
    assert response.status_code == 200, (urls[rule], response.status_code, html[:500])
    return read(html), urls[rule]


# --- the tests ---------------------------------------------------------------------------------


def test_every_get_page_of_the_app_is_in_the_table(site):
    _client, app, _urls = site
    rules = {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods}
    assert rules - NOT_PAGES - set(PAGES) == set(), "add these pages to PAGES"
    assert set(PAGES) - rules == set(), "these pages are gone: remove them from PAGES"


@pytest.mark.parametrize("rule", sorted(PAGES))
def test_each_region_listens_for_every_event_that_changes_what_it_shows(site, rule):
    markup, url = page(site, rule)
    expected = {**EVERY_PAGE, **{k: v for k, v in PAGES[rule].items() if k != HEADING}}
    assert set(markup.regions) == set(expected), url
    for region_id, sources in expected.items():
        kinds, _live_id = markup.regions[region_id]
        missing = kinds_of(sources) - kinds
        assert not missing, f"{url} #{region_id} does not listen for {sorted(missing)}"


@pytest.mark.parametrize("rule", sorted(PAGES))
def test_only_regions_showing_one_activity_filter_by_its_id(site, rule):
    markup, url = page(site, rule)
    match = re.search(r"/activities/(?:deleted/)?(\d+)", url)
    for region_id, (_kinds, live_id) in markup.regions.items():
        if "this activity" in PAGES[rule].get(region_id, ()):
            assert match and live_id == match.group(1), f"{url} #{region_id}"
        else:
            assert live_id is None, f"{url} #{region_id} would miss other activities' changes"


@pytest.mark.parametrize("rule", sorted(r for r, regions in PAGES.items() if HEADING in regions))
def test_a_heading_that_can_change_sits_in_a_region_that_listens_for_it(site, rule):
    markup, url = page(site, rule)
    assert markup.heading_kinds is not None, f"{url} has no <h1>"
    missing = kinds_of(PAGES[rule][HEADING]) - markup.heading_kinds
    assert not missing, f"the <h1> of {url} is not refreshed by {sorted(missing)}"


@pytest.mark.parametrize("rule", sorted(PAGES))
def test_no_region_holds_a_field_someone_types_into(site, rule):
    markup, url = page(site, rule)
    assert markup.fields_in_regions == [], url


def test_every_watched_text_is_refreshed_wherever_a_page_shows_it(site):
    seen_anywhere, stale = set(), set()
    for rule in sorted(PAGES):
        markup, url = page(site, rule)
        for text, kinds in markup.seen:
            seen_anywhere.add(text)
            missing = kinds_of(WATCHED[text]) - kinds
            if missing:
                stale.add(f"{url} shows “{text}” where {sorted(missing)} leave it stale")
    assert sorted(stale) == []
    assert seen_anywhere == set(WATCHED)  # each is on some page, so each check can fail


def announced_kinds() -> set[str]:
    """Every kind the app sends: ``announce("kind"`` in the stores, ``publish``/``_announce``
    in web modules."""
    pattern = re.compile(r"""(?:announce|publish)\(\s*"([a-z_]+)\"""")
    kinds = set()
    for path in SOURCE.rglob("*.py"):
        kinds |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return kinds


def test_the_table_knows_every_kind_the_app_announces_and_no_other():
    sent = announced_kinds()
    assert {"activity_saved", "tags_changed", "resync"} <= sent  # the search finds them
    assert kinds_of(set(CHANGED_BY)) | EVERY_REGION == sent


def test_every_kind_a_template_listens_for_is_one_the_app_sends():
    sent = announced_kinds()
    templates = SOURCE / "web" / "templates"
    for path in templates.rglob("*.html"):
        for listed in re.findall(r'data-live="([^"]*)"', path.read_text(encoding="utf-8")):
            unknown = set(listed.split()) - sent
            assert not unknown, f"{path.relative_to(templates)} listens for {sorted(unknown)}"
