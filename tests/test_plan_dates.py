"""No date the apprentice can enter or import may make a page fail (audit item 1).

A break in learning to 9999-12-31 (or a planned end there plus any break) once pushed the
planned-end arithmetic past the last date Python knows: the dashboard and the profile page
answered 500 for good, and the break could only be removed on the broken profile page. Now the
forms bound the dates (:mod:`otj_desktop.domain.plan_dates`) and the arithmetic saturates, so
even dates stored before the bounds (an old database, an old export) leave every page working.
"""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otj_desktop.domain import plan_dates
from otj_desktop.domain.otj_hours import Break, adjusted_end, merge_breaks
from otj_desktop.domain.pace import compute_pace
from otj_desktop.domain.profile import InvalidProfile, validate_profile
from otj_desktop.domain.targets import InvalidBreak, TargetInputs, validate_break, work_out
from otj_desktop.selftest import MAIN_PAGES
from otj_desktop.store import breaks as break_store
from otj_desktop.store import profile as profile_store
from tests.archive_helpers import fingerprint
from tests.fuzz_helpers import fuzz_settings

PROFILE = {
    "start_date": "2025-09-01",
    "practical_end_date": "2027-09-01",
    "weekly_contracted_hours": "37.5",
    "planned_otj_hours": "600",
}


def field_error(page: str, field: str) -> str:
    match = re.search(rf'id="{field}-error">(.*?)</p>', page, re.S)
    assert match, f"no message beside {field}"
    return unescape(re.sub(r"<span[^>]*>.*?</span>", "", match.group(1))).strip()


def every_main_page_shows(client) -> None:
    for path in MAIN_PAGES:
        status = client.get(path).status_code
        assert status in (200, 302), (path, status)


# --- the audit's reproduction, through the pages ------------------------------------------------


def test_a_break_to_the_end_of_the_calendar_is_refused_and_the_pages_keep_working(
    client, app, with_standard
):
    assert client.post("/profile", PROFILE).status_code == 302
    before = fingerprint(app.extensions["otj"].db)

    response = client.post(
        "/profile/breaks", {"break_start": "2026-01-01", "break_end": "9999-12-31"}
    )

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "break_end") == (
        "Enter a date from 1990 to 2099."
    )
    assert fingerprint(app.extensions["otj"].db) == before
    every_main_page_shows(client)


def test_a_planned_end_at_the_end_of_the_calendar_is_refused_with_the_typed_values_kept(
    client, app, with_standard
):
    response = client.post("/profile", {**PROFILE, "practical_end_date": "9999-12-31"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "practical_end_date") == "Enter a date from 1990 to 2099."
    assert 'value="9999-12-31"' in page
    every_main_page_shows(client)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"practical_end_date": "2035-09-02"}, "practical_end_date", "within 10 years"),
        ({"practical_end_date": "2025-09-01"}, "practical_end_date", "after the start date"),
        ({"start_date": "2100-01-01"}, "start_date", "from 1990 to 2099"),
        ({"start_date": "31/12/9999"}, "start_date", "from 1990 to 2099"),
    ],
)
def test_profile_dates_out_of_bounds_are_refused_beside_their_field(
    client, with_standard, overrides, field, message
):
    response = client.post("/profile", {**PROFILE, **overrides})

    assert response.status_code == 422
    assert message in field_error(response.get_data(as_text=True), field)


def test_a_practical_period_of_exactly_ten_years_is_accepted(client, app, with_standard):
    response = client.post("/profile", {**PROFILE, "practical_end_date": "2035-09-01"})

    assert response.status_code == 302
    with app.extensions["otj"].db.connection() as conn:
        assert profile_store.get(conn).practical_end_date == date(2035, 9, 1)


@pytest.mark.parametrize(
    ("end", "status"),
    [("2037-09-01", 302), ("2037-09-02", 422)],  # the planned end is 2027-09-01
)
def test_a_break_may_reach_ten_years_past_the_planned_end_and_no_further(
    client, with_standard, end, status
):
    client.post("/profile", PROFILE)

    response = client.post("/profile/breaks", {"break_start": "2026-01-01", "break_end": end})

    assert response.status_code == status
    if status == 422:
        assert "within 10 years of the planned end" in field_error(
            response.get_data(as_text=True), "break_end"
        )
    every_main_page_shows(client)


# --- dates stored before the bounds (old database, old export): saturate, never fail ----------


