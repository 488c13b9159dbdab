"""Resource links: the rules, the activity form's rows (with and without scripts), the activity
page by CORE stage, edit history and restoring, and what other windows hear."""

from __future__ import annotations

import re

import pytest

from otj_desktop.domain.history import diff
from otj_desktop.domain.resource_links import (
    LINKS_PER_ACTIVITY_MAX,
    check_url,
    parse_link_rows,
)
from otj_desktop.store import activities as activity_store
from otj_desktop.store import history as history_store
from tests.conftest import activity_form


def link_fields(n: int, **values: str) -> dict[str, str]:
    row = {"stage": "capture", "source": "website", "title": "", "url": "", "description": ""}
    row.update(values)
    return {f"links-{n}-{k}": v for k, v in row.items()}


def create(client, **fields) -> int:
    response = client.post("/activities/new", activity_form(**fields))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def stored(app, activity_id: int):
    with app.extensions["otj"].db.connection() as conn:
        return activity_store.get(conn, activity_id, include_deleted=True)


def error_next_to(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    assert match, f"no error shown for {field}"
    return re.sub(r"<[^>]+>", "", match.group(1))


# --- the rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "vbscript:msgbox(1)",
    ],
)
def test_only_web_addresses_are_accepted(url):
    with pytest.raises(ValueError, match="Only web addresses"):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "example.com",
        "//example.com/x",
        "https:example.com",
        "https://",
        "https://exa mple.com",
        "https://example.com/\x00",
        "https://[::1",
        "https://example.com:port/",
        "https://user:secret@example.com/",
        "https://" + "a" * 2001,
    ],
)
def test_odd_or_unsafe_addresses_are_refused_with_a_reason(url):
    with pytest.raises(ValueError, match=r"(address|Address|characters).*\.$"):
        check_url(url)


def test_a_good_address_is_kept_as_typed_with_its_scheme_in_lower_case():
    assert check_url(" HTTPS://Docs.Google.com/d/Ab?x=1#y ") == "https://Docs.Google.com/d/Ab?x=1#y"
    assert check_url("http://localhost:8080/notes") == "http://localhost:8080/notes"


def test_rows_left_empty_or_ticked_for_removal_are_dropped_and_gaps_in_numbers_are_fine():
    form = {
        **link_fields(0, title="Kept", url="https://a.example/"),
        **link_fields(3),  # an empty row: stage and source always have values
        **link_fields(7, title="Removed", url="javascript:x", remove="1"),
        **link_fields(12, stage="engage", title="Second", url="https://b.example/"),
    }
    links, errors = parse_link_rows(form)
    assert errors == {}
    assert [(x.stage, x.title) for x in links] == [("capture", "Kept"), ("engage", "Second")]


def test_a_row_needs_a_title_an_address_a_known_stage_and_source():
    form = {
        **link_fields(0, url="https://a.example/"),
        **link_fields(1, title="No address"),
        **link_fields(2, stage="plan", source="myspace", title="x", url="https://c.example/"),
        **link_fields(3, title="t" * 201, url="https://d.example/", description="d" * 1001),
    }
    _links, errors = parse_link_rows(form)
    assert set(errors) == {
        "links-0-title",
        "links-1-url",
        "links-2-stage",
        "links-2-source",
        "links-3-title",
        "links-3-description",
    }


def test_an_activity_holds_at_most_fifty_links():
    form = {}
    for n in range(LINKS_PER_ACTIVITY_MAX + 1):
        form.update(link_fields(n, title=f"L{n}", url=f"https://x.example/{n}"))
    _links, errors = parse_link_rows(form)
    assert "50 links or fewer" in errors["links"]


def test_history_diff_counts_links_missing_from_an_old_snapshot_as_none():
    old = {"title": "A", "ksbs": [], "tags": []}  # a snapshot from before links existed
    new = {**old, "resource_links": [], "attachments": []}
    assert diff(old, new) == {}
    link = {"stage": "review", "title": "Notes", "url": "https://n.example/", "source": "other"}
    changed = diff(old, {**new, "resource_links": [{**link, "description": ""}]})
    assert changed == {"resource_links": [[], ["Review: Notes <https://n.example/>"]]}


# --- the form ----------------------------------------------------------------------------------


def test_links_are_saved_with_the_activity_in_order(client, app):
    activity_id = create(
        client,
        **link_fields(
            0,
            stage="review",
            source="google_docs",
            title="Retro notes",
            url="https://docs.google.com/document/d/1",
            description="What we agreed",
        ),
        **link_fields(
            1, stage="capture", source="github", title="Repo", url="https://github.com/x"
        ),
        **link_fields(2),
    )
    activity = stored(app, activity_id)
    assert activity.resource_links == [
        {
            "stage": "review",
            "title": "Retro notes",
            "url": "https://docs.google.com/document/d/1",
            "source": "google_docs",
            "description": "What we agreed",
        },
        {
            "stage": "capture",
            "title": "Repo",
            "url": "https://github.com/x",
            "source": "github",
            "description": "",
        },
    ]
    with app.extensions["otj"].db.connection() as conn:
        entry = history_store.for_activity(conn, activity_id)[0]
    assert entry.snapshot["resource_links"] == activity.resource_links


