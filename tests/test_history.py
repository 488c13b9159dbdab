"""Edit history in the store: every change recorded in its own transaction, and restorable."""

from __future__ import annotations

from datetime import date

import pytest

from otj_desktop.domain.activities import ActivityInput
from otj_desktop.domain.history import describe, diff
from otj_desktop.store import activities as activity_store
from otj_desktop.store import history
from otj_desktop.store import standards as standard_store


def entry(**overrides) -> ActivityInput:
    values = {
        "title": "Pairing session",
        "activity_date": date(2026, 11, 2),
        "duration_minutes": 90,
        "activity_type": "mentoring",
        "description": "Paired on the billing tests.",
        "tags": ("pairing",),
    }
    values.update(overrides)
    return ActivityInput(**values)


def ksb_ids(db, standard_id, *codes):
    with db.connection() as conn:
        by_code = {k.code: k.id for k in standard_store.ksbs(conn, standard_id)}
    return tuple(by_code[c] for c in codes)


def versions(db, activity_id):
    with db.connection() as conn:
        return [(e.version, e.action) for e in history.for_activity(conn, activity_id)]


def test_create_edit_delete_and_restore_each_record_a_version(db, with_standard):
    with db.transaction() as tx:
        activity_id = activity_store.create(tx, entry(ksb_ids=ksb_ids(db, with_standard, "K1")))
    with db.transaction() as tx:
        activity_store.update(tx, activity_id, entry(title="Pairing, longer"), expected_version=1)
    with db.transaction() as tx:
        activity_store.soft_delete(tx, activity_id)
    with db.transaction() as tx:
        activity_store.restore(tx, activity_id, expected_version=3)
    assert versions(db, activity_id) == [
        (4, "restored"),
        (3, "deleted"),
        (2, "updated"),
        (1, "created"),
    ]
    with db.connection() as conn:
        entries = {e.version: e for e in history.for_activity(conn, activity_id)}
    assert entries[2].changes == {
        "title": ["Pairing session", "Pairing, longer"],
        "ksbs": [["K1"], []],
    }
    assert entries[3].changes == {"deleted": [False, True]}
    assert entries[4].changes == {"deleted": [True, False]}
    assert entries[1].snapshot["ksbs"] == [{"standard": "ST9999", "version": "1.0", "code": "K1"}]


def test_a_change_and_its_history_roll_back_together(db):
    with db.transaction() as tx:
        activity_id = activity_store.create(tx, entry())
    with pytest.raises(RuntimeError), db.transaction() as tx:
        activity_store.update(tx, activity_id, entry(title="Never saved"), expected_version=1)
        raise RuntimeError("crash before commit")
    assert versions(db, activity_id) == [(1, "created")]
    with db.connection() as conn:
        assert activity_store.get(conn, activity_id).title == "Pairing session"


def test_restoring_an_earlier_version_makes_a_new_version_and_is_announced(db, with_standard):
    k1, s1 = ksb_ids(db, with_standard, "K1", "S1")
    with db.transaction() as tx:
        activity_id = activity_store.create(tx, entry(ksb_ids=(k1,), tags=("a", "b")))
    with db.transaction() as tx:
        activity_store.update(
            tx,
            activity_id,
            entry(title="Rewritten", duration_minutes=30, ksb_ids=(s1,), tags=("c",)),
            expected_version=1,
        )
    heard = []
    db.add_listener(heard.extend)
    with db.transaction() as tx:
        result = activity_store.restore_version(tx, activity_id, 1, expected_version=2)
    assert result.version == 3 and result.missing_ksbs == []
    with db.connection() as conn:
        restored = activity_store.get(conn, activity_id)
        newest = history.for_activity(conn, activity_id)[0]
    assert (restored.title, restored.duration_minutes, restored.ksb_codes, restored.tags) == (
        "Pairing session",
        90,
        ["K1"],
        ["a", "b"],
    )
    assert (newest.version, newest.action, newest.restored_from) == (3, "reverted", 1)
    assert newest.changes["title"] == ["Rewritten", "Pairing session"]
    assert [(c.kind, c.data["version"]) for c in heard] == [("activity_saved", 3)]
    assert "restored to version 1" in heard[0].data["summary"]


