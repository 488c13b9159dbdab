"""Activity list filters in the URL (KSB, type, tag, quality, dates, text via FTS5), and
pagination that keeps them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otj_desktop.domain.activity_filter import ActivityFilter, fts_query, parse_filter
from otj_desktop.store.activity_search import match_live
from otj_desktop.store.db import Database
from otj_desktop.store.migrate import migrate
from tests.conftest import activity_form
from tests.progress_helpers import add_activity


@pytest.fixture
def db(app, with_standard):
    return app.extensions["otj"].db


def titles(client, query: str = "", status: int = 200) -> list[str]:
    response = client.get("/activities" + query)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    results = page[page.index('id="activity-results"') :]
    return [unescape(t) for t in re.findall(r'<a href="/activities/\d+">([^<]+)</a>', results)]


@pytest.fixture
def log(db, codes):
    add_activity(
        db,
        title="Workshop on torque",
        day=date(2026, 3, 10),
        kind="workshop",
        ksb_ids=(codes["K1"],),
        tags=("agile",),
        quality="good",
        description="Learned torque settings for fixings.",
    )
    add_activity(
        db,
        title="Reading about tolerances",
        day=date(2026, 4, 1),
        kind="self_study",
        ksb_ids=(codes["K2"], codes["S1"]),
        tags=("reading",),
        quality="draft",
        notes="Ask the café supervisor about part B",
    )
    add_activity(
        db,
        title="Mentoring session",
        day=date(2026, 5, 20),
        kind="mentoring",
        ksb_ids=(codes["S1"],),
        tags=("agile", "mentor"),
        quality="review_ready",
        description="Testing the widget jig with Priya.",
    )


def test_without_filters_everything_is_listed_newest_first(client, log):
    assert titles(client) == ["Mentoring session", "Reading about tolerances", "Workshop on torque"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?type=workshop", ["Workshop on torque"]),
        ("?tag=agile", ["Mentoring session", "Workshop on torque"]),
        ("?tag=AGILE", ["Mentoring session", "Workshop on torque"]),
        ("?quality=review_ready", ["Mentoring session"]),
        ("?from=2026-04-01", ["Mentoring session", "Reading about tolerances"]),
        ("?to=2026-04-01", ["Reading about tolerances", "Workshop on torque"]),
        ("?from=2026-04-01&to=2026-04-01", ["Reading about tolerances"]),
        ("?from=01/04/2026&to=30/04/2026", ["Reading about tolerances"]),
        ("?tag=agile&type=mentoring", ["Mentoring session"]),
        ("?tag=nothing", []),
    ],
)
def test_each_filter_narrows_the_list(client, log, query, expected):
    assert titles(client, query) == expected


def test_ksb_filter_lists_activities_linked_to_that_ksb(client, log, codes):
    assert titles(client, f"?ksb={codes['S1']}") == [
        "Mentoring session",
        "Reading about tolerances",
    ]
    assert titles(client, f"?ksb={codes['B1']}") == []


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("torque", ["Workshop on torque"]),  # title and description
        ("tolerance", ["Reading about tolerances"]),  # a prefix of a word
        ("supervisor", ["Reading about tolerances"]),  # private notes
        ("cafe", ["Reading about tolerances"]),  # accents do not matter
        ("WIDGET jig", ["Mentoring session"]),  # case does not matter; every word must match
        ("widget torque", []),
        ("testing", ["Mentoring session"]),
    ],
)
def test_text_search_finds_words_in_title_description_and_notes(client, log, search, expected):
    assert titles(client, f"?q={search}") == expected


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("torque*", True),
        ("(torque", True),
        ("-torque", True),
        ("^torque", True),
        ('"torque', True),
        ("NOT torque", False),  # "not" is a word to find, not an operator
        ("title:torque", False),  # likewise "title"
        ("AND", False),
    ],
)
def test_search_operators_typed_by_the_user_are_read_as_plain_words(client, log, typed, found):
    response = client.get("/activities", query_string={"q": typed})

    assert response.status_code == 200
    assert ("Workshop on torque" in response.get_data(as_text=True)) is found


def test_search_follows_edits_and_leaves_out_deleted_activities(client, db, log):
    response = client.post("/activities/new", activity_form(title="Calibration of gauges"))
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert titles(client, "?q=calibration") == ["Calibration of gauges"]

    client.post(f"/activities/{new_id}/edit", activity_form(title="Gauge checks", version="1"))
    assert titles(client, "?q=calibration") == []
    assert titles(client, "?q=gauge") == ["Gauge checks"]

    client.post(f"/activities/{new_id}/delete")
    assert titles(client, "?q=gauge") == []


def test_filters_stay_in_the_form_and_the_count_says_how_many_match(client, log, codes):
    page = client.get(f"/activities?tag=agile&type=mentoring&q=jig&ksb={codes['S1']}").get_data(
        as_text=True
    )

    assert '<option value="mentoring" selected>' in page
    assert '<option value="agile" selected>' in page
    assert f'<option value="{codes["S1"]}" selected>' in page
    assert 'value="jig"' in page
    assert "1 activity matches these filters." in page
    assert "Clear filters" in page


def test_pagination_keeps_the_filters(client, db):
    for i in range(30):
        add_activity(
            db, title=f"Tagged {i:02d}", day=date(2026, 1, 1) + timedelta(days=i), tags=("x",)
        )
    for i in range(5):
        add_activity(db, title=f"Other {i}", day=date(2026, 6, 1))

    first = client.get("/activities?tag=x").get_data(as_text=True)
    next_link = unescape(re.search(r'href="([^"]+)" rel="next"', first).group(1))

    assert next_link == "/activities?page=2&tag=x"
    assert len(titles(client, "?tag=x")) == 25
    second = titles(client, next_link.removeprefix("/activities"))
    assert second == [f"Tagged {i:02d}" for i in range(4, -1, -1)]
    assert "30 activities match these filters." in first


def test_a_page_past_the_end_shows_the_last_page(client, log):
    assert titles(client, "?page=99") == [
        "Mentoring session",
        "Reading about tolerances",
        "Workshop on torque",
    ]


@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("?from=someday", "from", "Enter a real date"),
        ("?from=2026-04-01&to=2026-03-01", "to", "must not be before its start"),
        ("?type=juggling", "type", "Choose an activity type"),
        ("?quality=perfect", "quality", "Choose an evidence quality"),
        ("?ksb=K1", "ksb", "Choose a KSB"),
        ("?q=!!!", "q", "Search for words or numbers"),
    ],
)
def test_a_bad_filter_is_explained_beside_its_field_and_the_rest_still_apply(
    client, log, query, param, message
):
    response = client.get("/activities" + query + "&tag=reading")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in unescape(re.search(rf'id="{param}-error">(.*?)</p>', page, re.S).group(1))
    assert titles(client, query + "&tag=reading", status=422) == ["Reading about tolerances"]


def test_filters_round_trip_through_the_url():
    filters = ActivityFilter(
        ksb_id=4,
        activity_type="workshop",
        tag="agile",
        quality="good",
        date_from=date(2026, 1, 1),
        date_to=date(2026, 2, 1),
        text="unit tests",
    )

    assert parse_filter(filters.query_args()) == (filters, {})
    assert ActivityFilter().query_args() == {}
    assert ActivityFilter().is_empty and not filters.is_empty


@pytest.fixture(scope="module")
def search_db(tmp_path_factory):
    db = Database(tmp_path_factory.mktemp("search") / "s.sqlite3")
    migrate(db)
    conn = db.connect()
    yield conn
    conn.close()


@settings(deadline=None)  # a busy machine must not fail it; the query itself is instant
@given(text=st.text(max_size=60))
def test_any_typed_search_is_a_valid_fts5_query_or_none(search_db, text):
    query = fts_query(text)
    if query is not None:
        search_db.execute(
            "SELECT count(*) FROM activity_fts WHERE activity_fts MATCH ?", (match_live(query),)
        ).fetchone()


COMBINATIONS = [
    {},
    {"type": "workshop"},
    {"from": "2026-04-01", "to": "2026-05-31", "type": "mentoring"},
    {"ksb": "{S1}"},
    {"ksb": "{S1}", "type": "self_study"},
    {"tag": "agile"},
    {"tag": "AGILE"},
    {"tag": "nothing"},
    {"q": "torque"},
    {"q": "supervisor tolerances"},
    {"q": "zzz"},
    {"q": "torque", "type": "workshop"},
    {"quality": "good", "tag": "agile"},
]


@pytest.mark.parametrize("args", COMBINATIONS, ids=str)
def test_counts_from_totals_and_the_index_agree_with_counting_the_rows(db, log, codes, args):
    from otj_desktop.store import activity_search

    gone = add_activity(
        db, title="Deleted torque", kind="workshop", ksb_ids=(codes["S1"],), tags=("agile",)
    )
    restored = add_activity(db, title="Restored torque", kind="self_study", ksb_ids=(codes["S1"],))
    with db.connection() as conn:
        conn.execute("UPDATE activity SET deleted_at = 'x' WHERE id IN (?, ?)", (gone, restored))
        conn.execute("UPDATE activity SET deleted_at = NULL WHERE id = ?", (restored,))
        filters, errors = parse_filter({k: v.format(**codes) for k, v in args.items()})
        assert errors == {}
        condition, params = activity_search.where(filters)
        rows = conn.execute(f"SELECT count(*) FROM activity a WHERE {condition}", params)
        assert activity_search.count(conn, filters) == rows.fetchone()[0]
