"""The standards store: adding, hand edits that never renumber, and switching versions."""

from __future__ import annotations

from datetime import date

import pytest

from otj_desktop.domain.activities import ActivityInput
from otj_desktop.standards.importer import parse_standard
from otj_desktop.store import activities as activity_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as store
from tests.conftest import standard_json

V1_0 = "standard_st9999_v1_0.json"
V1_1 = "standard_st9999_v1_1.json"

# Official ids in the test files (see tests/data): what each statement is, whatever its code.
HEALTH_AND_SAFETY = "7062c4e4-868a-5b4d-b1e5-8d8765657e48"  # K3 in v1.0, K4 in v1.1
STOCK_CONTROL = "cc8398e9-061b-501b-a86b-86f82a3807e9"  # K6 in v1.0, gone in v1.1
FIND_FAULTS = "3bc3942c-e524-552e-b68b-4ac231e34caa"  # S3 in v1.0, S4 in v1.1
ASSEMBLE = "13e4562a-c95c-503f-9672-0faa4d7f9c7d"  # S1 in both, reworded in v1.1


@pytest.fixture
def events(db):
    seen = []
    db.add_listener(seen.extend)
    return seen


def dump(db) -> list[str]:
    with db.connection() as conn:
        return list(conn.iterdump())


def add(db, name: str = V1_0, *, source: str = "official", choose: bool = False) -> int:
    with db.transaction() as tx:
        standard_id = store.add(tx, parse_standard(standard_json(name), source=source)).standard_id
        if choose:
            profile_store.set_standard(tx, standard_id)
    return standard_id


def ksb(db, standard_id: int, code: str) -> store.Ksb:
    with db.connection() as conn:
        return next(k for k in store.ksbs(conn, standard_id) if k.code == code)


def log(db, *ksb_ids: int, title: str = "Workshop") -> int:
    data = ActivityInput(
        title=title,
        activity_date=date(2026, 11, 2),
        duration_minutes=60,
        activity_type="workshop",
        ksb_ids=tuple(ksb_ids),
    )
    with db.transaction() as tx:
        return activity_store.create(tx, data)


def links(db, activity_id: int) -> set[int]:
    with db.connection() as conn:
        rows = conn.execute("SELECT ksb_id FROM activity_ksb WHERE activity_id = ?", (activity_id,))
        return {r[0] for r in rows}


def codes(db, standard_id: int) -> list[str]:
    with db.connection() as conn:
        return [k.code for k in store.ksbs(conn, standard_id)]


# --- adding ------------------------------------------------------------------------------------


def test_adding_the_same_standard_and_version_twice_changes_nothing(db, events):
    first = add(db)
    before = dump(db)
    announced = len(events)

    with db.transaction() as tx:
        again = store.add(tx, parse_standard(standard_json()))

    assert again == store.AddResult(first, created=False)
    assert dump(db) == before
    assert len(events) == announced


def test_adding_a_standard_announces_standard_saved(db, events):
    standard_id = add(db)
    assert [(c.kind, c.data["id"]) for c in events] == [("standard_saved", standard_id)]


def test_official_file_replaces_catalogue_summaries_of_the_same_version_keeping_links(db):
    standard_id = add(db, source="catalogue")
    k3 = ksb(db, standard_id, "K3")
    assert k3.official_id is None  # catalogue ids are ours, never kept
    activity = log(db, k3.id)

    with db.transaction() as tx:
        result = store.add(tx, parse_standard(standard_json()))

    assert result == store.AddResult(standard_id, created=False, replaced_summaries=True)
    after = ksb(db, standard_id, "K3")
    assert (after.id, after.official_id) == (k3.id, HEALTH_AND_SAFETY)
    assert links(db, activity) == {k3.id}
    with db.connection() as conn:
        assert store.get(conn, standard_id).source == "official"


# --- hand edits --------------------------------------------------------------------------------


def manual_with(db, *statements: tuple[str, str]) -> tuple[int, dict[str, int]]:
    ids = {}
    with db.transaction() as tx:
        standard_id = store.create_manual(tx, title="My standard")
        for category, statement in statements:
            ksb_id = store.add_ksb(tx, standard_id, category, statement, None)
            ids[store.get_ksb(tx.conn, ksb_id).code] = ksb_id
    return standard_id, ids


