"""The OTJ hours calculator and the first-run step, through the pages, to the decimal.

The rules themselves are unit-tested in test_otj_hours.py; these tests check that the pages
pick the rule from the start date, show every step of the working, apply prior learning and
the 187-hour floor, warn about planned hours below the minimum, store the target, and that
breaks in learning move the planned end and are left out of the pace.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from otj_desktop.store import profile as profile_store
from tests.progress_helpers import Events


def profile_form(**overrides: str) -> dict[str, str]:
    form = {
        "name": "Sam Apprentice",
        "start_date": "2023-09-01",
        "practical_end_date": "2024-08-31",
        "weekly_contracted_hours": "37.5",
        "working_days_per_week": "5",
        "planned_otj_hours": "300",
        "rpl_hours": "0",
        "plan_minimum_hours": "",
        "weekly_target_hours": "6",
        "training_target_hours": "",
    }
    form.update(overrides)
    return form


def text_of(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', page, re.S)
    assert match, f"no {testid} on the page"
    return unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def step_result(page: str, label: str) -> str:
    """The result shown for one step of the working, e.g. "52 weeks"."""
    steps = dict(re.findall(r'data-step="([^"]*)">(.*?)</td>', page, re.S))
    results = {unescape(name): unescape(result).strip() for name, result in steps.items()}
    assert label in results, f"no step {label!r} in {list(results)}"
    return results[label]


def work_it_out(client, **overrides: str) -> str:
    response = client.post("/profile", {**profile_form(**overrides), "action": "calculate"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def saved_profile(app) -> profile_store.Profile:
    with app.extensions["otj"].db.connection() as conn:
        return profile_store.get(conn)


# --- the worked examples, to the decimal -------------------------------------------------------


def test_dfe_example_full_time_2023_start_shows_each_step_and_278_point_4(client, with_standard):
    page = work_it_out(client)

    assert "Started 1 August 2022 to 31 July 2025" in page
    assert step_result(page, "Weeks in the practical period") == "52 weeks"
    assert step_result(page, "Statutory leave") == "5.6 weeks"
    assert step_result(page, "Hours counted per week") == "30.0 hours"
    assert "min(37.5, 30)" in page
    assert step_result(page, "Minimum OTJ hours") == "278.4 hours"
    assert "20% × 30 × (52 − 5.6)" in unescape(page)
    assert text_of(page, "minimum-hours") == "278.4"


def test_part_time_22_hours_over_two_years_is_408_point_3(client, with_standard):
    page = work_it_out(
        client,
        start_date="2024-01-01",
        practical_end_date="2025-12-31",
        weekly_contracted_hours="22",
        planned_otj_hours="410",
    )

    assert step_result(page, "Weeks in the practical period") == "104 weeks"
    assert step_result(page, "Statutory leave") == "11.2 weeks"
    assert step_result(page, "Hours counted per week") == "22.0 hours"
    assert text_of(page, "minimum-hours") == "408.3"


def test_before_august_2022_every_contracted_hour_counts(client, with_standard):
    page = work_it_out(client, start_date="2021-09-01", practical_end_date="2022-08-31")

    assert "Started before 1 August 2022" in page
    assert step_result(page, "Hours counted per week") == "37.5 hours"
    assert text_of(page, "minimum-hours") == "348.0"  # 0.2 × 37.5 × (52 − 5.6)


@pytest.mark.parametrize(
    ("start", "rule"),
    [
        ("2022-07-31", "Started before 1 August 2022"),
        ("2022-08-01", "Started 1 August 2022 to 31 July 2025"),
        ("2025-07-31", "Started 1 August 2022 to 31 July 2025"),
        ("2025-08-01", "Started on or after 1 August 2025"),
    ],
)
def test_rule_is_picked_from_the_start_date_on_each_side_of_the_boundaries(
    client, with_standard, start, rule
):
    page = work_it_out(client, start_date=start, practical_end_date="2026-12-31")

    assert text_of(page, "rule").startswith(rule)


def test_from_august_2025_the_standards_minimum_applies_whatever_the_hours(client, with_standard):
    page = work_it_out(
        client,
        start_date="2025-09-01",
        practical_end_date="2027-02-28",
        weekly_contracted_hours="",  # not needed under this rule
        planned_otj_hours="450",
    )

    assert step_result(page, "Standard's published minimum") == "400.0 hours"
    assert text_of(page, "minimum-hours") == "400.0"
    assert "Hours counted per week" not in page


def test_the_training_plans_own_minimum_replaces_the_published_one(client, with_standard):
    page = work_it_out(
        client,
        start_date="2025-09-01",
        practical_end_date="2028-03-01",
        plan_minimum_hours="605",
        planned_otj_hours="605",
    )

    assert step_result(page, "Minimum in your training plan") == "605.0 hours"
    assert text_of(page, "minimum-hours") == "605.0"
    assert step_result(page, "Average per week of learning") == "5.2 hours"


def test_prior_learning_reduces_the_minimum_down_to_the_187_hour_floor(client, with_standard):
    reduced = work_it_out(
        client, start_date="2025-09-01", practical_end_date="2027-02-28", rpl_hours="100"
    )
    floored = work_it_out(
        client, start_date="2025-09-01", practical_end_date="2027-02-28", rpl_hours="300"
    )

    assert step_result(reduced, "Recognised prior learning") == "100.0 hours"
    assert text_of(reduced, "minimum-hours") == "300.0"
    assert "max(400 − 300, 187)" in unescape(floored)
    assert text_of(floored, "minimum-hours") == "187.0"
    assert "the 187-hour floor applies" in floored


def test_earlier_rules_need_the_contracted_hours_and_say_so(client, with_standard):
    page = work_it_out(client, weekly_contracted_hours="")

    assert "Enter your contracted weekly hours" in text_of(page, "working-problem")
    assert 'data-testid="minimum-hours"' not in page


def test_missing_dates_explain_what_to_enter(client, with_standard):
    page = work_it_out(client, start_date="", practical_end_date="")

    assert "Enter your apprenticeship start date" in text_of(page, "working-problem")


# --- warnings and storing the target -----------------------------------------------------------


def test_planned_hours_below_the_minimum_warn(client, with_standard):
    page = work_it_out(client, planned_otj_hours="250")

    assert text_of(page, "planned-warning").startswith(
        "The planned 250.0 hours are below the minimum of 278.4 hours"
    )


def test_planned_hours_at_the_minimum_as_shown_do_not_warn(client, with_standard):
    page = work_it_out(client, planned_otj_hours="278.4")

    assert 'data-testid="planned-warning"' not in page


def test_work_it_out_saves_nothing(client, app, with_standard):
    events = Events(app.extensions["otj"].db)
    page = work_it_out(client, planned_otj_hours="321")

    assert "Nothing is saved until you press Save" in page
    assert text_of(page, "target-hours") == "321.0"
    assert saved_profile(app).planned_otj_hours is None
    assert events.changes == []


def test_save_stores_the_target_and_announces_it(client, app, with_standard):
    events = Events(app.extensions["otj"].db)
    response = client.post(
        "/profile", {**profile_form(planned_otj_hours="300.5"), "action": "save"}
    )

    assert response.status_code == 302
    profile = saved_profile(app)
    assert profile.planned_otj_hours == 300.5
    assert profile.weekly_target_hours == 6
    assert events.kinds() == ["profile_saved"]
    assert events.last("profile_saved").data["summary"]
    page = client.get("/profile").get_data(as_text=True)
    assert text_of(page, "minimum-hours") == "278.4"
    assert text_of(page, "target-hours") == "300.5"


def test_a_bad_profile_comes_back_with_messages_and_what_was_typed(client, app, with_standard):
    response = client.post(
        "/profile", profile_form(weekly_contracted_hours="lots", planned_otj_hours="299")
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="weekly_contracted_hours-error"' in page
    assert 'value="lots"' in page and 'value="299"' in page
    assert saved_profile(app).planned_otj_hours is None


# --- first run --------------------------------------------------------------------------------


def test_first_run_goes_from_choosing_a_standard_to_the_target_step_to_the_dashboard(client, app):
    assert client.get("/").headers["Location"].endswith("/setup")
    chosen = client.post("/standards/catalogue", {"key": "st0116_v1_1"})
    assert chosen.headers["Location"].endswith("/profile")

    step = client.get("/profile").get_data(as_text=True)
    assert "Step 2 of 2" in step
    assert "<title>Your dates and OTJ target — OTJ Desktop</title>" in step

    calculated = work_it_out(client, planned_otj_hours="250")
    assert text_of(calculated, "minimum-hours") == "278.4"
    assert "below the minimum" in calculated

    saved = client.post("/profile", profile_form(planned_otj_hours="280"))
    assert saved.headers["Location"] == "/"
    assert saved_profile(app).planned_otj_hours == 280
    assert "Step 2 of 2" not in client.get("/profile").get_data(as_text=True)


# --- breaks in learning -------------------------------------------------------------------------


def test_breaks_move_the_planned_end_but_not_the_minimum(client, app, with_standard):
    client.post("/profile", profile_form())
    events = Events(app.extensions["otj"].db)

    added = client.post(
        "/profile/breaks",
        {"break_start": "2024-03-01", "break_end": "2024-03-14", "break_reason": "Illness"},
    )
    assert added.status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    assert text_of(page, "planned-end").startswith(
        "Planned end of the practical period: 14 Sep 2024"
    )
    assert "moved 14 days later" in page
    assert text_of(page, "minimum-hours") == "278.4"
    assert "Illness" in page
    assert events.last("breaks_changed").data["action"] == "added"

    break_id = re.search(r'id="break-(\d+)"', page).group(1)
    removed = client.post(f"/profile/breaks/{break_id}/remove")
    assert removed.status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    assert text_of(page, "planned-end") == "Planned end of the practical period: 31 Aug 2024"
    assert events.last("breaks_changed").data["action"] == "removed"


def test_removing_a_break_twice_is_not_an_error(client, with_standard):
    response = client.post("/profile/breaks/999/remove")

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("", "2024-03-14", "break_start", "Enter the first day"),
        ("2024-03-14", "2024-03-01", "break_end", "must not be before the first day"),
        ("2024-03-01", "not a date", "break_end", "Enter a real date"),
        ("2023-01-01", "2023-01-31", "break_end", "ends before your apprenticeship starts"),
    ],
)
def test_a_bad_break_comes_back_with_the_message_beside_its_field(
    client, app, with_standard, start, end, field, message
):
    client.post("/profile", profile_form())
    response = client.post(
        "/profile/breaks", {"break_start": start, "break_end": end, "break_reason": "kept"}
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error">(.*?)</p>', page, re.S).group(1)
    assert message in unescape(error)
    assert 'value="kept"' in page
    with app.extensions["otj"].db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learning_break").fetchone()[0] == 0


def test_breaks_are_left_out_of_the_pace(client, app, with_standard):
    # 1 Jan 2026 to 1 Jan 2027, 365 planned hours: one hour per learning day. Today is
    # 27 Nov 2026, 330 days in, so 330 hours are expected; a 28-day break in February makes it
    # 302 (those days neither count as elapsed nor as part of the period, which now ends 28
    # days later), and the hours needed a week rise because fewer learning weeks are left.
    client.post(
        "/profile",
        profile_form(
            start_date="2026-01-01", practical_end_date="2027-01-01", planned_otj_hours="365"
        ),
    )
    before = client.get("/").get_data(as_text=True)
    assert text_of(before, "expected-hours") == "330.0 h"
    assert text_of(before, "needed-per-week") == "73.0 h"  # 365 h over 35 days = 5 weeks

    client.post("/profile/breaks", {"break_start": "2026-02-01", "break_end": "2026-02-28"})
    after = client.get("/").get_data(as_text=True)
    assert text_of(after, "expected-hours") == "302.0 h"
    assert text_of(after, "needed-per-week") == "40.6 h"  # 365 h over 63 days = 9 weeks
    assert "29 Jan 2027" in after
