"""Choosing, switching and editing the standard through the Flask test client."""

from __future__ import annotations

import html
import io
import json
import re
from html.parser import HTMLParser

import pytest

from otj_desktop.standards.catalogue import list_catalogue
from otj_desktop.standards.importer import parse_standard
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as store
from tests.conftest import DATA, activity_form, standard_json

V1_0 = DATA / "standard_st9999_v1_0.json"
V1_1 = DATA / "standard_st9999_v1_1.json"
KNOWN_EVENTS = {"activity_saved", "activity_deleted", "profile_saved", "standard_saved", "resync"}
# Regions every page has (base.html): the appearance toggle and the reminder.
APP_WIDE_REGIONS = {"appearance-toggle", "reminder"}


@pytest.fixture
def events(db):
    seen = []
    db.add_listener(seen.extend)
    return seen


def dump(db) -> list[str]:
    with db.connection() as conn:
        return list(conn.iterdump())


def upload(client, content: bytes, filename: str = "standard.json"):
    return client.post(
        "/standards/import",
        {"standard_file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def current_id(db) -> int | None:
    with db.connection() as conn:
        return profile_store.get(conn).standard_id


def stored(db, reference: str, version: str) -> store.Standard:
    with db.connection() as conn:
        return store.find(conn, reference, version)


def ksb(db, standard_id: int, code: str) -> store.Ksb:
    with db.connection() as conn:
        return next(k for k in store.ksbs(conn, standard_id) if k.code == code)


def links(db, activity_id: int) -> set[int]:
    with db.connection() as conn:
        rows = conn.execute("SELECT ksb_id FROM activity_ksb WHERE activity_id = ?", (activity_id,))
        return {r[0] for r in rows}


def log(client, *ksb_ids: int, title: str = "Workshop") -> int:
    response = client.post(
        "/activities/new", activity_form(title=title, ksb_ids=[str(i) for i in ksb_ids])
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def text(response) -> str:
    return response.get_data(as_text=True)


def unescaped(response) -> str:
    return html.unescape(text(response))


# --- importing a file --------------------------------------------------------------------------


def test_first_import_adds_the_standard_and_chooses_it(client, db):
    response = upload(client, V1_0.read_bytes())

    assert response.status_code == 302
    assert response.headers["Location"] == "/profile"
    standard = stored(db, "ST9999", "1.0")
    assert current_id(db) == standard.id
    page = text(client.get("/standard"))
    assert "Example widget technician" in page and "K6" in page and "B3" in page


@pytest.mark.parametrize(
    ("content", "reason", "status"),
    [
        (b'{"referenceNumber": "ST9999", ', "This file is not valid JSON (line 1", 422),
        (
            (DATA / "not_a_standard.json").read_bytes(),
            "This file is not an apprenticeship standard",
            422,
        ),
        (V1_0.read_text(encoding="utf-8").encode("utf-16"), "not readable text (UTF-8)", 422),
        (b" " * 5_100_000, "This file is too large to be an apprenticeship standard.", 422),
        (b" " * 6_000_000, "This file is too large to be an apprenticeship standard.", 413),
    ],
    ids=["broken", "not-a-standard", "wrong-encoding", "too-large", "over-upload-limit"],
)
def test_a_bad_file_shows_the_reason_on_the_setup_page_and_imports_nothing(
    client, db, content, reason, status
):
    before = dump(db)

    response = upload(client, content)

    assert response.status_code == status
    page = unescaped(response)
    assert "<title>Choose your standard — OTJ Desktop</title>" in page
    assert reason in page
    assert "Nothing was imported." in page
    assert 'aria-invalid="true" aria-describedby="standard_file-error"' in page
    assert dump(db) == before


def test_import_without_a_file_asks_for_one(client, db):
    before = dump(db)
    response = client.post("/standards/import", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose the standard&#39;s JSON file to import." in text(response)
    assert dump(db) == before


def test_importing_the_same_standard_and_version_again_changes_nothing(client, db):
    upload(client, V1_0.read_bytes())
    before = dump(db)

    response = upload(client, V1_0.read_bytes())

    assert response.status_code == 302
    assert dump(db) == before
    page = text(client.get(response.headers["Location"]))
    assert "Example widget technician v1.0 was already imported; nothing changed." in page


# --- a newer version ---------------------------------------------------------------------------


@pytest.fixture
def linked(client, db, with_standard):
    """Activities linked to v1.0's K3, K6, S3 and S1 (one each), by code."""
    return {
        code: log(client, ksb(db, with_standard, code).id, title=f"About {code}")
        for code in ("K3", "K6", "S3", "S1")
    }


def test_importing_a_newer_version_previews_the_mapping_and_switches_nothing(
    client, db, with_standard, linked
):
    response = upload(client, V1_1.read_bytes())

    new = stored(db, "ST9999", "1.1")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/standards/{new.id}/switch"
    assert current_id(db) == with_standard  # nothing switched yet
    page = unescaped(client.get(response.headers["Location"]))
    by_id = section(page, "by-id-heading")
    assert row(by_id, "K3") == ("K4", "1")
    assert row(by_id, "S3") == ("S4", "1")
    assert row(by_id, "S1") == ("S1", "1")
    assert "reworded" in by_id
    assert "by-code-heading" not in page
    unmapped = section(page, "unmapped-heading")
    assert "K6" in unmapped and "stock control" in unmapped and "1 activity" in unmapped
    assert "Waste and the environment" in section(page, "added-heading")
    assert f'name="from_id" value="{with_standard}"' in page


def test_confirming_the_switch_moves_links_and_reports_the_unmapped(
    client, db, with_standard, linked, events
):
    upload(client, V1_1.read_bytes())
    new = stored(db, "ST9999", "1.1")
    old_k6 = ksb(db, with_standard, "K6")

    response = client.post(f"/standards/{new.id}/switch", {"from_id": str(with_standard)})

    assert response.status_code == 302 and response.headers["Location"] == "/standard"
    assert current_id(db) == new.id
    assert links(db, linked["K3"]) == {ksb(db, new.id, "K4").id}
    assert links(db, linked["S3"]) == {ksb(db, new.id, "S4").id}
    assert links(db, linked["S1"]) == {ksb(db, new.id, "S1").id}
    assert links(db, linked["K6"]) == {old_k6.id}  # kept, not moved to the new (different) K6
    assert {"standard_saved", "profile_saved"} <= {c.kind for c in events}

    page = unescaped(client.get("/standard"))
    assert "Switched to Example widget technician (ST9999 v1.1, level 3)." in page
    assert "3 KSB links carried over." in page
    assert "1 KSB could not be mapped (K6)" in page
    relink = section(page, "stranded-heading")
    assert "K6" in relink and "ST9999 v1.0" in relink
    assert f'href="/activities/{linked["K6"]}/edit"' in relink
    assert "About K6" in relink


def test_a_switch_confirmed_after_another_window_changed_the_standard_changes_nothing(
    client, db, with_standard, linked
):
    upload(client, V1_1.read_bytes())
    new = stored(db, "ST9999", "1.1")
    before = dump(db)

    response = client.post(f"/standards/{new.id}/switch", {"from_id": str(new.id + 99)})

    assert response.status_code == 409
    assert "Your standard was changed in another window, so nothing was switched." in unescaped(
        response
    )
    assert dump(db) == before


def test_the_standard_page_switches_between_stored_versions(client, db, with_standard, linked):
    upload(client, V1_1.read_bytes())
    new = stored(db, "ST9999", "1.1")
    client.post(f"/standards/{new.id}/switch", {"from_id": str(with_standard)})

    page = text(client.get("/standard"))
    back = f'href="/standards/{with_standard}/switch"'
    assert back in section(page, "others-heading")
    preview = unescaped(client.get(f"/standards/{with_standard}/switch"))
    assert row(section(preview, "by-id-heading"), "K4") == ("K3", "1")
    client.post(f"/standards/{with_standard}/switch", {"from_id": str(new.id)})

    assert current_id(db) == with_standard
    assert links(db, linked["K3"]) == {ksb(db, with_standard, "K3").id}
    assert links(db, linked["S3"]) == {ksb(db, with_standard, "S3").id}
    assert links(db, linked["K6"]) == {ksb(db, with_standard, "K6").id}
    assert "stranded-heading" not in text(client.get("/standard"))


def test_previewing_a_switch_to_the_current_standard_goes_back_to_it(client, with_standard):
    response = client.get(f"/standards/{with_standard}/switch")
    assert response.status_code == 302 and response.headers["Location"] == "/standard"


# --- the catalogue -----------------------------------------------------------------------------


def test_setup_page_shows_each_catalogue_standards_note(client):
    page = unescaped(client.get("/setup"))
    for entry in list_catalogue():
        assert entry.note and entry.note in page
        assert f'aria-describedby="cat-{entry.key}-note"' in page
    assert "Check them against your training plan, or import the official file" in page


def test_picking_from_the_catalogue_chooses_it_and_shows_its_note(client, db):
    entry = list_catalogue()[0]

    response = client.post("/standards/catalogue", {"key": entry.key})

    assert response.status_code == 302
    standard = stored(db, entry.reference, entry.version)
    assert current_id(db) == standard.id and standard.source == "catalogue"
    assert entry.note in unescaped(client.get("/standard"))


def test_the_official_file_replaces_catalogue_summaries_of_the_same_version(client, db):
    catalogue = parse_standard(standard_json(), source="catalogue")
    with db.transaction() as tx:
        standard_id = store.add(tx, catalogue).standard_id
        profile_store.set_standard(tx, standard_id)
    k1 = ksb(db, standard_id, "K1")
    activity = log(client, k1.id)

    response = upload(client, V1_0.read_bytes())

    assert "now uses the official text" in unescaped(client.get(response.headers["Location"]))
    assert ksb(db, standard_id, "K1").official_id == "8cda0da7-afae-5dbd-b298-74b7df8e0faf"
    assert links(db, activity) == {k1.id}


def test_an_unknown_catalogue_key_is_refused_next_to_the_list(client, db):
    before = dump(db)
    response = client.post("/standards/catalogue", {"key": "st0000_v9"})
    assert response.status_code == 422
    assert 'id="key-error"' in text(response) and "Choose a standard from the list." in text(
        response
    )
    assert dump(db) == before


# --- editing by hand ---------------------------------------------------------------------------


@pytest.fixture
def manual(client, db) -> int:
    response = client.post("/standards/manual", {"title": "Widget inspector"})
    assert response.status_code == 302
    return int(re.fullmatch(r"/standards/(\d+)/edit", response.headers["Location"])[1])


def test_creating_a_standard_by_hand_on_first_run_chooses_it(client, db, manual):
    assert current_id(db) == manual
    page = text(client.get(f"/standards/{manual}/edit"))
    assert "Created “Widget inspector”. Add its KSBs below." in page
    assert "No KSBs yet" in page


def test_a_standard_without_a_title_is_refused_and_nothing_created(client, db):
    before = dump(db)
    response = client.post("/standards/manual", {"title": "   "})
    assert response.status_code == 422
    assert 'id="manual_title-error"' in text(response)
    assert dump(db) == before


def add_ksb(client, standard_id: int, category: str, statement: str, title: str = ""):
    return client.post(
        f"/standards/{standard_id}/ksbs",
        {"category": category, "statement": statement, "ksb_title": title},
    )


def codes(db, standard_id: int) -> list[str]:
    with db.connection() as conn:
        return [k.code for k in store.ksbs(conn, standard_id)]


def test_a_hand_made_standard_gets_the_next_code_in_each_category(client, db, manual, events):
    for category, statement in [
        ("knowledge", "Inspection methods."),
        ("skill", "Inspect widgets."),
        ("behaviour", "Works carefully."),
        ("knowledge", "Defect categories."),
    ]:
        assert add_ksb(client, manual, category, statement).status_code == 302

    assert codes(db, manual) == ["K1", "K2", "S1", "B1"]
    assert [c.kind for c in events].count("standard_saved") == 4
    page = text(client.get(f"/standards/{manual}/edit"))
    assert "Knowledge (gets K3)" in page and "Skill (gets S2)" in page


def test_edits_and_deletes_never_renumber_or_break_links(client, db, manual):
    for statement in ("One.", "Two.", "Three."):
        add_ksb(client, manual, "knowledge", statement)
    k1, k2, k3 = (ksb(db, manual, c) for c in ("K1", "K2", "K3"))
    activity = log(client, k2.id)

    assert client.post(f"/standards/{manual}/ksbs/{k1.id}/delete").status_code == 302
    assert client.post(f"/standards/{manual}/ksbs/{k3.id}/delete").status_code == 302
    edited = client.post(
        f"/standards/{manual}/ksbs/{k2.id}", {"statement": "Two, reworded.", "ksb_title": "Two"}
    )
    add_ksb(client, manual, "knowledge", "Four.")

    assert edited.status_code == 302
    assert codes(db, manual) == ["K2", "K4"]
    after = ksb(db, manual, "K2")
    assert (after.id, after.title, after.statement) == (k2.id, "Two", "Two, reworded.")
    assert links(db, activity) == {k2.id}
    assert ">K2<" in text(client.get(f"/activities/{activity}"))


def test_deleting_a_linked_ksb_is_refused_with_a_clear_message(client, db, manual):
    add_ksb(client, manual, "skill", "Inspect widgets.")
    s1 = ksb(db, manual, "S1")
    activity = log(client, s1.id)
    before = dump(db)

    response = client.post(f"/standards/{manual}/ksbs/{s1.id}/delete")

    assert response.status_code == 409
    assert (
        "S1 cannot be removed because 1 activity links to it: unlink it from that activity first."
        in text(response)
    )
    assert dump(db) == before
    assert links(db, activity) == {s1.id}


def test_a_bad_ksb_comes_back_with_the_error_by_its_field_and_nothing_written(client, db, manual):
    before = dump(db)

    response = add_ksb(client, manual, "skill", "   ", title="Kept title")

    assert response.status_code == 422
    page = text(response)
    assert 'id="statement-error"' in page and "Enter the statement" in page
    assert 'value="Kept title"' in page
    assert re.search(r'<option value="skill" selected>', page)
    assert dump(db) == before


def test_editing_a_ksb_with_an_empty_statement_keeps_the_old_one(client, db, manual):
    add_ksb(client, manual, "skill", "Inspect widgets.")
    s1 = ksb(db, manual, "S1")
    response = client.post(f"/standards/{manual}/ksbs/{s1.id}", {"statement": ""})
    assert response.status_code == 422
    assert ksb(db, manual, "S1").statement == "Inspect widgets."


def test_a_hand_made_standards_details_can_be_edited(client, db, manual, events):
    response = client.post(
        f"/standards/{manual}/details",
        {"title": "Senior widget inspector", "level": "4", "minimum_hours": "350"},
    )
    assert response.status_code == 302
    with db.connection() as conn:
        saved = store.get(conn, manual)
    assert (saved.title, saved.level, saved.minimum_hours) == ("Senior widget inspector", 4, 350)
    assert events[-1].kind == "standard_saved"
    assert "minimum 350 OTJ hours" in text(client.get("/standard"))


def test_bad_details_come_back_with_each_error_and_the_typed_values(client, db, manual):
    before = dump(db)
    response = client.post(
        f"/standards/{manual}/details", {"title": "Typed title", "level": "9", "minimum_hours": "x"}
    )
    assert response.status_code == 422
    page = text(response)
    assert 'id="level-error"' in page and 'id="minimum_hours-error"' in page
    assert 'value="Typed title"' in page and 'value="9"' in page
    assert dump(db) == before


def test_an_official_standard_can_be_edited_with_a_warning_but_not_its_details(
    client, db, with_standard
):
    page = unescaped(client.get(f"/standards/{with_standard}/edit"))
    assert "This is the official text of ST9999 v1.0." in page
    assert f'action="/standards/{with_standard}/details"' not in page

    assert add_ksb(client, with_standard, "knowledge", "Local extra.").status_code == 302
    assert codes(db, with_standard)[:7] == ["K1", "K2", "K3", "K4", "K5", "K6", "K7"]
    refused = client.post(f"/standards/{with_standard}/details", {"title": "Renamed"})
    assert refused.status_code == 404


def test_a_ksb_is_only_reached_through_its_own_standard(client, db, with_standard, manual):
    k1 = ksb(db, with_standard, "K1")
    assert client.get(f"/standards/{manual}/ksbs/{k1.id}").status_code == 404
    assert client.post(f"/standards/{manual}/ksbs/{k1.id}/delete").status_code == 404
    assert client.get("/standards/999/edit").status_code == 404


# --- live regions ------------------------------------------------------------------------------


class LiveRegions(HTMLParser):
    """Collects each ``data-live`` element: its id, its event kinds, whether a form is inside."""

    def __init__(self) -> None:
        super().__init__()
        self.regions: list[dict] = []
        self.stack: list[tuple[str, dict | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        region = None
        if "data-live" in attrs:
            region = {"id": attrs.get("id"), "kinds": attrs["data-live"].split(), "form": False}
            self.regions.append(region)
        if tag == "form":
            for _, open_region in self.stack:
                if open_region:
                    open_region["form"] = True
        if tag not in ("input", "meta", "link", "img", "br", "hr"):
            self.stack.append((tag, region))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break


def test_data_regions_follow_the_live_region_contract(client, db, with_standard, linked):
    upload(client, V1_1.read_bytes())
    new = stored(db, "ST9999", "1.1")
    k1 = ksb(db, with_standard, "K1")
    pages = [
        "/standard",
        f"/standards/{new.id}",
        f"/standards/{new.id}/switch",
        f"/standards/{with_standard}/edit",
        f"/standards/{with_standard}/ksbs/{k1.id}",
        "/setup",
    ]
    for path in pages:
        parser = LiveRegions()
        parser.feed(text(client.get(path)))
        assert parser.regions, path
        ids = [r["id"] for r in parser.regions]
        assert all(ids) and len(ids) == len(set(ids)), path
        for region in parser.regions:
            if region["id"] in APP_WIDE_REGIONS:
                continue
            assert set(region["kinds"]) <= KNOWN_EVENTS, (path, region)
            assert "standard_saved" in region["kinds"] or "activity_saved" in region["kinds"]
            assert not region["form"], (path, region)


def test_pages_about_standards_have_sensible_titles(client, db, with_standard):
    k1 = ksb(db, with_standard, "K1")
    expected = {
        "/standard": "Example widget technician",
        f"/standards/{with_standard}/edit": "Edit Example widget technician",
        f"/standards/{with_standard}/ksbs/{k1.id}": "Edit K1",
    }
    for path, title in expected.items():
        assert f"<title>{title} — OTJ Desktop</title>" in text(client.get(path)), path


# --- helpers for reading the preview -------------------------------------------------------------


def section(page: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by ``heading_id``."""
    match = re.search(
        rf'<section[^>]*aria-labelledby="{heading_id}"[^>]*>(.*?)</section>', page, re.S
    )
    assert match, heading_id
    return match.group(1)


def row(table: str, old_code: str) -> tuple[str, str]:
    """(new code, activity count) of the preview row whose first cell is ``old_code``."""
    for cells in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        codes = re.findall(r'<span class="badge[^"]*">(\w+)</span>', cells)
        count = re.findall(r'<td class="num">(\d+)</td>', cells)
        if codes and codes[0] == old_code:
            return codes[1], count[0]
    raise AssertionError(f"no row for {old_code}")


def test_json_fixtures_differ_as_the_tests_assume():
    old, new = (json.loads(p.read_text(encoding="utf-8")) for p in (V1_0, V1_1))
    assert old["knowledges"][2]["detail"] == new["knowledges"][3]["detail"]  # K3 -> K4
    assert old["skills"][0]["skillId"] == new["skills"][0]["skillId"]
    assert old["skills"][0]["detail"] != new["skills"][0]["detail"]  # S1 reworded