def test_hand_added_ksbs_get_the_next_code_in_their_own_category(db):
    standard_id, ids = manual_with(
        db,
        ("knowledge", "Know one"),
        ("skill", "Do one"),
        ("knowledge", "Know two"),
        ("behaviour", "Be one"),
    )
    assert list(ids) == ["K1", "S1", "K2", "B1"]
    assert codes(db, standard_id) == ["K1", "K2", "S1", "B1"]


def test_a_deleted_code_is_never_given_out_again(db):
    standard_id, ids = manual_with(db, *[("knowledge", f"Know {n}") for n in range(1, 4)])

    with db.transaction() as tx:
        store.delete_ksb(tx, ids["K3"])  # the highest code: the easy one to reuse by mistake
        store.delete_ksb(tx, ids["K1"])
    with db.transaction() as tx:
        new = store.get_ksb(tx.conn, store.add_ksb(tx, standard_id, "knowledge", "Know 4", None))

    assert new.code == "K4"
    assert codes(db, standard_id) == ["K2", "K4"]
    with db.connection() as conn:
        assert store.next_codes(conn, standard_id) == {
            "knowledge": "K5",
            "skill": "S1",
            "behaviour": "B1",
        }


def test_editing_a_ksb_keeps_its_id_code_and_links(db, events):
    standard_id, ids = manual_with(db, ("knowledge", "Know one"), ("knowledge", "Know two"))
    activity = log(db, ids["K2"])

    with db.transaction() as tx:
        store.update_ksb(tx, ids["K2"], statement="Know two, better put", title="Two")
        store.delete_ksb(tx, ids["K1"])
        store.add_ksb(tx, standard_id, "knowledge", "Know three", None)

    edited = ksb(db, standard_id, "K2")
    assert (edited.id, edited.title, edited.statement) == (ids["K2"], "Two", "Know two, better put")
    assert links(db, activity) == {ids["K2"]}
    assert codes(db, standard_id) == ["K2", "K3"]
    assert events[-1].kind == "standard_saved" and events[-1].data["id"] == standard_id


def test_a_ksb_linked_to_an_activity_cannot_be_deleted(db):
    _standard_id, ids = manual_with(db, ("skill", "Do one"))
    activity = log(db, ids["S1"])
    before = dump(db)

    refused = r"^S1 cannot be removed because 1 activity links"
    with pytest.raises(store.KsbInUse, match=refused), db.transaction() as tx:
        store.delete_ksb(tx, ids["S1"])

    assert dump(db) == before
    assert links(db, activity) == {ids["S1"]}


def test_a_ksb_linked_only_from_a_deleted_activity_is_kept_for_its_restore(db):
    _standard_id, ids = manual_with(db, ("skill", "Do one"))
    activity = log(db, ids["S1"])
    with db.transaction() as tx:
        activity_store.soft_delete(tx, activity)

    refused = "1 deleted activity, which could still be restored"
    with pytest.raises(store.KsbInUse, match=refused), db.transaction() as tx:
        store.delete_ksb(tx, ids["S1"])


def test_only_a_hand_made_standard_has_editable_details(db, events):
    official = add(db)
    manual, _ = manual_with(db)

    with pytest.raises(store.NotEditable), db.transaction() as tx:
        store.update_details(tx, official, title="Renamed", level=2, minimum_hours=10)
    with db.transaction() as tx:
        store.update_details(tx, manual, title="Renamed", level=2, minimum_hours=300.5)

    with db.connection() as conn:
        assert store.get(conn, official).title == "Example widget technician"
        renamed = store.get(conn, manual)
    assert (renamed.title, renamed.level, renamed.minimum_hours) == ("Renamed", 2, 300.5)
    assert events[-1].kind == "standard_saved" and events[-1].data["id"] == manual


# --- counts ------------------------------------------------------------------------------------


def test_link_counts_ignore_deleted_activities(db):
    standard_id = add(db)
    k1, k2 = ksb(db, standard_id, "K1").id, ksb(db, standard_id, "K2").id
    log(db, k1, k2)
    gone = log(db, k1)
    with db.transaction() as tx:
        activity_store.soft_delete(tx, gone)

    with db.connection() as conn:
        assert store.link_counts(conn, standard_id) == {k1: 1, k2: 1}


