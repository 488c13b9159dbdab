"""Property-based tests of the app's smaller actions, with random and hostile input: tags
(rename, delete), attachments (open, remove), deleting for good (one, all), deleting a
template, "Back up now" and saving the evidence pack as a PDF.

Besides what every fuzzed endpoint must do (:func:`tests.fuzz_helpers.post_checked`: an
expected status, a refusal changes nothing, no injected markup), each action changes exactly
what it says and nothing else.
"""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from otj_desktop.domain.tags import clean_tag_name
from otj_desktop.store import activities as activity_store
from otj_desktop.store import templates as template_store
from otj_desktop.web.context import DesktopBridge
from tests.archive_helpers import fingerprint
from tests.conftest import TODAY, activity_form
from tests.fuzz_helpers import (
    assert_rendered_escaped,
    dateish,
    fuzz_settings,
    fuzzes,
    hostile_text,
    numberish,
    post_checked,
)
from tests.test_fuzz_forms import expected_activity, good_template_form

ids = st.one_of(st.integers(min_value=0, max_value=30), st.just(2**63 - 1))
# Fields no action reads, sent along to see that they are ignored.
stray_fields = st.dictionaries(
    st.sampled_from(["id", "version", "name", "next", "path", "sql", "../x"]),
    hostile_text,
    max_size=3,
)


def rows(db, sql: str, *args) -> list:
    with db.connection() as conn:
        return [tuple(r) for r in conn.execute(sql, args)]


def some_activities(app, *, tags=("testing", "TDD", "Agile")) -> None:
    """At least three live activities with tags, and two in Recently deleted."""
    db = app.extensions["otj"].db
    with db.transaction() as tx:
        live = tx.execute("SELECT count(*) FROM activity WHERE deleted_at IS NULL").fetchone()[0]
        gone = tx.execute("SELECT count(*) FROM activity WHERE deleted_at IS NOT NULL").fetchone()
        for _ in range(3 - live):
            activity_store.create(tx, expected_activity(app, activity_form(tags=", ".join(tags))))
        for _ in range(2 - gone[0]):
            activity_store.soft_delete(
                tx, activity_store.create(tx, expected_activity(app, activity_form()))
            )


@fuzzes("tags.rename", "tags.delete")
@fuzz_settings(120)
@given(action=st.sampled_from(["rename", "delete"]), pick=ids, name=hostile_text)
def test_fuzz_tag_actions(client, app, action, pick, name):
    db = app.extensions["otj"].db
    if len(rows(db, "SELECT id FROM tag")) < 3:  # the cases delete and merge them
        with db.transaction() as tx:
            activity_store.create(tx, expected_activity(app, activity_form(tags="a, b, c")))
    tag_ids = [r[0] for r in rows(db, "SELECT id FROM tag ORDER BY id")]
    tag_id = tag_ids[pick % len(tag_ids)] if pick < 20 else pick
    before = {r[0]: r[1] for r in rows(db, "SELECT id, name FROM tag")}

    response = post_checked(client, db, f"/tags/{tag_id}/{action}", {"name": name}, ok=(302,))

    after = {r[0]: r[1] for r in rows(db, "SELECT id, name FROM tag")}
    if response.status_code != 302 or tag_id not in before:
        assert after == before
        return
    if action == "delete":
        assert after == {k: v for k, v in before.items() if k != tag_id}
        return
    cleaned = clean_tag_name(name)  # accepted, so it is a tag name
    # Renamed, or merged into the tag of that name (names are unique whatever their case).
    assert cleaned.casefold() in {n.casefold() for n in after.values()}
    assert set(after) <= set(before)
    assert_rendered_escaped(client.get("/tags").get_data(as_text=True), [cleaned])


def an_attachment(client, app) -> tuple[int, int]:
    db = app.extensions["otj"].db
    found = rows(db, "SELECT activity_id, id FROM attachment ORDER BY id LIMIT 1")
    if found:
        return found[0]
    some_activities(app)
    activity_id = rows(db, "SELECT min(id) FROM activity WHERE deleted_at IS NULL")[0][0]
    client.post(
        f"/activities/{activity_id}/attachments",
        {"files": [(io.BytesIO(b"notes \xe2\x80\x94 <b>bold</b>\n"), "<notes>.txt")]},
        content_type="multipart/form-data",
    )
    return rows(db, "SELECT activity_id, id FROM attachment ORDER BY id LIMIT 1")[0]


