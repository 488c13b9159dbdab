"""Unit tests for the target put together from the profile (domain/targets.py), the weekly
hours being optional from August 2025, the training plan's own minimum, and target limits."""

from __future__ import annotations

from datetime import date

import pytest

from otj_desktop.domain.otj_hours import Break, minimum_otj_hours
from otj_desktop.domain.profile import InvalidProfile, validate_target
from otj_desktop.domain.targets import (
    NEED_DATES,
    NEED_PLANNED,
    InvalidBreak,
    TargetInputs,
    counted_breaks,
    pace_for,
    validate_break,
    work_out,
)


def inputs(**overrides) -> TargetInputs:
    values = {
        "start": date(2023, 9, 1),
        "practical_end": date(2024, 8, 31),
        "weekly_hours": 37.5,
        "rpl_hours": 0.0,
        "planned_hours": 300.0,
        "standard_minimum": None,
    }
    values.update(overrides)
    return TargetInputs(**values)


def test_weekly_hours_may_be_missing_from_august_2025_but_not_before():
    later = minimum_otj_hours(
        start=date(2025, 9, 1),
        practical_end=date(2027, 2, 28),
        weekly_hours=None,
        standard_minimum=400,
    )
    assert later.minimum_hours == 400
    with pytest.raises(ValueError, match="contracted weekly hours"):
        minimum_otj_hours(
            start=date(2025, 7, 31),
            practical_end=date(2027, 2, 28),
            weekly_hours=None,
            standard_minimum=400,
        )


def test_a_minimum_from_the_training_plan_is_labelled_as_such_and_floored_the_same():
    result = minimum_otj_hours(
        start=date(2025, 9, 1),
        practical_end=date(2027, 2, 28),
        weekly_hours=None,
        standard_minimum=300,
        rpl_hours=200,
        minimum_from_plan=True,
    )
    assert [s.label for s in result.steps][2] == "Minimum in your training plan"
    assert result.minimum_hours == 187 and result.floor_applied


def test_work_out_gives_the_minimum_warnings_and_the_end_moved_by_breaks():
    working = work_out(
        inputs(
            planned_hours=250.0,
            breaks=(Break(date(2024, 1, 1), date(2024, 1, 10)),),
        )
    )
    assert round(working.minimum.minimum_hours, 1) == 278.4
    assert working.warnings and "below the minimum" in working.warnings[0]
    assert working.planned_end == date(2024, 9, 10)
    assert working.break_days == 10
    assert working.target_hours == 250


def test_the_training_plans_minimum_wins_over_the_standards():
    working = work_out(
        inputs(
            start=date(2025, 9, 1),
            practical_end=date(2027, 2, 28),
            standard_minimum=400,
            plan_minimum=350,
        )
    )
    assert working.minimum.minimum_hours == 350


def test_missing_dates_and_planned_hours_are_explained():
    working = work_out(inputs(start=None, planned_hours=None))
    assert working.problem == NEED_DATES
    assert working.warnings == (NEED_PLANNED,)
    assert working.minimum is None and working.rule is None


def test_breaks_before_the_start_are_dropped_or_clipped():
    start = date(2024, 1, 10)
    breaks = [
        Break(date(2023, 12, 1), date(2023, 12, 31)),  # wholly before: dropped
        Break(date(2024, 1, 5), date(2024, 1, 14)),  # straddles: from the start only
    ]
    assert counted_breaks(start, breaks) == [Break(date(2024, 1, 10), date(2024, 1, 14))]


def test_no_pace_until_dates_and_planned_hours_are_set():
    assert (
        pace_for(
            inputs(planned_hours=None), hours_done=0, hours_last_8_weeks=0, today=date(2024, 1, 1)
        )
        is None
    )
    pace = pace_for(inputs(), hours_done=100, hours_last_8_weeks=40, today=date(2024, 3, 1))
    assert pace is not None and pace.planned_hours == 300


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("planned_otj_hours", "420", 420.0),
        ("planned_otj_hours", " 278.4 ", 278.4),
        ("weekly_target_hours", "0.25", 0.25),
        ("training_target_hours", "", None),
    ],
)
def test_targets_accept_numbers_in_range_or_empty(name, raw, value):
    assert validate_target(name, raw) == value


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("planned_otj_hours", "0"),
        ("planned_otj_hours", "nan"),
        ("weekly_target_hours", "81"),
        ("weekly_target_hours", "inf"),
        ("training_target_hours", "-1"),
    ],
)
def test_targets_out_of_range_are_refused_with_a_message(name, raw):
    with pytest.raises(InvalidProfile) as caught:
        validate_target(name, raw)
    assert caught.value.errors[name]


def test_a_break_is_read_from_the_form_in_either_date_style():
    assert validate_break(
        {"break_start": "01/03/2024", "break_end": "2024-03-14", "break_reason": "  Illness "},
        apprenticeship_start=date(2023, 9, 1),
    ) == (date(2024, 3, 1), date(2024, 3, 14), "Illness")
    with pytest.raises(InvalidBreak) as caught:
        validate_break({"break_reason": "x" * 201}, apprenticeship_start=None)
    assert set(caught.value.errors) == {"break_start", "break_end", "break_reason"}
