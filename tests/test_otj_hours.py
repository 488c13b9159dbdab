"""Tests for the minimum OTJ hours rules, the working shown, RPL and breaks in learning."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otj_desktop.domain.otj_hours import (
    UNKNOWN_STANDARD_MINIMUM_NOTE,
    Break,
    MinimumHours,
    OtjRule,
    adjusted_end,
    merge_breaks,
    minimum_otj_hours,
    planned_hours_warnings,
    round_hours,
    rule_for_start,
)


def minimum(
    start: date,
    end: date,
    hours: float = 37.5,
    standard: float | None = None,
    rpl: float = 0,
) -> MinimumHours:
    return minimum_otj_hours(
        start=start,
        practical_end=end,
        weekly_hours=hours,
        standard_minimum=standard,
        rpl_hours=rpl,
    )


def step(result: MinimumHours, label: str):
    matches = [s for s in result.steps if s.label == label]
    assert len(matches) == 1, [s.label for s in result.steps]
    return matches[0]


# --- choosing the rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "rule"),
    [
        (date(2019, 1, 1), OtjRule.BEFORE_AUG_2022),
        (date(2022, 7, 31), OtjRule.BEFORE_AUG_2022),
        (date(2022, 8, 1), OtjRule.AUG_2022_TO_JUL_2025),
        (date(2024, 1, 1), OtjRule.AUG_2022_TO_JUL_2025),
        (date(2025, 7, 31), OtjRule.AUG_2022_TO_JUL_2025),
        (date(2025, 8, 1), OtjRule.FROM_AUG_2025),
        (date(2030, 1, 1), OtjRule.FROM_AUG_2025),
    ],
)
def test_rule_is_picked_from_the_start_date_on_both_sides_of_each_boundary(start, rule):
    assert rule_for_start(start) is rule


def test_every_rule_has_a_label_and_a_one_sentence_description():
    assert OtjRule.BEFORE_AUG_2022.label == "Started before 1 August 2022"
    assert OtjRule.AUG_2022_TO_JUL_2025.label == "Started 1 August 2022 to 31 July 2025"
    assert OtjRule.FROM_AUG_2025.label == "Started on or after 1 August 2025"
    for rule in OtjRule:
        assert rule.description.endswith(".")
        assert rule.description.count(". ") == 0
    assert "30 hours" in OtjRule.AUG_2022_TO_JUL_2025.description
    assert "187 hours" in OtjRule.FROM_AUG_2025.description


def test_rule_value_is_a_stable_id_that_round_trips():
    for rule in OtjRule:
        assert OtjRule(rule.value) is rule


# --- worked examples -------------------------------------------------------------------------


def test_dfe_worked_example_full_time_2023_start_is_278_point_4_hours():
    result = minimum(date(2023, 9, 1), date(2024, 8, 31), hours=37.5)

    assert result.rule is OtjRule.AUG_2022_TO_JUL_2025
    assert result.weeks == 52
    assert result.leave_weeks == pytest.approx(5.6)
    assert result.counted_weekly_hours == 30
    assert result.minimum_hours == pytest.approx(278.4)
    assert round_hours(result.minimum_hours) == 278.4
    assert result.floor_applied is False
    assert result.notes == ()


def test_worked_example_part_time_22_hours_over_two_years_is_408_point_3_hours():
    result = minimum(date(2024, 1, 1), date(2025, 12, 31), hours=22)

    assert result.weeks == 104
    assert result.leave_weeks == pytest.approx(11.2)
    assert result.counted_weekly_hours == 22
    assert result.minimum_hours == pytest.approx(408.32)
    assert round_hours(result.minimum_hours) == 408.3


def test_2025_worked_example_uses_the_standard_minimum_whatever_the_hours():
    result = minimum(date(2025, 9, 1), date(2028, 3, 1), hours=37.5, standard=605)

    assert result.rule is OtjRule.FROM_AUG_2025
    assert result.minimum_hours == 605
    assert result.minimum_before_rpl == 605
    assert result.counted_weekly_hours is None
    assert result.weeks == 130
    assert result.leave_weeks == pytest.approx(14.0)
    assert round_hours(result.weekly_average) == 5.2  # about 605 / (130 - 14) h a week


def test_working_shows_each_step_with_its_expression_and_unit():
    result = minimum(date(2023, 9, 1), date(2024, 8, 31), hours=37.5)

    assert [(s.label, s.expression, s.value, s.unit) for s in result.steps[:4]] == [
        ("Weeks in the practical period", "365 days ÷ 7, whole weeks", 52, "weeks"),
        ("Statutory leave", "5.6 × 52 ÷ 52", pytest.approx(5.6), "weeks"),
        ("Hours counted per week", "min(37.5, 30)", 30, "hours"),
        ("Minimum OTJ hours", "20% × 30 × (52 − 5.6)", pytest.approx(278.4), "hours"),
    ]
    average = step(result, "Average per week of learning")
    assert average.expression == "278.4 ÷ (52 − 5.6)"
    assert average.value == pytest.approx(6.0)


# --- the rules in detail ---------------------------------------------------------------------


def test_before_aug_2022_all_contracted_hours_count_even_above_30():
    result = minimum(date(2021, 9, 1), date(2022, 8, 31), hours=37.5)

    assert result.rule is OtjRule.BEFORE_AUG_2022
    assert result.counted_weekly_hours == 37.5
    assert result.minimum_hours == pytest.approx(0.2 * 37.5 * (52 - 5.6))
    assert round_hours(result.minimum_hours) == 348.0
    assert step(result, "Hours counted per week").expression == "37.5, all contracted hours count"


def test_before_aug_2022_part_time_hours_count_as_they_are():
    result = minimum(date(2021, 9, 1), date(2022, 8, 31), hours=16)

    assert result.minimum_hours == pytest.approx(0.2 * 16 * 46.4)


def test_day_before_the_2022_change_uses_the_old_rule_and_the_day_after_caps_at_30():
    before = minimum(date(2022, 7, 31), date(2023, 7, 30), hours=40)
    after = minimum(date(2022, 8, 1), date(2023, 7, 31), hours=40)

    assert before.rule is OtjRule.BEFORE_AUG_2022
    assert before.minimum_hours == pytest.approx(0.2 * 40 * 46.4)  # 371.2
    assert after.rule is OtjRule.AUG_2022_TO_JUL_2025
    assert after.minimum_hours == pytest.approx(0.2 * 30 * 46.4)  # 278.4


def test_day_before_the_2025_change_is_hours_based_and_the_day_after_uses_the_standard():
    before = minimum(date(2025, 7, 31), date(2026, 7, 30), hours=37.5, standard=400)
    after = minimum(date(2025, 8, 1), date(2026, 7, 31), hours=37.5, standard=400)

    assert before.rule is OtjRule.AUG_2022_TO_JUL_2025
    assert before.minimum_hours == pytest.approx(278.4)
    assert after.rule is OtjRule.FROM_AUG_2025
    assert after.minimum_hours == 400


@pytest.mark.parametrize(
    ("hours", "counted"),
    [(16, 16), (22, 22), (29.5, 29.5), (30, 30), (30.5, 30), (37.5, 30), (48, 30)],
)
def test_2022_rule_counts_part_time_hours_and_caps_at_30_a_week(hours, counted):
    result = minimum(date(2023, 9, 1), date(2024, 8, 31), hours=hours)

    assert result.counted_weekly_hours == counted
    assert result.minimum_hours == pytest.approx(0.2 * counted * 46.4)


def test_exactly_30_hours_a_week_gives_6_hours_a_week_of_learning():
    result = minimum(date(2023, 9, 1), date(2024, 8, 31), hours=30)

    assert result.minimum_hours == pytest.approx(278.4)
    assert result.weekly_average == pytest.approx(6.0)
    assert step(result, "Hours counted per week").expression == "min(30, 30)"


def test_weeks_are_whole_weeks_and_leave_is_not_rounded():
    # 370 days is 52 whole weeks and 6 days; 371 days is 53 weeks.
    short = minimum(date(2023, 1, 2), date(2024, 1, 7), hours=30)
    long = minimum(date(2023, 1, 2), date(2024, 1, 8), hours=30)

    assert short.weeks == 52
    assert long.weeks == 53
    assert long.leave_weeks == pytest.approx(5.6 * 53 / 52)  # 5.7077..., not 5.7
    assert long.minimum_hours == pytest.approx(0.2 * 30 * (53 - 5.6 * 53 / 52))
    assert step(long, "Statutory leave").expression == "5.6 × 53 ÷ 52"
    assert step(long, "Minimum OTJ hours").expression == "20% × 30 × (53 − 5.71)"


def test_fractional_weekly_hours_appear_in_the_working():
    result = minimum(date(2023, 9, 1), date(2024, 8, 31), hours=22.25)

    assert step(result, "Hours counted per week").expression == "min(22.25, 30)"
    assert result.minimum_hours == pytest.approx(0.2 * 22.25 * 46.4)


# --- the 2025 rule and recognised prior learning ---------------------------------------------


def test_2025_rule_rpl_reduces_the_standard_minimum():
    result = minimum(date(2025, 9, 1), date(2027, 3, 1), standard=400, rpl=100)

    assert result.minimum_before_rpl == 400
    assert result.rpl_hours == 100
    assert result.minimum_hours == 300
    assert result.floor_applied is False
    assert step(result, "Recognised prior learning").value == 100
    assert step(result, "Minimum after prior learning").expression == "400 − 100"


def test_2025_rule_rpl_cannot_take_the_minimum_below_187_hours():
    result = minimum(date(2025, 9, 1), date(2027, 3, 1), standard=400, rpl=300)

    assert result.minimum_hours == 187
    assert result.floor_applied is True
    assert step(result, "Minimum after prior learning").expression == "max(400 − 300, 187)"
    assert any("below 187 hours" in note for note in result.notes)


def test_2025_rule_rpl_landing_exactly_on_187_is_not_the_floor():
    result = minimum(date(2025, 9, 1), date(2027, 3, 1), standard=400, rpl=213)

    assert result.minimum_hours == 187
    assert result.floor_applied is False
    assert not any("187" in note for note in result.notes)


def test_2025_rule_rpl_cannot_reduce_a_published_minimum_already_below_187():
    result = minimum(date(2025, 9, 1), date(2026, 9, 1), standard=150, rpl=50)

    assert result.minimum_hours == 150
    assert result.floor_applied is True
    assert any("cannot reduce it" in note for note in result.notes)


def test_2025_rule_without_rpl_keeps_a_published_minimum_below_187():
    result = minimum(date(2025, 9, 1), date(2026, 9, 1), standard=150)

    assert result.minimum_hours == 150
    assert result.floor_applied is False


def test_2025_rule_with_unknown_standard_minimum_has_no_minimum_and_says_why():
    result = minimum(date(2026, 1, 5), date(2027, 1, 4), standard=None, rpl=50)

    assert result.minimum_hours is None
    assert result.minimum_before_rpl is None
    assert result.weekly_average is None
    assert result.floor_applied is False
    assert UNKNOWN_STANDARD_MINIMUM_NOTE in result.notes
    assert [s.label for s in result.steps] == ["Weeks in the practical period", "Statutory leave"]


def test_2025_rule_ignores_contracted_hours():
    part_time = minimum(date(2026, 1, 5), date(2027, 1, 4), hours=16, standard=400)
    full_time = minimum(date(2026, 1, 5), date(2027, 1, 4), hours=40, standard=400)

    assert part_time.minimum_hours == full_time.minimum_hours == 400


def test_2025_rule_starts_from_august_to_december_2025_mention_transitional_minimums():
    autumn = minimum(date(2025, 12, 31), date(2026, 12, 31), standard=400)
    later = minimum(date(2026, 1, 1), date(2027, 1, 1), standard=400)

    assert any("transitional" in note for note in autumn.notes)
    assert not any("transitional" in note for note in later.notes)


def test_2022_rule_rpl_subtracts_hours_with_no_187_floor():
    result = minimum(date(2023, 9, 1), date(2024, 8, 31), hours=37.5, rpl=150)

    assert result.minimum_before_rpl == pytest.approx(278.4)
    assert result.minimum_hours == pytest.approx(128.4)
    assert result.floor_applied is False
    assert step(result, "Minimum after prior learning").expression == "278.4 − 150"


def test_before_2022_rule_rpl_subtracts_hours():
    result = minimum(date(2021, 9, 1), date(2022, 8, 31), hours=37.5, rpl=48)

    assert result.minimum_hours == pytest.approx(300.0)


def test_earlier_rules_rpl_larger_than_the_minimum_stops_at_zero_with_a_note():
    result = minimum(date(2023, 9, 1), date(2024, 8, 31), hours=37.5, rpl=400)

    assert result.minimum_hours == 0
    assert result.floor_applied is False
    assert step(result, "Minimum after prior learning").expression == "max(278.4 − 400, 0)"
    assert any("more than the whole minimum" in note for note in result.notes)


def test_zero_rpl_adds_no_steps():
    result = minimum(date(2023, 9, 1), date(2024, 8, 31), rpl=0)

    assert "Recognised prior learning" not in [s.label for s in result.steps]


# --- duration notes --------------------------------------------------------------------------


def test_practical_period_shorter_than_12_months_gets_a_note_before_2025():
    exactly = minimum(date(2023, 9, 1), date(2024, 8, 31))
    short = minimum(date(2023, 9, 1), date(2024, 8, 30))

    assert not any("shorter than 12 months" in note for note in exactly.notes)
    assert any("shorter than 12 months" in note for note in short.notes)


def test_practical_period_of_8_months_is_long_enough_from_2025():
    eight = minimum(date(2025, 9, 1), date(2026, 4, 30), standard=300)
    short = minimum(date(2025, 9, 1), date(2026, 4, 29), standard=300)

    assert not any("shorter than" in note for note in eight.notes)
    assert any("shorter than 8 months" in note for note in short.notes)


# --- input validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"practical_end": date(2023, 9, 1)}, "must be after the start"),
        ({"practical_end": date(2023, 8, 1)}, "must be after the start"),
        ({"practical_end": date(2023, 9, 7)}, "at least one whole week"),
        ({"weekly_hours": 0}, "above 0"),
        ({"weekly_hours": -5}, "above 0"),
        ({"weekly_hours": math.nan}, "above 0"),
        ({"weekly_hours": math.inf}, "above 0"),
        ({"weekly_hours": 169}, "168 hours"),
        ({"rpl_hours": -1}, "prior learning"),
        ({"rpl_hours": math.nan}, "prior learning"),
    ],
)
def test_invalid_inputs_raise_a_clear_value_error(kwargs, message):
    arguments = {
        "start": date(2023, 9, 1),
        "practical_end": date(2024, 8, 31),
        "weekly_hours": 37.5,
        "standard_minimum": None,
    } | kwargs
    with pytest.raises(ValueError, match=message):
        minimum_otj_hours(**arguments)


def test_one_whole_week_is_the_shortest_period_accepted():
    result = minimum(date(2023, 9, 1), date(2023, 9, 8), hours=30)

    assert result.weeks == 1


@pytest.mark.parametrize("bad", [0, -10, math.nan, math.inf])
def test_2025_rule_rejects_a_known_standard_minimum_that_is_not_positive(bad):
    with pytest.raises(ValueError, match="published minimum"):
        minimum(date(2025, 9, 1), date(2026, 9, 1), standard=bad)


def test_earlier_rules_ignore_the_standard_minimum_even_when_it_is_zero():
    result = minimum(date(2023, 9, 1), date(2024, 8, 31), standard=0)

    assert result.minimum_hours == pytest.approx(278.4)


def test_break_that_ends_before_it_starts_is_rejected():
    with pytest.raises(ValueError, match="must not end before it starts"):
        Break(date(2024, 2, 1), date(2024, 1, 31))


# --- rounding for display --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (408.32, 408.3),
        (0.25, 0.3),
        (0.35, 0.4),
        (2.45, 2.5),
        (278.40000000000003, 278.4),
        (278.39999999999998, 278.4),
        (0.1 + 0.2 + 0.05 - 0.1, 0.3),  # 0.25000000000000006 in floating point
        (0.0, 0.0),
        (-0.04, 0.0),
        (-0.25, -0.3),
        (187, 187.0),
    ],
)
def test_round_hours_rounds_to_one_decimal_half_up(value, shown):
    assert round_hours(value) == shown


def test_round_hours_never_returns_negative_zero():
    assert math.copysign(1, round_hours(-0.01)) == 1


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_round_hours_rejects_non_finite_numbers(bad):
    with pytest.raises(ValueError, match="finite"):
        round_hours(bad)


# --- planned hours ---------------------------------------------------------------------------


def test_planned_hours_below_the_minimum_warn():
    result = minimum(date(2023, 9, 1), date(2024, 8, 31))

    warnings = planned_hours_warnings(250, result)

    assert len(warnings) == 1
    assert "250.0" in warnings[0]
    assert "278.4" in warnings[0]


def test_planned_hours_equal_to_or_above_the_minimum_do_not_warn():
    result = minimum(date(2023, 9, 1), date(2024, 8, 31))

    assert planned_hours_warnings(278.4, result) == []
    assert planned_hours_warnings(300, result) == []


def test_planned_hours_are_compared_as_shown_to_one_decimal():
    result = minimum(date(2024, 1, 1), date(2025, 12, 31), hours=22)  # 408.32

    assert planned_hours_warnings(408.3, result) == []
    assert len(planned_hours_warnings(408.2, result)) == 1


def test_missing_planned_hours_warn():
    result = minimum(date(2023, 9, 1), date(2024, 8, 31))

    warnings = planned_hours_warnings(None, result)

    assert len(warnings) == 1
    assert "training plan" in warnings[0]


def test_planned_hours_cannot_be_checked_against_an_unknown_minimum():
    result = minimum(date(2026, 1, 5), date(2027, 1, 4), standard=None)

    assert planned_hours_warnings(100, result) == []


@pytest.mark.parametrize("bad", [-1, math.nan])
def test_planned_hours_must_be_a_number_zero_or_more(bad):
    result = minimum(date(2023, 9, 1), date(2024, 8, 31))

    with pytest.raises(ValueError, match="Planned hours"):
        planned_hours_warnings(bad, result)


# --- breaks in learning ----------------------------------------------------------------------


def test_no_breaks_leave_the_end_date_alone():
    assert adjusted_end(date(2024, 8, 31), []) == date(2024, 8, 31)


def test_break_moves_the_end_later_by_its_length_in_days_counting_both_ends():
    brk = Break(date(2024, 1, 1), date(2024, 1, 31))

    assert brk.days == 31
    assert adjusted_end(date(2024, 8, 31), [brk]) == date(2024, 10, 1)


def test_one_day_break_moves_the_end_by_one_day():
    assert adjusted_end(date(2024, 8, 31), [Break(date(2024, 3, 4), date(2024, 3, 4))]) == date(
        2024, 9, 1
    )


def test_overlapping_breaks_are_merged_not_double_counted():
    breaks = [
        Break(date(2024, 1, 1), date(2024, 1, 20)),
        Break(date(2024, 1, 10), date(2024, 1, 31)),  # overlaps the first by 11 days
    ]

    assert adjusted_end(date(2024, 8, 31), breaks) == date(2024, 10, 1)


def test_break_inside_another_break_adds_nothing():
    breaks = [Break(date(2024, 1, 1), date(2024, 1, 31)), Break(date(2024, 1, 5), date(2024, 1, 9))]

    assert adjusted_end(date(2024, 8, 31), breaks) == date(2024, 10, 1)


def test_separate_breaks_add_up_in_any_order():
    breaks = [Break(date(2024, 5, 1), date(2024, 5, 10)), Break(date(2024, 1, 1), date(2024, 1, 5))]

    assert adjusted_end(date(2024, 8, 31), breaks) == date(2024, 8, 31) + timedelta(days=15)
    assert adjusted_end(date(2024, 8, 31), reversed(breaks)) == date(2024, 8, 31) + timedelta(
        days=15
    )


def test_break_after_the_end_does_not_count():
    assert adjusted_end(date(2024, 8, 31), [Break(date(2024, 9, 1), date(2024, 9, 30))]) == date(
        2024, 8, 31
    )


def test_break_starting_on_the_end_date_counts():
    assert adjusted_end(date(2024, 8, 31), [Break(date(2024, 8, 31), date(2024, 9, 9))]) == date(
        2024, 9, 10
    )


def test_break_after_the_first_end_counts_once_an_earlier_break_moved_the_end_past_it():
    breaks = [
        Break(date(2024, 8, 1), date(2024, 8, 31)),
        Break(date(2024, 9, 15), date(2024, 9, 16)),
    ]

    # the first break moves 31 Aug to 1 Oct, so the second now starts inside the period
    assert adjusted_end(date(2024, 8, 31), breaks) == date(2024, 10, 3)


def test_breaks_crossing_the_end_count_whole():
    assert adjusted_end(date(2024, 8, 31), [Break(date(2024, 8, 20), date(2024, 9, 10))]) == date(
        2024, 9, 22
    )


def test_merge_breaks_joins_overlapping_and_touching_breaks():
    merged = merge_breaks(
        [
            Break(date(2024, 3, 1), date(2024, 3, 5)),
            Break(date(2024, 1, 1), date(2024, 1, 10)),
            Break(date(2024, 1, 11), date(2024, 1, 15)),
            Break(date(2024, 1, 5), date(2024, 1, 6)),
        ]
    )

    assert merged == [
        Break(date(2024, 1, 1), date(2024, 1, 15)),
        Break(date(2024, 3, 1), date(2024, 3, 5)),
    ]


def test_breaks_do_not_change_the_minimum():
    # the minimum takes the planned end before breaks; the breaks only move the end date
    result = minimum(date(2023, 9, 1), date(2024, 8, 31))

    assert result.minimum_hours == pytest.approx(278.4)


# --- properties ------------------------------------------------------------------------------

starts = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
lengths = st.integers(min_value=7, max_value=6 * 366)
weekly = st.floats(min_value=0.5, max_value=80, allow_nan=False)
rpl_amounts = st.floats(min_value=0, max_value=5000, allow_nan=False)
standard_minimums = st.none() | st.floats(min_value=1, max_value=3000, allow_nan=False)


@given(start=starts, days=lengths, hours=weekly, standard=standard_minimums, rpl=rpl_amounts)
def test_minimum_is_never_negative(start, days, hours, standard, rpl):
    result = minimum(start, start + timedelta(days=days), hours=hours, standard=standard, rpl=rpl)

    assert result.minimum_hours is None or result.minimum_hours >= 0
    assert result.leave_weeks < result.weeks


@given(
    start=st.dates(min_value=date(2025, 8, 1), max_value=date(2035, 12, 31)),
    days=lengths,
    standard=st.floats(min_value=187, max_value=3000, allow_nan=False),
    rpl=rpl_amounts,
)
def test_2025_rule_is_never_below_187_when_the_standard_minimum_is_at_least_187(
    start, days, standard, rpl
):
    result = minimum(start, start + timedelta(days=days), standard=standard, rpl=rpl)

    assert 187 <= result.minimum_hours <= standard


@given(start=st.dates(max_value=date(2025, 7, 31)), days=lengths, hours=weekly)
def test_hours_based_minimum_is_20_percent_of_counted_hours_over_weeks_of_learning(
    start, days, hours
):
    result = minimum(start, start + timedelta(days=days), hours=hours)

    assert result.weeks == days // 7
    assert result.weekly_average == pytest.approx(0.2 * result.counted_weekly_hours)
    assert result.counted_weekly_hours <= hours


@given(
    end=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    spans=st.lists(
        st.tuples(st.integers(min_value=-800, max_value=800), st.integers(0, 120)), max_size=6
    ),
)
def test_adjusted_end_moves_by_at_most_the_days_off_and_ignores_order(end, spans):
    breaks = [
        Break(end + timedelta(days=offset), end + timedelta(days=offset + length))
        for offset, length in spans
    ]
    days_off = sum(b.days for b in merge_breaks(breaks))

    moved = adjusted_end(end, breaks)

    assert end <= moved <= end + timedelta(days=days_off)
    assert adjusted_end(end, list(reversed(breaks))) == moved
