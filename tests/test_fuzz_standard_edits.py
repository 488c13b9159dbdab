"""Property-based tests of editing standards by hand: KSBs (add, change, remove), a hand-made
standard's details, and switching standard, with random and hostile input.

Besides what every fuzzed endpoint must do (:func:`tests.fuzz_helpers.post_checked`), an
accepted edit stores exactly what the validation returns, and the edit page shows it escaped.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from otj_desktop.domain.standard_edits import (
    KSB_CATEGORIES,
    InvalidStandardEdit,
    validate_details,
    validate_ksb,
)
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from tests.conftest import activity_form
from tests.fuzz_helpers import (
    assert_rendered_escaped,
    fuzz_settings,
    fuzzes,
    hostile_text,
    numberish,
    post_checked,
    shown_statement,
)

NO_SUCH_ID = 987_654


def standards_of(client, app, imported: int) -> dict[str, int]:
    """The imported standard, a hand-made one (made on first use, given KSBs again when the
    cases have removed most of them) and an id that is no standard. The imported one's first
    KSB gets an activity linked to it, so it cannot be removed."""
    db = app.extensions["otj"].db
    with db.transaction() as tx:
        row = tx.execute("SELECT id FROM standard WHERE source = 'manual'").fetchone()
        manual = row[0] if row else standard_store.create_manual(tx, title="Mine")
        if len(standard_store.ksbs(tx.conn, manual)) < 3:  # the cases remove them too
            for category in KSB_CATEGORIES:
                standard_store.add_ksb(tx, manual, category, f"A {category}.", None)
    with db.connection() as conn:
        linked = conn.execute("SELECT count(*) FROM activity_ksb").fetchone()[0]
        first = standard_store.ksbs(conn, imported)[0].id
    if not linked:
        client.post("/activities/new", {**activity_form(), "ksb_ids": [str(first)]})
    return {"imported": imported, "manual": manual, "missing": NO_SUCH_ID}


def check_edit_page_escapes(client, standard_id: int, ksb: standard_store.Ksb) -> None:
    page = client.get(f"/standards/{standard_id}/edit").get_data(as_text=True)
    assert_rendered_escaped(page, [ksb.title or "", shown_statement(ksb)])


good_statement = st.sampled_from(
    ["Knows how to write tests.", "Agile ways of working: scrum, kanban.", "Uses <git> & CI."]
)
ksb_forms = st.fixed_dictionaries(
    {},
    optional={
        "category": st.one_of(st.sampled_from(KSB_CATEGORIES), hostile_text),
        "ksb_title": hostile_text,
        "statement": st.one_of(good_statement, hostile_text),
    },
)


@fuzzes("standards.add_ksb", "standards.update_ksb", "standards.delete_ksb")
@fuzz_settings(200)
@given(
    action=st.sampled_from(["add", "update", "delete"]),
    which=st.sampled_from(["imported", "manual", "manual", "missing"]),
    own=st.integers(min_value=0, max_value=9),
    ksb_pick=st.integers(min_value=0, max_value=40),
    form=ksb_forms,
)
def test_fuzz_ksb_edits(client, app, with_standard, action, which, own, ksb_pick, form):
    db = app.extensions["otj"].db
    standard_id = standards_of(client, app, with_standard)[which]
    with db.connection() as conn:
        ids_before = {r[0] for r in conn.execute("SELECT id FROM ksb")}
        mine = [k.id for k in standard_store.ksbs(conn, standard_id)]
    # Mostly one of this standard's KSBs; else another standard's, or no KSB at all.
    if own < 7 and mine:
        ksb_id = mine[ksb_pick % len(mine)]
    else:
        ksb_id = sorted(ids_before)[ksb_pick % len(ids_before)] if own < 9 else NO_SUCH_ID
    with db.connection() as conn:
        exists = action != "add" and ksb_id in ids_before
        target = standard_store.get_ksb(conn, ksb_id) if exists else None
    path = {
        "add": f"/standards/{standard_id}/ksbs",
        "update": f"/standards/{standard_id}/ksbs/{ksb_id}",
        "delete": f"/standards/{standard_id}/ksbs/{ksb_id}/delete",
    }[action]
    response = post_checked(client, db, path, form, ok=(302,))

    if response.status_code != 302:
        return
    with db.connection() as conn:
        ids_after = {r[0] for r in conn.execute("SELECT id FROM ksb")}
    if action == "delete":
        assert ids_after == ids_before - {ksb_id}
        assert target is not None and target.standard_id == standard_id
        return
    expected = validate_ksb(form, category=target.category if target else None)
    with db.connection() as conn:
        if action == "add":
            (new_id,) = ids_after - ids_before
            ksb = standard_store.get_ksb(conn, new_id)
            assert ksb.category == expected.category
        else:
            assert ids_after == ids_before
            ksb = standard_store.get_ksb(conn, ksb_id)
    assert ksb.standard_id == standard_id
    assert (ksb.title, ksb.statement) == (expected.title, expected.statement)
    check_edit_page_escapes(client, standard_id, ksb)


details_overrides = st.fixed_dictionaries(
    {},
    optional={
        "title": hostile_text,
        "level": st.one_of(st.integers(min_value=-1, max_value=9).map(str), numberish),
        "minimum_hours": numberish,
    },
)
# A good form with a hostile title (mostly saved: tests storage and escaping), one with any
# fields spoilt, and one made up from nothing.
details_forms = st.one_of(
    hostile_text.map(lambda t: {"title": t, "level": "4", "minimum_hours": "400"}),
    details_overrides.map(lambda o: {"title": "My standard", "level": "4", **o}),
    details_overrides,
)


@fuzzes("standards.save_details")
@fuzz_settings(100)
@given(which=st.sampled_from(["imported", "manual", "manual", "missing"]), form=details_forms)
def test_fuzz_standard_details(client, app, with_standard, which, form):
    db = app.extensions["otj"].db
    standard_id = standards_of(client, app, with_standard)[which]

    response = post_checked(client, db, f"/standards/{standard_id}/details", form, ok=(302,))

    try:
        expected = validate_details(form)
    except InvalidStandardEdit:
        assert response.status_code in (404, 422)
        return
    if which != "manual":  # only a hand-made standard's details can be changed
        assert response.status_code == 404
        return
    assert response.status_code == 302
    with db.connection() as conn:
        stored = standard_store.get(conn, standard_id)
    assert (stored.title, stored.level, stored.minimum_hours) == (
        expected.title,
        expected.level,
        expected.minimum_hours,
    )
    page = client.get(f"/standards/{standard_id}/edit").get_data(as_text=True)
    assert_rendered_escaped(page, [stored.title])


@fuzzes("standards.switch")
@fuzz_settings(60)
@given(
    which=st.sampled_from(["imported", "manual", "missing"]),
    from_id=st.one_of(st.just("current"), numberish),
)
def test_fuzz_switching_standard(client, app, with_standard, which, from_id):
    db = app.extensions["otj"].db
    target = standards_of(client, app, with_standard)[which]
    with db.connection() as conn:
        current = profile_store.get(conn).standard_id
    sent = str(current) if from_id == "current" else from_id

    response = post_checked(
        client, db, f"/standards/{target}/switch", {"from_id": sent}, ok=(200, 302)
    )

    with db.connection() as conn:
        now = profile_store.get(conn).standard_id
    if response.status_code == 302:
        assert now == target  # switched, or was already the standard
    else:
        assert now == current
    assert client.get("/standard").status_code == 200