def test_restoring_a_version_checks_the_version_the_user_saw(db):
    with db.transaction() as tx:
        activity_id = activity_store.create(tx, entry())
    with db.transaction() as tx:
        activity_store.update(tx, activity_id, entry(title="Newer"), expected_version=1)
    with pytest.raises(activity_store.VersionConflict), db.transaction() as tx:
        activity_store.restore_version(tx, activity_id, 1, expected_version=1)
    with pytest.raises(history.VersionNotFound), db.transaction() as tx:
        activity_store.restore_version(tx, activity_id, 9, expected_version=2)
    assert versions(db, activity_id) == [(2, "updated"), (1, "created")]


def test_restoring_a_deleted_activity_twice_is_a_conflict_not_a_second_restore(db):
    with db.transaction() as tx:
        activity_id = activity_store.create(tx, entry())
    with db.transaction() as tx:
        activity_store.soft_delete(tx, activity_id)
    with db.transaction() as tx:
        activity_store.restore(tx, activity_id, expected_version=2)
    with pytest.raises(activity_store.ActivityNotFound), db.transaction() as tx:
        activity_store.restore(tx, activity_id, expected_version=2)


def test_a_ksb_that_no_longer_exists_is_reported_when_restoring(db, with_standard):
    (k1,) = ksb_ids(db, with_standard, "K1")
    with db.transaction() as tx:
        activity_id = activity_store.create(tx, entry(ksb_ids=(k1,)))
    with db.transaction() as tx:
        activity_store.update(tx, activity_id, entry(), expected_version=1)
        standard_store.delete_ksb(tx, k1)
    with db.transaction() as tx:
        result = activity_store.restore_version(tx, activity_id, 1, expected_version=2)
    assert result.missing_ksbs == ["K1"]


def test_deleted_page_lists_most_recently_deleted_first(db):
    ids = []
    for title in ("First", "Second", "Kept"):
        with db.transaction() as tx:
            ids.append(activity_store.create(tx, entry(title=title)))
    for activity_id in ids[:2]:
        with db.transaction() as tx:
            activity_store.soft_delete(tx, activity_id)
            # Deletions in the same second still come out newest first.
            tx.execute(
                "UPDATE activity SET deleted_at = ? WHERE id = ?",
                (f"2026-11-27T10:00:0{activity_id}Z", activity_id),
            )
    with db.connection() as conn:
        items, total = activity_store.deleted_page(conn)
    assert total == 2
    assert [a.title for a in items] == ["Second", "First"]


def test_diff_ignores_the_order_of_ksbs_and_tags():
    before = {
        "title": "A",
        "tags": ["x", "Y"],
        "ksbs": [
            {"standard": "S", "version": "1", "code": "K1"},
            {"standard": "S", "version": "1", "code": "K2"},
        ],
    }
    after = {"title": "A", "tags": ["Y", "x"], "ksbs": before["ksbs"][::-1]}
    assert diff(before, after) == {}
    assert diff(None, after) == {}
    assert diff(before, {**after, "title": "B"}) == {"title": ["A", "B"]}


def test_changes_are_described_the_way_the_form_shows_them():
    lines = describe(
        {
            "duration_minutes": [90, 150],
            "activity_date": ["2026-11-02", "2026-11-03"],
            "activity_type": ["mentoring", "workshop"],
            "ksbs": [["K1"], ["K1", "S2"]],
            "notes": ["", "secret"],
            "deleted": [False, True],
        }
    )
    assert [(line.label, line.old, line.new) for line in lines] == [
        ("Date", "2 Nov 2026", "3 Nov 2026"),
        ("Duration (hours)", "1.5 hours", "2.5 hours"),
        ("Activity type", "Mentoring", "Workshop"),
        ("Notes", "(empty)", "secret"),
        ("KSBs", "K1", "K1, S2"),
    ]
    assert [line.long for line in lines] == [False, False, False, True, False]


def test_confirming_a_draft_is_a_version_that_says_so(db):
    with db.transaction() as tx:
        draft = activity_store.create(tx, entry(), status="draft")
    with db.transaction() as tx:
        activity_store.confirm(tx, draft, expected_version=1)
    with db.connection() as conn:
        latest, first = history.for_activity(conn, draft)
    assert (first.action, first.snapshot["status"]) == ("created", "draft")
    assert (latest.version, latest.action, latest.changes) == (
        2,
        "updated",
        {"status": ["draft", "confirmed"]},
    )
    [line] = latest.lines
    assert (line.label, line.old, line.new) == ("Status", "Draft (not confirmed yet)", "Confirmed")