def test_a_bad_address_is_refused_next_to_its_row_with_everything_typed_kept(client, app):
    before = client.get("/activities").get_data(as_text=True)
    response = client.post(
        "/activities/new",
        activity_form(
            title="Kept title",
            **link_fields(0, title="Fine", url="https://ok.example/"),
            **link_fields(1, title="Sneaky", url="javascript:alert(document.cookie)"),
        ),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Only web addresses" in error_next_to(page, "links-1-url")
    assert 'value="javascript:alert(document.cookie)"' in page  # kept, as text in a field
    assert 'value="Kept title"' in page and 'value="https://ok.example/"' in page
    assert 'href="#links-1-url"' in page  # the error summary links to the field
    assert 'href="javascript:' not in page
    assert client.get("/activities").get_data(as_text=True).count("Kept title") == before.count(
        "Kept title"
    )


def test_the_activity_and_its_links_are_checked_together(client):
    response = client.post(
        "/activities/new",
        activity_form(title="", **link_fields(0, url="https://ok.example/")),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_next_to(page, "title") and error_next_to(page, "links-0-title")


def test_without_scripts_add_more_rows_returns_the_form_with_more_rows_and_saves_nothing(
    client, app
):
    form = activity_form(**link_fields(0, title="First", url="https://a.example/"))
    form |= link_fields(1) | link_fields(2) | {"add_link_rows": "1"}
    response = client.post("/activities/new", form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = set(re.findall(r'id="link-row-(\d+)"', page))
    assert rows == {str(n) for n in range(6)}
    assert 'value="First"' in page
    with app.extensions["otj"].db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM activity").fetchone()[0] == 0


def test_the_form_offers_empty_rows_a_template_for_scripts_and_a_no_script_fallback(client, app):
    page = client.get("/activities/new").get_data(as_text=True)
    assert len(re.findall(r'id="link-row-\d+"', page)) == 3
    assert "<template data-link-template>" in page and 'id="link-row-__N__"' in page
    assert 'name="add_link_rows"' in page and "Remove this link when saving" in page
    assert '<script src="/static/js/resource-links.js" defer>' in page


def test_editing_shows_the_links_and_replaces_them(client, app):
    activity_id = create(client, **link_fields(0, title="Old", url="https://old.example/"))
    page = client.get(f"/activities/{activity_id}/edit").get_data(as_text=True)
    assert 'value="https://old.example/"' in page
    response = client.post(
        f"/activities/{activity_id}/edit",
        activity_form(
            version="1",
            **link_fields(0, title="Old", url="https://old.example/", remove="1"),
            **link_fields(4, stage="engage", title="New", url="https://new.example/"),
        ),
    )
    assert response.status_code == 302
    assert [x["title"] for x in stored(app, activity_id).resource_links] == ["New"]
    history = client.get(f"/activities/{activity_id}").get_data(as_text=True)
    history = history[history.index('id="activity-history"') :]
    assert "Resource links changed" in history and "Engage: New" in history


def test_restoring_an_earlier_version_brings_its_links_back(client, app):
    activity_id = create(client, **link_fields(0, title="First", url="https://1.example/"))
    client.post(f"/activities/{activity_id}/edit", activity_form(version="1"))
    assert stored(app, activity_id).resource_links == []
    response = client.post(f"/activities/{activity_id}/versions/1/restore", {"version": "2"})
    assert response.status_code == 302
    assert [x["url"] for x in stored(app, activity_id).resource_links] == ["https://1.example/"]


def test_a_conflict_shows_both_versions_links(client, app):
    activity_id = create(client, **link_fields(0, title="Theirs", url="https://t.example/"))
    client.post(f"/activities/{activity_id}/edit", activity_form(version="1"))
    response = client.post(
        f"/activities/{activity_id}/edit",
        activity_form(version="1", **link_fields(0, title="Mine", url="https://m.example/")),
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Resource links" in page and "Capture: Mine &lt;https://m.example/&gt;" in page


# --- the activity page -------------------------------------------------------------------------


def test_the_activity_page_shows_the_four_core_stages_with_counts_and_links_out(client):
    activity_id = create(
        client,
        **link_fields(0, stage="review", title="A", url="https://a.example/x"),
        **link_fields(1, stage="review", title="B", url="https://b.example/"),
        **link_fields(2, stage="engage", title="C <b>", url="https://c.example/", source="github"),
    )
    page = client.get(f"/activities/{activity_id}").get_data(as_text=True)
    counts = dict(
        re.findall(
            r'id="stage-(\w+)">\s*<h3>\w+ <span class="count">(\d+)'
            r'<span class="visually-hidden"> links?</span></span>',
            page,
        )
    )
    assert counts == {"capture": "0", "organise": "0", "review": "2", "engage": "1"}
    links = re.findall(r'<a href="(https://[^"]+)" target="_blank" rel="noopener noreferrer"', page)
    assert links == ["https://a.example/x", "https://b.example/", "https://c.example/"]
    assert "C &lt;b&gt;" in page and "GitHub" in page and "a.example" in page
    # The links are inside the page's live region, so another window's edit redraws them.
    region = page[page.index('id="activity-detail"') : page.index('id="activity-history"')]
    assert "stage-review" in region


def test_saving_links_is_announced_to_other_windows(client, app):
    heard: list = []
    app.extensions["otj"].db.add_listener(heard.extend)
    create(client, **link_fields(0, title="A", url="https://a.example/"))
    assert [c.kind for c in heard] == ["activity_saved"]