@pytest.mark.parametrize(
    ("start", "end", "breaks"),
    [
        (date(2025, 9, 1), date(2027, 9, 1), [(date(2026, 1, 1), date.max)]),
        (date(2025, 9, 1), date.max, [(date(2026, 1, 1), date(2026, 2, 1))]),
        (date(1990, 1, 1), date.max, [(date(1990, 1, 1), date.max)]),
        (date(9999, 12, 1), date.max, [(date(9999, 12, 1), date.max)]),
        (date(2025, 9, 1), date(2027, 9, 1), [(date(2026, 1, 1), date.max)] * 2),
    ],
)
def test_extreme_dates_already_stored_leave_every_page_working(
    client, app, with_standard, start, end, breaks
):
    db = app.extensions["otj"].db
    with db.transaction() as tx:
        profile = profile_store.get(tx.conn)
        profile_store.save(
            tx,
            profile_store.Profile(
                standard_id=profile.standard_id,
                name="Sam",
                start_date=start,
                practical_end_date=end,
                weekly_contracted_hours=37.5,
                working_days_per_week=5,
                planned_otj_hours=600,
                rpl_hours=0,
                weekly_target_hours=6,
            ),
        )
        for first, last in breaks:
            break_store.add(tx, first, last)

    every_main_page_shows(client)
    # ... and the way out works: the break can be removed on the profile page.
    page = client.get("/profile").get_data(as_text=True)
    for break_id in re.findall(r'id="break-(\d+)"', page):
        assert client.post(f"/profile/breaks/{break_id}/remove").status_code == 302
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM learning_break").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("spoil", "field"),
    [
        ("break to the last date", "end_date"),
        ("planned end on the last date", "practical_end_date"),
        ("start on the last date", "start_date"),
        ("activity in 2100", "activity_date"),
    ],
)
def test_an_import_with_dates_past_the_plan_bounds_is_refused_and_changes_nothing(
    client, app, db, tmp_path, spoil, field
):
    """The import checks every date against the same bounds as the forms, so an export
    holding 31 Dec 9999 is refused with a sentence naming the field, and every page still
    works afterwards."""
    import io

    from tests.archive_helpers import export, filled_database, repack, unpack

    files = unpack(export(filled_database(tmp_path / "source")))
    profile = files["profile.json"]
    if spoil == "break to the last date":
        files["breaks.json"]["breaks"][0]["end_date"] = "9999-12-31"
    elif spoil == "planned end on the last date":
        profile["practical_end_date"] = "9999-12-31"
    elif spoil == "start on the last date":
        profile["start_date"] = "9999-12-30"
        profile["practical_end_date"] = "9999-12-31"
    else:
        files["activities.json"]["activities"][0]["activity_date"] = "2100-01-01"
    with db.connection() as conn:
        before = conn.execute("SELECT count(*) FROM activity").fetchone()[0]

    upload = client.post(
        "/data/import",
        {"archive": (io.BytesIO(repack(files)), "export.zip")},
        content_type="multipart/form-data",
    )

    assert upload.status_code == 422
    page = upload.get_data(as_text=True)
    assert f"“{field}” is not from 1990 to 2099" in page
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM activity").fetchone()[0] == before
    every_main_page_shows(client)


# --- the rules ----------------------------------------------------------------------------------


def test_date_arithmetic_saturates_at_both_ends_of_the_calendar():
    assert plan_dates.add_days(date(9999, 12, 30), 5) == date.max
    assert plan_dates.add_days(date(1, 1, 2), -5) == date.min
    assert plan_dates.add_days(date(2026, 1, 31), 1) == date(2026, 2, 1)
    assert plan_dates.add_months(date(9999, 6, 1), 12) == date.max
    assert plan_dates.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert plan_dates.add_months(date(2026, 3, 15), -3) == date(2025, 12, 15)
    assert plan_dates.add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_a_break_to_the_last_date_moves_the_end_to_the_last_date():
    breaks = [Break(date(2026, 1, 1), date.max), Break(date(2026, 6, 1), date(2026, 7, 1))]

    assert merge_breaks(breaks) == [Break(date(2026, 1, 1), date.max)]
    assert adjusted_end(date(2027, 9, 1), breaks) == date.max
    assert adjusted_end(date.max, breaks) == date.max


def test_bounds_are_shared_by_the_profile_and_break_checks():
    with pytest.raises(InvalidProfile) as caught:
        validate_profile({"start_date": "2030-01-01", "practical_end_date": "2041-01-01"})
    assert set(caught.value.errors) == {"practical_end_date"}

    with pytest.raises(InvalidBreak) as caught:
        validate_break(
            {"break_start": "2099-12-31", "break_end": "2100-01-01"},
            apprenticeship_start=None,
        )
    assert caught.value.errors == {"break_end": "Enter a date from 1990 to 2099."}

    assert validate_break(
        {"break_start": "2026-01-01", "break_end": "2099-12-31"},
        apprenticeship_start=None,
        practical_end=None,
    )[1] == date(2099, 12, 31)


def test_a_break_ending_before_the_start_is_refused_by_the_shared_check():
    assert plan_dates.break_end_problem(
        date(2024, 1, 1), start=date(2025, 1, 1), practical_end=None
    ) == ("This break ends before your apprenticeship starts.")


# Any date at all, the two ends of the calendar often: that is where arithmetic overflows.
plan_days = st.one_of(
    st.dates(), st.sampled_from([date.min, date.max, date(9999, 12, 1), date(1990, 1, 1)])
)


@fuzz_settings(300)
@given(
    start=plan_days,
    end=plan_days,
    breaks=st.lists(st.tuples(plan_days, plan_days).map(sorted), max_size=4),
    today=plan_days,
)
def test_the_target_and_pace_never_fail_whatever_dates_are_stored(start, end, breaks, today):
    """Any dates at all (not only those the forms allow): a result or a ValueError with a
    sentence for the apprentice, never an OverflowError."""
    stored = tuple(Break(a, b) for a, b in breaks)
    working = work_out(
        TargetInputs(
            start=start,
            practical_end=end,
            weekly_hours=37.5,
            rpl_hours=0,
            planned_hours=600,
            standard_minimum=None,
            breaks=stored,
        )
    )
    assert working.planned_end is not None and working.planned_end >= end
    if end > start:
        pace = compute_pace(
            start=start,
            planned_end=end,
            breaks=list(stored),
            planned_hours=600,
            hours_done=10,
            hours_last_8_weeks=5,
            today=today,
        )
        assert 0 <= pace.fraction_elapsed <= 1
