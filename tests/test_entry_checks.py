"""Entry checks: each rule on its own (pure), the warnings shown once after a save (which still
succeeds), and the Entry checks page."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otj_desktop.domain.entry_checks import (
    MIN_DESCRIPTION_CHARS,
    EntryFacts,
    check_all,
    check_entry,
    empty_months,
    normalise_title,
    overlaps,
    similar_titles,
    working_day_minutes,
)
from otj_desktop.store import breaks as break_store
from otj_desktop.store import profile as profile_store
from tests.conftest import TODAY, activity_form
from tests.progress_helpers import add_activity

DAY = date(2026, 11, 2)
GOOD = EntryFacts(
    id=1,
    title="Unit testing workshop",
    activity_date=DAY,
    duration_minutes=120,
    activity_type="workshop",
    description_chars=80,
    ksb_count=2,
)


def codes(warnings) -> list[str]:
    return [w.code for w in warnings]


# --- the rules ---------------------------------------------------------------------------------


def test_a_good_entry_has_no_warnings():
    assert check_entry(GOOD, [], working_day=450) == []


def test_a_type_that_does_not_count_says_why():
    [warning] = check_entry(replace(GOOD, activity_type="progress_review"), [], working_day=None)
    assert warning.code == "not_otj"
    assert warning.message == (
        "Progress review is logged but not counted: Progress reviews are not OTJ training."
    )


def test_more_paid_hours_in_a_day_than_a_working_day():
    assert working_day_minutes(37.5, 5) == 450
    assert working_day_minutes(None, 5) is None and working_day_minutes(30, 0) is None
    other = replace(GOOD, id=2, title="Reading", duration_minutes=360)
    [warning] = check_entry(GOOD, [other], working_day=450)
    assert warning.code == "long_day"
    assert "8 hours are logged in paid hours on 2 Nov 2026" in warning.message
    assert "a working day (7.5 hours from your contract)" in warning.message
    # Time off in lieu and drafts are not part of the paid working day.
    assert check_entry(GOOD, [replace(other, hours_basis="toil")], working_day=450) == []
    assert check_entry(GOOD, [replace(other, status="draft")], working_day=450) == []
    assert check_entry(replace(GOOD, duration_minutes=480), [], working_day=None) == []


def test_overlapping_times_where_both_have_them():
    a = replace(GOOD, start_time=time(9, 0), end_time=time(11, 0))
    b = replace(GOOD, id=2, title="Standup", start_time=time(10, 30), end_time=time(10, 45))
    c = replace(GOOD, id=3, title="Lunch and learn", start_time=time(11, 0), end_time=time(12))
    assert overlaps(a, b) and not overlaps(a, c)  # touching ends are fine
    assert not overlaps(a, replace(b, start_time=None))
    assert not overlaps(a, replace(b, activity_date=date(2026, 11, 3)))
    warnings = check_entry(a, [b, c], working_day=None)
    assert codes(warnings) == ["overlap"]
    assert warnings[0].other_id == 2 and "(10:30–10:45)" in warnings[0].message


def test_duplicates_by_normalised_or_near_identical_titles():
    assert normalise_title("  Unit-Testing   workshop! ") == "unit testing workshop"
    assert normalise_title("Café") == normalise_title("cafe")
    assert similar_titles("Team stand-up", "Team standup")
    assert similar_titles("Weekly mentoring session", "Weekly mentoring sessions")
    assert not similar_titles("Mentoring with Sam", "Mentoring with Sue")
    assert not similar_titles("Team standup", "Team stand-up meeting")
    assert not similar_titles("Reading: chapter 3", "Reading: chapter 4")
    twin = replace(GOOD, id=2, title="Unit testing workshop.")
    assert codes(check_entry(GOOD, [twin], working_day=None)) == ["duplicate"]
    assert (
        check_entry(GOOD, [replace(twin, activity_date=date(2026, 11, 3))], working_day=None) == []
    )


def test_no_ksb_and_a_short_description():
    warnings = check_entry(replace(GOOD, ksb_count=0, description_chars=12), [], working_day=None)
    assert codes(warnings) == ["no_ksb", "short_description"]
    assert warnings[1].message.startswith(
        f"The description has 12 characters; evidence needs at least {MIN_DESCRIPTION_CHARS}"
    )
    long_enough = replace(GOOD, description_chars=MIN_DESCRIPTION_CHARS)
    assert check_entry(long_enough, [], working_day=None) == []


def test_checking_many_entries_reports_each_pair_once():
    a = replace(GOOD, start_time=time(9), end_time=time(11))
    b = replace(a, id=2)
    found = check_all(
        [a, b, replace(GOOD, id=3, activity_date=date(2026, 11, 9))], working_day=None
    )
    assert list(found) == [2]
    assert codes(found[2]) == ["overlap", "duplicate"]


def test_months_with_no_learning_so_far():
    start, end = date(2026, 6, 15), date(2027, 6, 30)
    months = empty_months(start, end, TODAY, {(2026, 7), (2026, 9)})
    # June (partly in the period), August and October; November is not over yet.
    assert months == [date(2026, 6, 1), date(2026, 8, 1), date(2026, 10, 1)]
    breaks = [(date(2026, 7, 28), date(2026, 9, 2))]  # all of August off programme
    assert empty_months(start, end, TODAY, {(2026, 7), (2026, 9)}, breaks) == [
        date(2026, 6, 1),
        date(2026, 10, 1),
    ]
    assert empty_months(start, date(2026, 7, 31), TODAY, set()) == [
        date(2026, 6, 1),
        date(2026, 7, 1),
    ]
    assert empty_months(None, end, TODAY, set()) == []


# --- through the pages -------------------------------------------------------------------------


@pytest.fixture
def db(app, with_standard):
    db = app.extensions["otj"].db
    with db.transaction() as tx:
        profile = profile_store.get(tx.conn)
        profile_store.save(
            tx,
            replace(
                profile,
                weekly_contracted_hours=37.5,
                working_days_per_week=5,
                start_date=date(2026, 8, 1),
                practical_end_date=date(2027, 7, 31),
            ),
        )
    return db


def flashes(page: str) -> list[str]:
    return re.findall(r'class="flash flash-warning" role="status">([^<]*)<', page)


def test_a_save_with_problems_still_saves_and_shows_the_warnings_once(client, db):
    response = client.post(
        "/activities/new",
        activity_form(
            title="Progress review",
            activity_type="progress_review",
            description="ok",
            duration_hours="8",
        ),
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(page) == [
        "Check: Progress review is logged but not counted: Progress reviews are not OTJ training.",
        "Check: 8 hours are logged in paid hours on 2 Nov 2026, more than a working day (7.5 "
        "hours from your contract).",
        "Check: No KSB is linked: say which knowledge, skills or behaviours it evidences.",
        "Check: The description has 2 characters; evidence needs at least 50: what you learned "
        "and how you applied it.",
    ]
    assert flashes(client.get(response.headers["Location"]).get_data(as_text=True)) == []


def test_an_edit_is_checked_against_the_other_entries_that_day(client, db):
    first = client.post("/activities/new", activity_form(ksb_ids=["1"]))
    assert flashes(client.get(first.headers["Location"]).get_data(as_text=True)) == []
    second = client.post("/activities/new", activity_form(title="Reading", ksb_ids=["1"]))
    client.get(second.headers["Location"])
    edited = client.post(
        second.headers["Location"] + "/edit",
        {**activity_form(title="Unit-testing workshop", ksb_ids=["1"]), "version": "1"},
    )
    page = client.get(edited.headers["Location"]).get_data(as_text=True)
    assert flashes(page) == [
        "Check: “Unit testing workshop” on the same day looks like the same entry."
    ]


def test_the_checks_page_lists_entries_to_review_and_empty_months(client, db):
    add_activity(db, title="Short one", day=date(2026, 9, 3), description="too short")
    add_activity(
        db,
        title="Good one",
        day=date(2026, 10, 5),
        kind="workshop",
        description="x" * 60,
        ksb_ids=(1,),
    )
    add_activity(
        db,
        title="Good one!",
        day=date(2026, 10, 5),
        kind="workshop",
        description="x" * 60,
        ksb_ids=(1,),
    )
    with db.transaction() as tx:
        break_store.add(tx, date(2026, 8, 1), date(2026, 8, 31))
    page = client.get("/checks").get_data(as_text=True)
    assert "Entry checks — OTJ Desktop" in page
    assert "2 entries to check." in page
    months = re.search(r'id="check-empty-months".*?</section>', page, re.S).group(0)
    assert "None." in months  # Aug is a break, Sep and Oct have learning; Nov is not over
    duplicates = re.search(r'id="check-duplicate".*?</section>', page, re.S).group(0)
    assert "Good one!" in duplicates and "See “Good one”" in duplicates
    short = re.search(r'id="check-short_description".*?</section>', page, re.S).group(0)
    assert "Short one" in short and "9 characters" in short


def test_the_checks_page_names_months_without_learning(client, db):
    add_activity(db, day=date(2026, 9, 3))
    page = client.get("/checks").get_data(as_text=True)
    months = re.search(r'id="check-empty-months".*?</section>', page, re.S).group(0)
    assert re.findall(r">(\w+ 2026)</a>", months) == ["August 2026", "October 2026"]
    assert 'href="/activities?from=2026-08-01&amp;to=2026-08-31"' in months


# A title, or a small edit of an earlier one: the near-duplicates the quick bounds must not lose.
titles = st.lists(
    st.one_of(
        st.text(alphabet="abcdefg -1", min_size=0, max_size=30),
        st.sampled_from(["Team standup", "Team stand-up", "Weekly mentoring session"]),
    ),
    min_size=1,
    max_size=12,
).flatmap(
    lambda base: st.lists(
        st.tuples(st.sampled_from(base), st.integers(0, 40), st.sampled_from(["", "x", "s", "-"])),
        max_size=12,
    ).map(lambda edits: base + [t[:n] + c + t[n + len(c) :] for t, n, c in edits])
)


@settings(max_examples=300, deadline=None)
@given(titles=titles)
def test_checking_many_entries_finds_every_duplicate_one_at_a_time_would(titles):
    entries = [replace(GOOD, id=n + 1, title=t) for n, t in enumerate(titles)]
    found = check_all(entries, working_day=None)
    fast = {(e, w.other_id) for e, ws in found.items() for w in ws if w.code == "duplicate"}
    slow = {
        (b.id, a.id)
        for a in entries
        for b in entries
        if a.id < b.id and similar_titles(a.title, b.title)
    }
    assert fast == slow