def test_restoring_an_earlier_version_keeps_a_confirmed_draft_confirmed(db):
    with db.transaction() as tx:
        draft = activity_store.create(tx, entry(), status="draft")
    with db.transaction() as tx:
        activity_store.confirm(tx, draft, expected_version=1)
    with db.transaction() as tx:
        activity_store.restore_version(tx, draft, 1, expected_version=2)
    with db.connection() as conn:
        assert activity_store.get(conn, draft).status == "confirmed"


def test_a_snapshot_from_before_drafts_means_confirmed():
    old = {"title": "A", "ksbs": [], "tags": []}  # no "status": history began before drafts
    assert diff(old, {**old, "status": "confirmed"}) == {}
    assert diff(old, {**old, "status": "draft"}) == {"status": [None, "draft"]}


# --- changes made from elsewhere: tags and a switch of standard version ----------------------


def tagged(db, *tags: str) -> int:
    with db.transaction() as tx:
        return activity_store.create(tx, entry(tags=tags))


def latest(db, activity_id):
    with db.connection() as conn:
        return history.for_activity(conn, activity_id)[0]


def stored_version(db, activity_id) -> int:
    with db.connection() as conn:
        return activity_store.get(conn, activity_id, include_deleted=True).version


def test_renaming_a_tag_is_a_version_of_each_activity_that_has_it(db):
    from otj_desktop.store import tags as tag_store

    first, second, other = tagged(db, "testing"), tagged(db, "testing", "api"), tagged(db, "api")
    with db.connection() as conn:
        tag_id = tag_store.find(conn, "testing").id
    with db.transaction() as tx:
        tag_store.rename(tx, tag_id, "unit testing")

    for activity_id in (first, second):
        assert stored_version(db, activity_id) == 2
        assert latest(db, activity_id).changes["tags"][1].count("unit testing") == 1
    assert latest(db, first).changes == {"tags": [["testing"], ["unit testing"]]}
    assert versions(db, other) == [(1, "created")]  # untouched
    # The next real edit is blamed for its own change only.
    with db.transaction() as tx:
        activity_store.update(
            tx, first, entry(title="Renamed", tags=("unit testing",)), expected_version=2
        )
    assert latest(db, first).changes == {"title": ["Pairing session", "Renamed"]}


def test_merging_or_deleting_a_tag_is_a_version_of_each_activity_that_had_it(db):
    from otj_desktop.store import tags as tag_store

    merged, deleted_from = tagged(db, "qa", "testing"), tagged(db, "old")
    with db.connection() as conn:
        qa, old = tag_store.find(conn, "qa").id, tag_store.find(conn, "old").id
    with db.transaction() as tx:
        tag_store.rename(tx, qa, "Testing")  # onto an existing tag: a merge
    with db.transaction() as tx:
        tag_store.delete(tx, old)

    assert latest(db, merged).changes == {"tags": [["qa", "testing"], ["testing"]]}
    assert latest(db, deleted_from).changes == {"tags": [["old"], []]}
    assert stored_version(db, merged) == stored_version(db, deleted_from) == 2


def test_a_tag_change_and_its_history_roll_back_together(db):
    from otj_desktop.store import tags as tag_store

    activity_id = tagged(db, "testing")
    with db.connection() as conn:
        tag_id = tag_store.find(conn, "testing").id
    with pytest.raises(RuntimeError), db.transaction() as tx:
        tag_store.delete(tx, tag_id)
        raise RuntimeError("power cut")
    assert versions(db, activity_id) == [(1, "created")]
    assert stored_version(db, activity_id) == 1


def test_switching_standard_version_is_a_version_of_each_linked_activity(db, with_standard):
    from otj_desktop.standards.importer import parse_standard
    from tests.conftest import standard_json

    newer = standard_json()
    newer["version"] = "1.1"
    with db.transaction() as tx:
        new_id = standard_store.add(tx, parse_standard(newer)).standard_id
    with db.transaction() as tx:
        linked = activity_store.create(tx, entry(ksb_ids=ksb_ids(db, with_standard, "K1", "S1")))
        unlinked = activity_store.create(tx, entry(title="No KSBs"))

    with db.transaction() as tx:
        standard_store.switch_version(tx, with_standard, new_id)

    assert versions(db, linked) == [(2, "updated"), (1, "created")]
    old_version = standard_json()["version"]
    assert latest(db, linked).changes == {
        "ksbs": [
            [f"K1 (version {old_version})", f"S1 (version {old_version})"],
            ["K1 (version 1.1)", "S1 (version 1.1)"],
        ]
    }
    assert versions(db, unlinked) == [(1, "created")]
