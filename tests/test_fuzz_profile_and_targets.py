"""Property-based tests of the dashboard's target editors (JSON and plain form) and the breaks
in learning, with random and hostile input.

Besides what every fuzzed endpoint must do (:func:`tests.fuzz_helpers.post_checked`: an
expected status, a refusal changes nothing, no injected markup), an accepted value is stored
exactly as the validation says, and, the point of audit item 1, the dashboard and the profile
page still show afterwards, whatever dates were typed.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from otj_desktop.domain.profile import TARGET_LIMITS, InvalidProfile, validate_target
from otj_desktop.domain.targets import InvalidBreak, validate_break
from otj_desktop.store import breaks as break_store
from otj_desktop.store import profile as profile_store
from tests.fuzz_helpers import (
    assert_rendered_escaped,
    fuzz_settings,
    fuzzes,
    hostile_text,
    numberish,
    plan_dateish,
    post_checked,
)

# Mostly the real targets (so values get checked and saved), sometimes a field that is not one.
# Mostly (7 in 10) the real targets, so values get checked and saved; else a field that is not
# one. (The extra draw lets a real name come up again and again: hypothesis never repeats an
# input, and there are only three real names.)
target_names = st.tuples(
    st.integers(min_value=0, max_value=9),
    st.sampled_from(sorted(TARGET_LIMITS)),
    st.one_of(
        st.sampled_from(["name", "start_date", "standard_id", "updated_at", "id", "__class__"]),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz_<>'\"&;%é.", min_size=1, max_size=30),
    ),
).map(lambda t: t[1] if t[0] < 7 else t[2])
target_values = st.one_of(
    st.floats(min_value=0.25, max_value=10_000).map(lambda x: f"{x:.2f}"),
    st.sampled_from(["", "0.25", "80", "80.01", "10000", "10000.5", "1e3"]),
    numberish,
)
accepts = st.sampled_from(["application/json", "text/html", "*/*", "application/json, */*;q=0.1"])


@fuzzes("dashboard.set_target")
@fuzz_settings(120)
@given(name=target_names, value=target_values, accept=accepts)
def test_fuzz_target_editors(client, app, with_standard, name, value, accept):
    db = app.extensions["otj"].db
    response = post_checked(
        client,
        db,
        f"/targets/{quote(name, safe='')}",
        {"value": value},
        headers={"Accept": accept},
        ok=(200, 302),
    )
    if response.mimetype == "application/json":
        answer = json.loads(response.data)
        assert answer["ok"] is (response.status_code == 200)
        assert answer["field"] == name
    if response.status_code not in (200, 302):
        return
    try:
        expected = validate_target(name, value)
    except InvalidProfile:  # pragma: no cover - the endpoint accepted what the rule refuses
        raise AssertionError(f"{name}={value!r} was saved but is not valid") from None
    with db.connection() as conn:
        assert getattr(profile_store.get(conn), name) == expected
    assert client.get("/").status_code == 200


# Profiles the breaks are checked against: none yet, an ordinary one, and ones at each end of
# the dates the app takes.
PROFILES = [
    (None, None),
    (date(2025, 9, 1), date(2027, 9, 1)),
    (date(1990, 1, 1), date(1999, 12, 31)),
    (date(2089, 12, 31), date(2099, 12, 31)),
]
break_overrides = st.fixed_dictionaries(
    {},
    optional={
        "break_start": plan_dateish,
        "break_end": plan_dateish,
        "break_reason": hostile_text,
    },
)
good_breaks = st.tuples(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(min_value=0, max_value=400),
    hostile_text,
).map(
    lambda t: {
        "break_start": t[0].isoformat(),
        "break_end": min(t[0] + timedelta(days=t[1]), date(2099, 12, 31)).isoformat(),
        "break_reason": t[2],
    }
)
# A third plausible breaks (their dates checked against the profile), a third with fields
# spoilt, a third made up from nothing.
break_forms = st.one_of(
    good_breaks,
    st.tuples(good_breaks, break_overrides).map(lambda t: {**t[0], **t[1]}),
    break_overrides,
)


def set_profile_dates(db, start: date | None, end: date | None) -> None:
    with db.transaction() as tx:
        tx.execute(
            "UPDATE profile SET start_date = ?, practical_end_date = ? WHERE id = 1",
            (start and start.isoformat(), end and end.isoformat()),
        )


@fuzzes("profile.add_break")
@fuzz_settings(150)
@given(profile=st.sampled_from(PROFILES), form=break_forms)
def test_fuzz_adding_breaks_in_learning(client, app, with_standard, profile, form):
    db = app.extensions["otj"].db
    set_profile_dates(db, *profile)
    with db.connection() as conn:
        ids_before = {b.id for b in break_store.all_breaks(conn)}

    response = post_checked(client, db, "/profile/breaks", form, ok=(302,))

    with db.connection() as conn:
        added = [b for b in break_store.all_breaks(conn) if b.id not in ids_before]
    try:
        expected = validate_break(form, apprenticeship_start=profile[0], practical_end=profile[1])
    except InvalidBreak:
        assert response.status_code == 422 and added == []
    else:
        assert response.status_code == 302
        assert [(b.start_date, b.end_date, b.reason) for b in added] == [expected]
    for path in ("/", "/profile"):  # whatever was typed, the pages still show
        page = client.get(path)
        assert page.status_code == 200
    assert_rendered_escaped(page.get_data(as_text=True), [b.reason for b in added])


@fuzzes("profile.remove_break")
@fuzz_settings(40)
@given(break_id=st.one_of(st.integers(min_value=-3, max_value=12), st.just(2**63 - 1)))
def test_fuzz_removing_breaks(client, app, break_id):
    db = app.extensions["otj"].db
    with db.transaction() as tx:
        if tx.execute("SELECT count(*) FROM learning_break").fetchone()[0] < 3:
            break_store.add(tx, date(2026, 1, 1), date(2026, 1, 31), "Illness")
    with db.connection() as conn:
        existed = break_id in {b.id for b in break_store.all_breaks(conn)}

    post_checked(client, db, f"/profile/breaks/{break_id}/remove", ok=(302,))

    with db.connection() as conn:
        assert break_id not in {b.id for b in break_store.all_breaks(conn)}
    if not existed:
        return
    assert client.get("/profile").status_code == 200