# --- switching version -------------------------------------------------------------------------


def test_switching_version_moves_links_by_official_id_and_keeps_the_unmapped(db, events):
    old = add(db, choose=True)
    new = add(db, V1_1)
    old_k3, old_k6 = ksb(db, old, "K3"), ksb(db, old, "K6")
    old_s3, old_s1 = ksb(db, old, "S3"), ksb(db, old, "S1")
    safety, stock, faults, assemble = (
        log(db, old_k3.id),
        log(db, old_k6.id),
        log(db, old_s3.id),
        log(db, old_s1.id),
    )

    with db.transaction() as tx:
        mapping = store.switch_version(tx, old, new)

    # Same official id, new code: health and safety is K4 now, finding faults S4.
    assert links(db, safety) == {ksb(db, new, "K4").id}
    assert ksb(db, new, "K4").official_id == HEALTH_AND_SAFETY
    assert links(db, faults) == {ksb(db, new, "S4").id}
    assert ksb(db, new, "S4").official_id == FIND_FAULTS
    # Reworded, same id: still S1.
    assert links(db, assemble) == {ksb(db, new, "S1").id}
    # Removed in v1.1: not mapped to the new K6 (a different statement), link kept on the old.
    assert links(db, stock) == {old_k6.id}
    assert [k.official_id for k in mapping.unmapped] == [STOCK_CONTROL]
    assert mapping.by_code == {}
    with db.connection() as conn:
        assert profile_store.get(conn).standard_id == new
        stranded = store.stranded_links(conn, new)
    assert [(s.ksb.id, [a.id for a in s.activities]) for s in stranded] == [(old_k6.id, [stock])]
    assert {c.kind for c in events[-2:]} == {"standard_saved", "profile_saved"}


def test_switch_plan_lists_linked_ksbs_with_how_they_move_and_their_counts(db):
    old = add(db, choose=True)
    new = add(db, V1_1)
    old_k3, old_k6, old_s1 = ksb(db, old, "K3"), ksb(db, old, "K6"), ksb(db, old, "S1")
    log(db, old_k3.id, old_k6.id)
    log(db, old_k3.id, old_s1.id)
    deleted = log(db, old_k6.id)
    with db.transaction() as tx:
        activity_store.soft_delete(tx, deleted)

    with db.connection() as conn:
        plan = store.plan_switch(conn, old, new)

    moved = [
        (m.old.code, m.new.code, m.by, m.activities, m.recoded, m.reworded) for m in plan.moved
    ]
    assert moved == [
        ("K3", "K4", "official_id", 2, True, False),
        ("S1", "S1", "official_id", 1, False, True),
    ]
    assert [(u.ksb.code, u.activities) for u in plan.unmapped] == [("K6", 1)]
    assert plan.unlinked == 14 - 3
    assert [k.code for k in plan.added] == ["K3"]  # waste and the environment, new in v1.1
    assert plan.same_standard


def test_switching_from_a_version_without_official_ids_matches_by_code(db):
    old = add(db, source="catalogue", choose=True)
    new = add(db, V1_1)
    activity = log(db, ksb(db, old, "K3").id)

    with db.connection() as conn:
        plan = store.plan_switch(conn, old, new)
    with db.transaction() as tx:
        store.switch_version(tx, old, new)

    assert [(m.old.code, m.new.code, m.by) for m in plan.moved] == [("K3", "K3", "code")]
    assert links(db, activity) == {ksb(db, new, "K3").id}


def test_switching_to_a_different_standard_moves_no_links(db):
    old = add(db, choose=True)
    other, _ids = manual_with(db, ("knowledge", "Know one"))
    activity = log(db, ksb(db, old, "K1").id)

    with db.transaction() as tx:
        mapping = store.switch_version(tx, old, other)

    assert mapping.moves == {}
    assert links(db, activity) == {ksb(db, old, "K1").id}
    with db.connection() as conn:
        assert [s.ksb.code for s in store.stranded_links(conn, other)] == ["K1"]
