"""Templates: the rules of the form, and saving, listing, editing, deleting and applying them
through the test client, including templates whose KSBs were removed or belong to an older
version of the standard."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from otj_desktop.domain.templates import (
    InvalidTemplate,
    TemplateInput,
    describe_recurrence,
    validate_template,
)
from otj_desktop.standards.importer import parse_standard
from otj_desktop.store import standards as standard_store
from otj_desktop.store import templates as template_store
from tests.archive_helpers import fingerprint
from tests.conftest import TODAY, activity_form, standard_json
from tests.progress_helpers import Events


@pytest.fixture
def db(app, with_standard):
    return app.extensions["otj"].db


def template_form(**overrides) -> dict:
    form = {
        "name": "Weekly mentoring",
        "title": "Mentoring with Priya",
        "activity_type": "mentoring",
        "duration_hours": "1",
        "evidence_quality": "good",
        "tags": "mentoring, people",
        "location": "Office",
    }
    form.update(overrides)
    return form


def stored(db) -> list[template_store.Template]:
    with db.connection() as conn:
        return template_store.all_templates(conn)


def checked_ksbs(page: str) -> set[str]:
    return set(re.findall(r'name="ksb_ids" value="(\d+)" checked', page))


# --- the rules ---------------------------------------------------------------------------------


def validate(form: dict, ksbs=(), known=(1, 2)) -> TemplateInput:
    return validate_template(form, ksbs, today=TODAY, known_ksb_ids=known)


def test_a_good_template_is_cleaned():
    data = validate(template_form(name="  Weekly   mentoring ", tags="a, A, b"), ["2", "2"])
    assert data.name == "Weekly mentoring"
    assert data.duration_minutes == 60
    assert data.tags == ("a", "b") and data.ksb_ids == (2,)
    assert not data.recurring and data.start_date is None


def test_recurrence_needs_a_real_weekday_and_a_start_no_more_than_a_year_ahead():
    data = validate(template_form(recurring="1", weekday="1", active="1"))
    assert (data.weekday, data.active, data.start_date) == (1, True, TODAY)
    for weekday in ("", "7", "-1", "Monday", "1.0", "٣", "01"):
        with pytest.raises(InvalidTemplate) as bad:
            validate(template_form(recurring="1", weekday=weekday))
        assert bad.value.errors == {"weekday": "Choose the day of the week drafts are made on."}
    far = (TODAY + timedelta(days=400)).isoformat()
    with pytest.raises(InvalidTemplate) as bad:
        validate(template_form(recurring="1", weekday="2", start_date=far))
    assert "within the next year" in bad.value.errors["start_date"]
    # A weekday sent without "recurring" ticked is ignored, not an error.
    assert validate(template_form(weekday="banana")).weekday is None


def test_every_problem_is_reported_at_once():
    with pytest.raises(InvalidTemplate) as bad:
        validate(
            {"name": "x" * 81, "activity_type": "nope", "duration_hours": "0.1", "tags": "a" * 51},
            ["99"],
        )
    assert set(bad.value.errors) == {
        "name",
        "title",
        "activity_type",
        "duration_hours",
        "ksb_ids",
        "tags",
    }


def test_recurrence_is_described_for_the_list():
    assert describe_recurrence(None, True) == ""
    assert describe_recurrence(1, True) == "Every Tuesday"
    assert describe_recurrence(6, False) == "Every Sunday (paused)"


# --- through the pages -------------------------------------------------------------------------


def test_a_template_is_saved_listed_and_announced(client, db, codes):
    events = Events(db)
    form = template_form(ksb_ids=[str(codes["K1"]), str(codes["S1"])])
    response = client.post("/templates/new", form)
    assert response.status_code == 302
    [template] = stored(db)
    assert template.ksbs == [
        {"standard": "ST9999", "version": "1.0", "code": "K1"},
        {"standard": "ST9999", "version": "1.0", "code": "S1"},
    ]
    assert template.tags == ["mentoring", "people"]
    assert events.last("templates_changed").data["summary"] == "Template “Weekly mentoring” saved"
    page = client.get("/templates").get_data(as_text=True)
    assert "<strong>Weekly mentoring</strong>" in page
    assert f'href="/activities/new?template={template.id}"' in page
    assert "Templates — OTJ Desktop" in page


def test_duplicate_names_are_refused_whatever_their_case(client, db):
    client.post("/templates/new", template_form())
    before = fingerprint(db)
    response = client.post("/templates/new", template_form(name="WEEKLY  Mentoring"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is already a template called “WEEKLY Mentoring”" in page
    assert 'value="WEEKLY  Mentoring"' in page  # what was typed is kept
    assert fingerprint(db) == before
    # Renaming another template to a taken name is refused the same way.
    client.post("/templates/new", template_form(name="Other"))
    other = next(t for t in stored(db) if t.name == "Other")
    response = client.post(f"/templates/{other.id}/edit", template_form(name="weekly mentoring"))
    assert response.status_code == 422
    assert [t.name for t in stored(db)] == ["Other", "Weekly mentoring"]


def test_a_bad_form_comes_back_with_each_message_by_its_field(client, db):
    before = fingerprint(db)
    response = client.post(
        "/templates/new",
        template_form(name="", duration_hours="abc", recurring="1", weekday="9", tags="<b>"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="name-error"' in page and 'id="duration_hours-error"' in page
    assert 'id="weekday-error"' in page
    assert "Choose the day of the week drafts are made on." in page
    assert "&lt;b&gt;" in page and "<b>" not in page.split("<main", 1)[1].split("</main>")[0]
    assert fingerprint(db) == before


def test_save_as_template_fills_the_form_from_an_activity(client, db, codes):
    activity = client.post(
        "/activities/new",
        activity_form(ksb_ids=[str(codes["K2"])], delivered_by="Sam", location="Leeds"),
    ).headers["Location"]
    page = client.get(activity).get_data(as_text=True)
    activity_id = activity.rsplit("/", 1)[1]
    assert f'href="/templates/new?from={activity_id}">Save as template</a>' in page
    form = client.get(f"/templates/new?from={activity_id}").get_data(as_text=True)
    assert 'id="name" name="name" type="text" value="Unit testing workshop"' in form
    assert 'id="duration_hours" name="duration_hours" type="number" value="2.5"' in form
    assert '<option value="workshop" selected>' in form
    assert 'value="Sam"' in form and 'value="Leeds"' in form and 'value="TDD, testing"' in form
    assert checked_ksbs(form) == {str(codes["K2"])}
    assert client.get("/templates/new?from=999").status_code == 404


def test_applying_a_template_prefills_the_new_activity_form(client, db, codes):
    client.post("/templates/new", template_form(ksb_ids=[str(codes["K1"])]))
    [template] = stored(db)
    page = client.get(f"/activities/new?template={template.id}").get_data(as_text=True)
    assert "Filled in from the template “Weekly mentoring”" in page
    assert 'id="title" name="title" type="text" value="Mentoring with Priya"' in page
    assert f'id="activity_date" name="activity_date" type="date" value="{TODAY}"' in page
    assert '<option value="mentoring" selected>' in page
    assert checked_ksbs(page) == {str(codes["K1"])}
    assert "Left out" not in page
    # Everything stays editable: the form saves what is sent, not the template.
    response = client.post("/activities/new", activity_form(title="Changed before saving"))
    assert response.status_code == 302


def test_a_template_applied_after_its_ksb_was_removed_says_what_it_left_out(client, db, codes):
    client.post("/templates/new", template_form(ksb_ids=[str(codes["K1"]), str(codes["S5"])]))
    [template] = stored(db)
    with db.transaction() as tx:
        standard_store.delete_ksb(tx, codes["S5"])  # no activity links it: it can go
    page = client.get(f"/activities/new?template={template.id}").get_data(as_text=True)
    assert checked_ksbs(page) == {str(codes["K1"])}
    assert "Left out, because it can't be used now:" in page
    assert "<li>S5 (ST9999 v1.0): it no longer exists</li>" in page
    edit = client.get(f"/templates/{template.id}/edit").get_data(as_text=True)
    assert "S5 (ST9999 v1.0): it no longer exists" in edit


def test_a_template_applied_after_moving_to_a_new_version_carries_what_it_can(
    client, db, codes, with_standard
):
    client.post("/templates/new", template_form(ksb_ids=[str(codes["K3"]), str(codes["K6"])]))
    [template] = stored(db)
    with db.transaction() as tx:
        newer = standard_store.add(
            tx, parse_standard(standard_json("standard_st9999_v1_1.json"))
        ).standard_id
        standard_store.switch_version(tx, with_standard, newer)
    with db.connection() as conn:
        new_k4 = next(k.id for k in standard_store.ksbs(conn, newer) if k.code == "K4")
    page = client.get(f"/activities/new?template={template.id}").get_data(as_text=True)
    # K3 of v1.0 is K4 in v1.1 (same official id); K6 was dropped from the new version.
    assert checked_ksbs(page) == {str(new_k4)}
    assert "<li>K6 (ST9999 v1.0): not in your current standard</li>" in page


def test_an_unknown_template_is_said_so_and_the_form_still_works(client, db):
    page = client.get("/activities/new?template=12345").get_data(as_text=True)
    assert "That template no longer exists" in page
    assert client.get("/activities/new?template=abc").status_code == 200


def test_the_new_activity_form_offers_the_templates(client, db):
    assert 'id="template-choice"' not in client.get("/activities/new").get_data(as_text=True)
    client.post("/templates/new", template_form(name="Standup <notes>"))
    page = client.get("/activities/new").get_data(as_text=True)
    assert 'id="template-choice"' in page and ">Standup &lt;notes&gt;</option>" in page


def test_editing_and_deleting_a_template(client, db, codes):
    client.post("/templates/new", template_form())
    [template] = stored(db)
    edit = client.get(f"/templates/{template.id}/edit").get_data(as_text=True)
    assert 'value="Weekly mentoring"' in edit
    response = client.post(
        f"/templates/{template.id}/edit", template_form(name="Fortnightly", duration_hours="2")
    )
    assert response.status_code == 302
    [template] = stored(db)
    assert (template.name, template.duration_minutes) == ("Fortnightly", 120)
    assert "Delete this template?" in client.get(f"/templates/{template.id}/delete").get_data(
        as_text=True
    )
    client.post(f"/templates/{template.id}/delete")
    assert stored(db) == []
    assert client.post(f"/templates/{template.id}/delete").status_code == 302  # already gone
    assert client.get(f"/templates/{template.id}/edit").status_code == 404
    assert client.post(f"/templates/{template.id}/edit", template_form()).status_code == 404


def test_template_ids_too_big_for_sqlite_are_not_found(client, db):
    assert client.get(f"/templates/{2**63}/edit").status_code == 404
    assert client.get(f"/activities/new?template={2**70}").status_code == 200


def test_a_recurrence_switched_on_drafts_from_today_not_the_weeks_before(client, db):
    start = (TODAY - timedelta(weeks=6)).isoformat()
    client.post(
        "/templates/new", template_form(recurring="1", weekday="0", start_date=start, active="1")
    )
    [template] = stored(db)
    assert template.start_date == date.fromisoformat(start)
    assert template.last_due_date == TODAY - timedelta(days=1)
    assert template.recurrence == "Every Monday"
