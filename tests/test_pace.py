"""Tests for pace against the planned OTJ hours: expected by today, catch-up and projection."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otj_desktop.domain import dates
from otj_desktop.domain.dates import uk_date, uk_date_long, uk_month
from otj_desktop.domain.otj_hours import Break
from otj_desktop.domain.pace import Pace, compute_pace, describe_pace

START = date(2023, 9, 1)
END = date(2024, 8, 31)  # 365 days after the start
PLANNED = 365.0  # one hour a day makes the arithmetic easy to check
JANUARY = Break(date(2024, 1, 1), date(2024, 1, 31))


def pace(
    today: date,
    *,
    done: float = 0,
    recent: float = 0,
    breaks: tuple[Break, ...] = (),
    planned: float = PLANNED,
    start: date = START,
    end: date = END,
) -> Pace:
    return compute_pace(
        start=start,
        planned_end=end,
        breaks=breaks,
        planned_hours=planned,
        hours_done=done,
        hours_last_8_weeks=recent,
        today=today,
    )


# --- before the start ------------------------------------------------------------------------


def test_before_the_start_nothing_is_expected_and_status_is_not_started():
    result = pace(date(2023, 8, 1))

    assert result.status == "not_started"
    assert result.expected_by_today == 0
    assert result.ahead_by == 0
    assert result.weeks_left == pytest.approx(365 / 7)
    assert result.needed_per_week == pytest.approx(7.0)
    assert result.projected_finish is None


def test_on_the_start_date_nothing_is_expected_yet_and_it_is_on_track():
    result = pace(START)

    assert result.expected_by_today == 0
    assert result.status == "on_track"


# --- mid-way ---------------------------------------------------------------------------------


def test_mid_way_without_breaks_expects_hours_in_proportion_to_days_elapsed():
    today = START + timedelta(days=146)  # 26 Jan 2024: 146 of 365 days

    result = pace(today, done=150, recent=56)

    assert result.expected_by_today == pytest.approx(146)
    assert result.ahead_by == pytest.approx(4)
    assert result.status == "on_track"  # 4 h is within 2% of 365 h (7.3 h)
    assert result.remaining_hours == pytest.approx(215)
    assert result.weeks_left == pytest.approx(219 / 7)
    assert result.needed_per_week == pytest.approx(215 / (219 / 7))
    assert result.fraction_elapsed == pytest.approx(146 / 365)
    assert result.planned_end == END


def test_well_ahead_and_well_behind_are_reported_by_how_many_hours():
    today = START + timedelta(days=146)

    ahead = pace(today, done=200)
    behind = pace(today, done=100)

    assert ahead.status == "ahead"
    assert ahead.ahead_by == pytest.approx(54)
    assert behind.status == "behind"
    assert behind.ahead_by == pytest.approx(-46)


def test_on_track_tolerance_is_2_percent_of_planned_hours():
    today = START + timedelta(days=146)  # 146 h expected, tolerance 7.3 h

    assert pace(today, done=146 + 7.2).status == "on_track"
    assert pace(today, done=146 - 7.2).status == "on_track"
    assert pace(today, done=146 + 7.4).status == "ahead"
    assert pace(today, done=146 - 7.4).status == "behind"
    assert pace(today).tolerance == pytest.approx(7.3)


def test_on_track_tolerance_is_at_least_one_hour_for_small_plans():
    today = START + timedelta(days=73)  # a fifth of the way: 4 of 20 h expected

    result = pace(today, planned=20, done=4.9)

    assert result.tolerance == 1.0
    assert result.status == "on_track"
    assert pace(today, planned=20, done=5.1).status == "ahead"


def test_break_days_count_neither_as_elapsed_nor_in_the_period():
    today = date(2024, 3, 1)  # 182 days after the start, 31 of them in January's break

    result = pace(today, done=151, breaks=(JANUARY,))

    assert result.planned_end == date(2024, 10, 1)
    assert result.expected_by_today == pytest.approx(151)
    assert result.status == "on_track"
    assert result.weeks_left == pytest.approx(214 / 7)
    assert result.needed_per_week == pytest.approx(214 / (214 / 7))


def test_a_break_does_not_make_the_apprentice_fall_behind():
    before_break = pace(date(2024, 1, 1), done=122, breaks=(JANUARY,))
    after_break = pace(date(2024, 2, 1), done=122, breaks=(JANUARY,))

    assert before_break.expected_by_today == pytest.approx(122)
    assert after_break.expected_by_today == pytest.approx(122)
    assert after_break.status == "on_track"


def test_during_a_break_expected_hours_stand_still_and_on_break_is_set():
    result = pace(date(2024, 1, 15), done=122, breaks=(JANUARY,))

    assert result.on_break is True
    assert result.expected_by_today == pytest.approx(122)
    assert pace(date(2024, 2, 1), breaks=(JANUARY,)).on_break is False


def test_future_breaks_are_not_counted_as_weeks_left():
    today = START + timedelta(days=146)

    without = pace(today, done=146)
    with_future_break = pace(today, done=146, breaks=(Break(date(2024, 5, 1), date(2024, 5, 14)),))

    assert with_future_break.weeks_left == pytest.approx(without.weeks_left)
    assert with_future_break.needed_per_week == pytest.approx(without.needed_per_week)
    assert with_future_break.planned_end == END + timedelta(days=14)


def test_overlapping_breaks_are_not_double_counted_in_pace():
    overlapping = (
        Break(date(2024, 1, 1), date(2024, 1, 20)),
        Break(date(2024, 1, 10), date(2024, 1, 31)),
    )

    assert pace(date(2024, 3, 1), breaks=overlapping) == pace(date(2024, 3, 1), breaks=(JANUARY,))


def test_parts_of_breaks_before_the_start_are_ignored():
    early = Break(date(2023, 8, 1), date(2023, 9, 10))  # 10 days after the start count
    today = date(2023, 10, 1)  # 30 days after the start, 10 of them on the break

    result = pace(today, breaks=(early,))

    assert result.planned_end == END + timedelta(days=10)
    assert result.expected_by_today == pytest.approx(20)


# --- projection ------------------------------------------------------------------------------


def test_projected_finish_follows_the_last_8_weeks_pace_from_today():
    today = START + timedelta(days=146)

    result = pace(today, done=150, recent=80)  # 10 h a week, 215 h to go: 21.5 weeks

    assert result.recent_weekly_hours == pytest.approx(10)
    assert result.projected_finish == today + timedelta(days=151)  # 150.5 days, rounded up
    assert result.finishes_on_time is True


def test_projected_finish_after_the_end_is_not_on_time():
    today = START + timedelta(days=146)

    result = pace(today, done=100, recent=16)  # 2 h a week, 265 h to go

    assert result.projected_finish == today + timedelta(days=math.ceil(265 / 2 * 7))
    assert result.finishes_on_time is False


def test_zero_recent_pace_has_no_projected_finish():
    result = pace(START + timedelta(days=146), done=100, recent=0)

    assert result.recent_weekly_hours == 0
    assert result.projected_finish is None
    assert result.finishes_on_time is None


def test_recent_pace_uses_the_weeks_since_the_start_when_that_is_under_8():
    today = START + timedelta(weeks=2)

    result = pace(today, done=20, recent=20)

    assert result.recent_weekly_hours == pytest.approx(10)


def test_recent_pace_counts_at_least_one_week():
    result = pace(START + timedelta(days=1), done=8, recent=8)

    assert result.recent_weekly_hours == pytest.approx(8)


def test_recent_pace_leaves_out_break_days_in_the_last_8_weeks():
    today = date(2024, 2, 25)  # the last 56 days hold all 31 days of January's break

    result = pace(today, done=140, recent=25, breaks=(JANUARY,))  # 25 h in 25 learning days

    assert result.recent_weekly_hours == pytest.approx(7)


def test_projection_far_beyond_the_calendar_is_none():
    result = pace(START + timedelta(days=146), done=0, recent=1e-12)

    assert result.projected_finish is None


# --- after the end and finishing ------------------------------------------------------------


def test_after_the_end_everything_is_expected_and_no_weekly_figure_is_possible():
    result = pace(date(2024, 10, 1), done=300, recent=8)

    assert result.expected_by_today == PLANNED
    assert result.ahead_by == pytest.approx(-65)
    assert result.status == "behind"
    assert result.weeks_left == 0
    assert result.needed_per_week is None
    assert result.projected_finish == date(2024, 10, 1) + timedelta(days=math.ceil(65 * 7))


def test_on_the_planned_end_date_all_hours_are_expected():
    result = pace(END, done=360)

    assert result.expected_by_today == PLANNED
    assert result.needed_per_week is None


def test_reaching_the_planned_hours_is_finished_whatever_the_date():
    for today in (date(2023, 8, 1), START + timedelta(days=100), date(2025, 1, 1)):
        result = pace(today, done=PLANNED + 5, recent=40)

        assert result.status == "finished"
        assert result.needed_per_week == 0
        assert result.remaining_hours == 0
        assert result.projected_finish is None


def test_finished_allows_for_floating_point_sums_of_hours():
    result = pace(START + timedelta(days=10), planned=0.3, done=0.1 + 0.2)

    assert result.status == "finished"


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": START}, "after the start"),
        ({"planned": 0}, "Planned"),
        ({"planned": math.nan}, "Planned"),
        ({"done": -1}, "Hours done"),
        ({"done": math.inf}, "Hours done"),
        ({"recent": -0.5}, "last 8 weeks"),
    ],
)
def test_invalid_inputs_raise_a_clear_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pace(START + timedelta(days=10), **kwargs)


# --- the dashboard sentence ------------------------------------------------------------------


def test_sentence_for_behind_says_how_far_and_what_to_aim_for():
    sentence = describe_pace(pace(START + timedelta(days=146), done=100, recent=40))

    assert sentence.startswith("You are 46.0 hours behind: 146.0 hours were expected by today")
    assert "aim for" in sentence
    assert "31 Aug 2024" in sentence
    assert "would finish on" in sentence


def test_sentence_for_each_status():
    assert "on track" in describe_pace(pace(START + timedelta(days=146), done=146))
    assert "ahead" in describe_pace(pace(START + timedelta(days=146), done=200))
    assert "starts on 1 Sep 2023" in describe_pace(pace(date(2023, 8, 1)))
    assert "target reached" in describe_pace(pace(END, done=400))
    assert "has passed" in describe_pace(pace(date(2024, 10, 1), done=300))
    assert "nothing in the last 8 weeks" in describe_pace(pace(START + timedelta(days=146)))
    assert "on a break" in describe_pace(pace(date(2024, 1, 15), breaks=(JANUARY,)))


def test_dates_are_written_as_everywhere_else_in_the_app_whatever_the_locale():
    """The sentence uses the app's one date style (domain/dates.py), the one the figures
    beside it use. The names are spelt out there: strftime's %b, %B and %A follow the C locale,
    which Qt sets from the desktop's when the windows open."""
    assert uk_date(date(2024, 3, 1)) == "1 Mar 2024"
    assert uk_date_long("2026-11-27") == "Friday 27 November 2026"
    assert uk_month(date(2026, 3, 31)) == "March 2026"
    sentence = describe_pace(pace(date(2023, 8, 1)))
    assert f"starts on {uk_date(START)}" in sentence
    source = Path(dates.__file__).read_text(encoding="utf-8")
    assert not re.search(r"%[bBaA]", source.split('"""', 2)[2])  # no locale names in the code


