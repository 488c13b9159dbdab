"""The retention rule: newest of each of the last 10 days and 8 weeks, plus 5 safety copies."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from otj_desktop.domain.retention import Stamped, backups_to_keep

START = datetime(2026, 11, 27, 9, 0)  # a Friday


def daily(days: int, hour: int = 9) -> list[Stamped]:
    """One backup a day for ``days`` days, newest first."""
    return [Stamped(f"d{i}", START.replace(hour=hour) - timedelta(days=i)) for i in range(days)]


def test_a_year_of_daily_backups_keeps_ten_days_and_eight_weeks():
    backups = daily(365)
    kept = backups_to_keep(backups)
    taken = {b.name: b.taken_at for b in backups}
    days = sorted({taken[n].date() for n in kept}, reverse=True)
    # The last 10 days...
    assert all(f"d{i}" in kept for i in range(10))
    # ...and one per week for 8 weeks (the newest of each: Sundays, bar this week).
    weeks = {taken[n].isocalendar()[:2] for n in kept}
    assert len(weeks) == 8
    assert len(kept) == 10 + 8 - 2  # this week and last week are already covered by daily ones
    assert days[-1] == (START - timedelta(days=6 * 7 + 5)).date()  # the Sunday 7 weeks back


def test_only_the_newest_backup_of_a_day_is_kept():
    morning = Stamped("morning", START.replace(hour=8))
    evening = Stamped("evening", START.replace(hour=20))
    assert backups_to_keep([morning, evening]) == {"evening"}


def test_after_a_long_gap_the_last_backups_are_still_kept():
    old = [Stamped(f"old{i}", START - timedelta(days=400 + i)) for i in range(12)]
    kept = backups_to_keep(old)
    assert {f"old{i}" for i in range(10)} <= kept


def test_the_last_five_safety_copies_survive_a_busy_day():
    manual = [Stamped(f"m{i}", START + timedelta(minutes=i)) for i in range(30)]
    safety = [Stamped(f"s{i}", START - timedelta(minutes=i + 1), safety=True) for i in range(7)]
    kept = backups_to_keep(manual + safety)
    assert kept == {"m29", "s0", "s1", "s2", "s3", "s4"}


@given(
    st.lists(
        st.tuples(
            st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
            st.booleans(),
        ),
        max_size=80,
    )
)
def test_the_rule_is_bounded_and_always_keeps_the_newest(stamps):
    backups = [Stamped(f"b{i}", when, safety) for i, (when, safety) in enumerate(stamps)]
    kept = backups_to_keep(backups)
    assert len(kept) <= 10 + 8 + 5
    assert kept <= {b.name for b in backups}
    if backups:
        newest = max(backups, key=lambda b: (b.taken_at, b.name))
        assert newest.name in kept
