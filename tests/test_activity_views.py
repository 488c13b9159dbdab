"""The activity log through the Flask test client: create, list, view, edit, delete."""

from __future__ import annotations

import re

import pytest

from otj_desktop.store import activities as activity_store
from tests.conftest import activity_form


def ksb_id(app, code: str) -> int:
    with app.extensions["otj"].db.connection() as conn:
        return conn.execute("SELECT id FROM ksb WHERE code = ? ORDER BY id", (code,)).fetchone()[0]


def live_count(app) -> int:
    with app.extensions["otj"].db.connection() as conn:
        return conn.execute("SELECT count(*) FROM activity WHERE deleted_at IS NULL").fetchone()[0]


def test_new_activity_form_labels_every_field(client, with_standard):
    page = client.get("/activities/new").get_data(as_text=True)
    for label in (
        "Title",
        "Date",
        "Duration (hours)",
        "Activity type",
        "Description",
        "Notes",
        "Evidence quality",
        "Tags",
        "Delivered by / with",
        "Where",
        "Paid hours",
    ):
        assert re.search(rf"<label for=\"\w+\">{re.escape(label)}</label>", page), label
    assert 'name="ksb_ids"' in page


def test_created_activity_is_listed_with_its_ksbs_and_tags(client, app, with_standard):
    k1 = ksb_id(app, "K1")
    response = client.post("/activities/new", activity_form(ksb_ids=str(k1)))
    assert response.status_code == 302
    listing = client.get("/activities").get_data(as_text=True)
    assert "Unit testing workshop" in listing
    assert ">K1<" in listing
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2.5 hours" in detail
    assert "TDD" in detail and "testing" in detail