# --- properties ------------------------------------------------------------------------------

break_lists = st.lists(
    st.tuples(st.integers(min_value=-30, max_value=500), st.integers(min_value=0, max_value=60)),
    max_size=4,
).map(
    lambda spans: tuple(
        Break(START + timedelta(days=offset), START + timedelta(days=offset + length))
        for offset, length in spans
    )
)


@given(
    breaks=break_lists,
    first=st.integers(min_value=-100, max_value=900),
    later=st.integers(min_value=0, max_value=900),
)
def test_expected_by_today_never_goes_down_as_days_pass(breaks, first, later):
    earlier_day = START + timedelta(days=first)
    later_day = earlier_day + timedelta(days=later)

    earlier = pace(earlier_day, breaks=breaks)
    then = pace(later_day, breaks=breaks)

    assert 0 <= earlier.expected_by_today <= then.expected_by_today <= PLANNED


@given(
    breaks=break_lists,
    offset=st.integers(min_value=-100, max_value=900),
    done=st.floats(min_value=0, max_value=400, allow_nan=False),
)
def test_weeks_left_plus_weeks_elapsed_is_the_planned_length(breaks, offset, done):
    result = pace(START + timedelta(days=offset), breaks=breaks, done=done)

    # breaks never change the number of learning days in the period: 365
    assert result.weeks_left == pytest.approx((1 - result.fraction_elapsed) * 365 / 7)
    if result.needed_per_week is not None and result.status != "finished":
        assert result.needed_per_week * result.weeks_left == pytest.approx(PLANNED - done)