@fuzzes("attachments.open_file", "attachments.remove")
@fuzz_settings(60)
@given(
    action=st.sampled_from(["open", "remove"]),
    wrong_activity=st.one_of(st.none(), st.none(), st.none(), ids),
    wrong_attachment=st.one_of(st.none(), st.none(), st.none(), ids),
    windows=st.booleans(),
    extra=stray_fields,
)
def test_fuzz_attachment_actions(
    client, app, action, wrong_activity, wrong_attachment, windows, extra
):
    db = app.extensions["otj"].db
    activity_id, attachment_id = an_attachment(client, app)
    activity_id = activity_id if wrong_activity is None else wrong_activity
    attachment_id = attachment_id if wrong_attachment is None else wrong_attachment
    opened = []
    app.extensions["otj"].desktop = DesktopBridge(
        has_windows=windows, open_path=lambda path: opened.append(path) or True
    )
    before = rows(db, "SELECT id, activity_id FROM attachment")

    response = post_checked(
        client,
        db,
        f"/activities/{activity_id}/attachments/{attachment_id}/{action}",
        extra,
        ok=(302,),
    )

    after = rows(db, "SELECT id, activity_id FROM attachment")
    if action == "open":
        assert after == before
        open_copies = app.extensions["otj_files"].open_copies
        assert all(path.resolve().is_relative_to(open_copies.resolve()) for path in opened)
    elif response.status_code == 302:
        assert after == [r for r in before if r != (attachment_id, activity_id)]
    location = response.headers.get("Location", "/")
    assert location.startswith("/") and not location.startswith("//")


@fuzzes("purge.purge_one", "purge.empty")
@fuzz_settings(60)
@given(action=st.sampled_from(["one", "one", "empty"]), pick=ids, extra=stray_fields)
def test_fuzz_deleting_for_good(client, app, action, pick, extra):
    db = app.extensions["otj"].db
    some_activities(app)
    live = rows(db, "SELECT id, version FROM activity WHERE deleted_at IS NULL ORDER BY id")
    deleted = [r[0] for r in rows(db, "SELECT id FROM activity WHERE deleted_at IS NOT NULL")]
    everyone = sorted([r[0] for r in live] + deleted)
    activity_id = everyone[pick % len(everyone)] if pick < 20 else pick
    path = (
        f"/activities/deleted/{activity_id}/purge"
        if action == "one"
        else "/activities/deleted/empty"
    )

    post_checked(client, db, path, extra, ok=(302,))

    # Live activities are never touched; only what was in Recently deleted (all of it, or the
    # one asked for) is gone, with its history.
    assert rows(db, "SELECT id, version FROM activity WHERE deleted_at IS NULL ORDER BY id") == live
    gone = set(deleted) if action == "empty" else {activity_id} & set(deleted)
    left = {r[0] for r in rows(db, "SELECT id FROM activity WHERE deleted_at IS NOT NULL")}
    assert left == set(deleted) - gone
    for purged in gone:
        assert rows(db, "SELECT 1 FROM activity_history WHERE activity_id = ?", purged) == []


@fuzzes("activity_templates.delete")
@fuzz_settings(40)
@given(pick=ids, extra=stray_fields)
def test_fuzz_deleting_templates(client, app, with_standard, pick, extra):
    from tests.test_fuzz_forms import expected_template

    db = app.extensions["otj"].db
    with db.transaction() as tx:
        if not template_store.all_templates(tx.conn):
            template_store.create(tx, expected_template(app, good_template_form()), today=TODAY)
    template_ids = [r[0] for r in rows(db, "SELECT id FROM activity_template")]
    template_id = template_ids[pick % len(template_ids)] if pick < 10 else pick

    post_checked(client, db, f"/templates/{template_id}/delete", extra, ok=(302,))

    left = {r[0] for r in rows(db, "SELECT id FROM activity_template")}
    assert left == set(template_ids) - {template_id}


@fuzzes("backups.back_up_now")
@fuzz_settings(12)
@given(extra=stray_fields)
def test_fuzz_back_up_now(client, app, extra):
    db = app.extensions["otj"].db
    before = fingerprint(db)

    post_checked(client, db, "/backups/now", extra, ok=(302,))

    assert fingerprint(db) == before  # a backup is a copy; the data is as it was
    assert_rendered_escaped(client.get("/backups").get_data(as_text=True), [])


pack_options = st.lists(
    st.tuples(
        st.sampled_from(["from", "to", "ksb", "descriptions", "name0", "job1", "page", "x"]),
        st.one_of(dateish, numberish, hostile_text),
    ),
    max_size=6,
)


@fuzzes("evidence_pack.save_pdf")
@fuzz_settings(25)
@given(
    options=pack_options,
    outcome=st.sampled_from(["no windows", "saved", "cancelled", "disk full"]),
)
def test_fuzz_saving_the_evidence_pack(client, app, with_standard, options, outcome):
    db = app.extensions["otj"].db
    some_activities(app)

    def save_file(name: str, data: bytes) -> str | None:
        assert data.startswith(b"%PDF-") and "/" not in name and "\\" not in name
        if outcome == "disk full":
            raise OSError(28, "No space left on device")
        return f"/home/sam/{name}" if outcome == "saved" else None

    app.extensions["otj"].desktop = DesktopBridge(
        has_windows=outcome != "no windows", save_file=save_file
    )
    before = fingerprint(db)
    form = {}
    for key, value in options:
        form.setdefault(key, []).append(value)

    response = post_checked(client, db, "/evidence-pack/save-pdf", form, ok=(200, 302))

    assert fingerprint(db) == before  # saving a PDF never writes to the data
    if response.status_code == 200:
        assert outcome == "no windows" and response.data.startswith(b"%PDF-")
    else:
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert_rendered_escaped(page, [])
