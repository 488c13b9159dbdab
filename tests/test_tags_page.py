"""The tags page: counts, rename, rename onto another tag (merge), delete keeping activities."""

from __future__ import annotations

import re
from html import unescape

import pytest

from otj_desktop.store import tags as tag_store
from tests.progress_helpers import Events, add_activity


@pytest.fixture
def db(app, with_standard):
    return app.extensions["otj"].db


def tag_id(db, name: str) -> int:
    with db.connection() as conn:
        found = tag_store.find(conn, name)
        assert found, name
        return found.id


def tags_of(db, activity_id: int) -> list[str]:
    with db.connection() as conn:
        return [
            r[0]
            for r in conn.execute(
                """SELECT t.name FROM activity_tag at JOIN tag t ON t.id = at.tag_id
                   WHERE at.activity_id = ? ORDER BY t.name""",
                (activity_id,),
            )
        ]


def listed(client) -> list[tuple[str, str]]:
    page = client.get("/tags").get_data(as_text=True)
    rows = re.findall(r'class="tag"[^>]*>([^<]+)</a></td>\s*<td class="num">(\d+)</td>', page)
    return [(unescape(name), count) for name, count in rows]


def test_tags_are_listed_with_their_live_activity_counts_most_used_first(client, db):
    add_activity(db, tags=("agile", "safety"))
    add_activity(db, tags=("agile",))
    gone = add_activity(db, tags=("safety", "reading"))
    client.post(f"/activities/{gone}/delete")

    assert listed(client) == [("agile", "2"), ("safety", "1"), ("reading", "0")]


def test_rename_changes_the_name_everywhere_and_announces_it(client, db):
    first = add_activity(db, tags=("agle",))
    events = Events(db)

    response = client.post(f"/tags/{tag_id(db, 'agle')}/rename", {"name": "  Agile  methods "})

    assert response.status_code == 302
    assert tags_of(db, first) == ["Agile methods"]
    assert events.last("tags_changed").data["action"] == "renamed"
    assert "renamed" in events.last("tags_changed").data["summary"]
    assert ("Agile methods", "1") in listed(client)


def test_renaming_onto_another_tag_merges_them(client, db):
    only_old = add_activity(db, tags=("TDD",))
    both = add_activity(db, tags=("TDD", "testing"))
    only_new = add_activity(db, tags=("testing",))
    events = Events(db)

    response = client.post(f"/tags/{tag_id(db, 'TDD')}/rename", {"name": "Testing"})

    assert response.status_code == 302
    assert "Merged “TDD” into “testing”." in client.get("/tags").get_data(as_text=True)
    assert [tags_of(db, a) for a in (only_old, both, only_new)] == [["testing"]] * 3
    assert listed(client) == [("testing", "3")]
    change = events.last("tags_changed").data
    assert change["action"] == "merged" and change["into"] == tag_id(db, "testing")


def test_renaming_to_a_different_case_of_the_same_name_is_a_rename(client, db):
    activity = add_activity(db, tags=("agile",))

    client.post(f"/tags/{tag_id(db, 'agile')}/rename", {"name": "Agile"})

    assert tags_of(db, activity) == ["Agile"]


def test_renaming_to_the_same_name_changes_nothing(client, db):
    add_activity(db, tags=("agile",))
    events = Events(db)

    client.post(f"/tags/{tag_id(db, 'agile')}/rename", {"name": "agile"})

    assert events.changes == []


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Enter a name"), ("a, b", "can't contain a comma"), ("x" * 51, "50 characters")],
)
def test_a_bad_name_comes_back_with_the_message_and_what_was_typed(client, db, name, message):
    add_activity(db, tags=("agile",))

    response = client.post(f"/tags/{tag_id(db, 'agile')}/rename", {"name": name})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in unescape(re.search(r'id="name-error">(.*?)</p>', page, re.S).group(1))
    assert f'value="{name}"' in unescape(page)
    assert tag_id(db, "agile")


def test_delete_removes_the_tag_and_keeps_its_activities(client, db):
    activity = add_activity(db, title="Kept", tags=("agile", "safety"))
    events = Events(db)

    confirm = client.get(f"/tags/{tag_id(db, 'agile')}/delete").get_data(as_text=True)
    assert "1 activity has this tag" in confirm
    response = client.post(f"/tags/{tag_id(db, 'agile')}/delete")

    assert response.status_code == 302
    assert tags_of(db, activity) == ["safety"]
    assert "Kept" in client.get(f"/activities/{activity}").get_data(as_text=True)
    assert events.last("tags_changed").data["action"] == "deleted"
    assert listed(client) == [("safety", "1")]


def test_a_tag_gone_in_another_window_is_handled_without_an_error(client, db):
    add_activity(db, tags=("agile",))
    gone = tag_id(db, "agile")
    client.post(f"/tags/{gone}/delete")

    assert client.post(f"/tags/{gone}/delete").status_code == 302
    assert client.get(f"/tags/{gone}/rename").status_code == 404
    assert client.post(f"/tags/{gone}/rename", {"name": "x"}).status_code == 404