def test_bad_input_shows_each_error_keeps_typed_values_and_writes_nothing(
    client, app, with_standard
):
    response = client.post(
        "/activities/new",
        activity_form(
            title="Kept title",
            duration_hours="0.3",
            activity_date="2099-01-01",
            activity_type="nope",
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "steps of 0.25" in page
    assert "can&#39;t be in the future" in page
    assert "Choose an activity type" in page
    assert 'value="Kept title"' in page
    assert live_count(app) == 0


@pytest.mark.parametrize(
    ("duration", "message"),
    [
        ("", "Enter the duration"),
        ("abc", "number of hours"),
        ("nan", "number of hours"),
        ("inf", "number of hours"),
        ("0", "between 0.25 and 24"),
        ("24.25", "between 0.25 and 24"),
        ("-1", "between 0.25 and 24"),
    ],
)
def test_bad_durations_are_refused(client, app, with_standard, duration, message):
    response = client.post("/activities/new", activity_form(duration_hours=duration))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert live_count(app) == 0


def test_unknown_ksb_is_refused(client, app, with_standard):
    response = client.post("/activities/new", activity_form(ksb_ids="999999"))
    assert response.status_code == 422
    assert live_count(app) == 0


def test_edit_saves_and_bumps_the_version(client, app, with_standard):
    location = client.post("/activities/new", activity_form()).headers["Location"]
    activity_id = int(location.rsplit("/", 1)[1])
    response = client.post(
        f"/activities/{activity_id}/edit", activity_form(title="Renamed", version="1")
    )
    assert response.status_code == 302
    with app.extensions["otj"].db.connection() as conn:
        saved = activity_store.get(conn, activity_id)
    assert (saved.title, saved.version) == ("Renamed", 2)


def test_saving_over_a_newer_version_shows_both_and_overwrites_nothing(client, app, with_standard):
    location = client.post("/activities/new", activity_form()).headers["Location"]
    activity_id = int(location.rsplit("/", 1)[1])
    client.post(f"/activities/{activity_id}/edit", activity_form(title="Theirs", version="1"))
    response = client.post(
        f"/activities/{activity_id}/edit", activity_form(title="Mine", version="1")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "changed in another window" in page
    assert "Theirs" in page and 'value="Mine"' in page
    assert 'name="version" value="2"' in page  # "Save mine anyway" resubmits against version 2
    with app.extensions["otj"].db.connection() as conn:
        assert activity_store.get(conn, activity_id).title == "Theirs"


def test_delete_asks_first_then_removes_from_list_and_totals(client, app, with_standard):
    location = client.post("/activities/new", activity_form()).headers["Location"]
    activity_id = int(location.rsplit("/", 1)[1])
    confirm = client.get(f"/activities/{activity_id}/delete")
    assert "Delete this activity?" in confirm.get_data(as_text=True)
    assert live_count(app) == 1
    assert client.post(f"/activities/{activity_id}/delete").status_code == 302
    assert live_count(app) == 0
    assert f'id="activity-{activity_id}"' not in client.get("/activities").get_data(as_text=True)
    assert client.get(f"/activities/{activity_id}").status_code == 404
    dashboard = client.get("/").get_data(as_text=True)
    assert 'data-testid="activity-count">0<' in dashboard


def test_list_is_newest_first_and_paginated(client, app, with_standard):
    db = app.extensions["otj"].db
    from otj_desktop.domain.activities import validate_activity
    from tests.conftest import TODAY

    with db.transaction() as tx:
        for day in range(1, 28):
            data = validate_activity(
                activity_form(title=f"Day {day}", activity_date=f"2026-11-{day:02d}"), today=TODAY
            )
            activity_store.create(tx, data)
    first = client.get("/activities").get_data(as_text=True)
    assert first.index("Day 27") < first.index("Day 26")
    assert "Day 2<" not in first and "Page 1 of 2" in first
    second = client.get("/activities?page=2").get_data(as_text=True)
    assert "Day 2<" in second and "Day 1<" in second


def test_oversized_form_is_refused_and_writes_nothing(client, app, with_standard):
    # Past the body limit (tests/test_body_limits.py says how it is worked out): a 413.
    response = client.post("/activities/new", activity_form(description="x" * 3_000_000))
    assert response.status_code == 413
    assert live_count(app) == 0


def test_a_description_past_its_limit_but_within_the_body_limit_comes_back_kept(
    client, app, with_standard
):
    response = client.post("/activities/new", activity_form(description="x" * 300_000))
    assert response.status_code == 422
    assert "x" * 300_000 in response.get_data(as_text=True)
    assert live_count(app) == 0


def test_dashboard_counts_hours_this_week_from_monday(client, app, with_standard):
    # TODAY is Friday 27 Nov 2026: the week began on Monday 23 Nov.
    client.post("/activities/new", activity_form(activity_date="2026-11-23", duration_hours="1.5"))
    client.post("/activities/new", activity_form(activity_date="2026-11-22", duration_hours="2"))
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="total-hours">3.5<' in page
    assert 'data-testid="week-hours">1.5<' in page
    assert 'data-testid="activity-count">2<' in page


def test_links_left_on_another_standard_version_survive_an_edit(client, app, with_standard):
    """After moving to v1.1, old K6 (removed in v1.1) stays linked; editing must not drop it."""
    from otj_desktop.standards.importer import parse_standard
    from otj_desktop.store import standards as standard_store
    from tests.conftest import standard_json

    old_k6 = ksb_id(app, "K6")
    location = client.post("/activities/new", activity_form(ksb_ids=str(old_k6))).headers[
        "Location"
    ]
    activity_id = int(location.rsplit("/", 1)[1])
    db = app.extensions["otj"].db
    with db.transaction() as tx:
        newer = standard_store.add(
            tx, parse_standard(standard_json("standard_st9999_v1_1.json"))
        ).standard_id
        mapping = standard_store.switch_version(tx, with_standard, newer)
    assert old_k6 in {k.id for k in mapping.unmapped}

    form_page = client.get(f"/activities/{activity_id}/edit").get_data(as_text=True)
    assert "Linked in another version of your standard" in form_page
    assert f'id="ksb-{old_k6}" name="ksb_ids" value="{old_k6}" checked' in form_page

    kept = client.post(
        f"/activities/{activity_id}/edit",
        activity_form(title="Edited", version="1", ksb_ids=str(old_k6)),
    )
    assert kept.status_code == 302
    with db.connection() as conn:
        assert [k.id for k in activity_store.get(conn, activity_id).ksbs] == [old_k6]

    dropped = client.post(
        f"/activities/{activity_id}/edit", activity_form(title="Edited again", version="2")
    )
    assert dropped.status_code == 302
    with db.connection() as conn:
        assert activity_store.get(conn, activity_id).ksbs == []


def test_a_new_activity_cannot_link_a_ksb_of_another_version(client, app, with_standard):
    from otj_desktop.standards.importer import parse_standard
    from otj_desktop.store import standards as standard_store
    from tests.conftest import standard_json

    with app.extensions["otj"].db.transaction() as tx:
        newer = standard_store.add(
            tx, parse_standard(standard_json("standard_st9999_v1_1.json"))
        ).standard_id
        standard_store.switch_version(tx, with_standard, newer)
    old_ksb = ksb_id(app, "K6")  # the first K6 is the old version's
    response = client.post("/activities/new", activity_form(ksb_ids=str(old_ksb)))
    assert response.status_code == 422
    assert live_count(app) == 0
