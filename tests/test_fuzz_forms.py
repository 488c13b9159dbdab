"""Property-based tests of every form with random and hostile input, through the Flask app.

For every request: never a server error (the test app propagates exceptions, so a crash fails
the case loudly); a refused request changes nothing at all (every row of every table is
compared); an accepted one stores exactly what the validation rules say, completely (links,
tags and its history row); and whatever was stored comes back escaped on the pages that show it.
"""

from __future__ import annotations

import io
import json
import re

from hypothesis import event, example, given
from hypothesis import strategies as st

from otj_desktop.domain.activities import EVIDENCE_QUALITY, validate_activity
from otj_desktop.domain.activity_types import ACTIVITY_TYPES
from otj_desktop.domain.profile import validate_profile
from otj_desktop.domain.templates import validate_template
from otj_desktop.store import activities as activity_store
from otj_desktop.store import history as history_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.store import templates as template_store
from tests.archive_helpers import fingerprint
from tests.conftest import TODAY, activity_form, standard_json
from tests.fuzz_helpers import (
    assert_rendered_escaped,
    dateish,
    fuzz_settings,
    fuzzes,
    hostile_text,
    json_documents,
    numberish,
    plan_dateish,
    shown_statement,
    timeish,
)

REFUSED = (400, 404, 409, 413, 422)


def token_of(client) -> str:
    return client.csrf_token()


def db_of(app):
    return app.extensions["otj"].db


ksb_choice = st.one_of(st.integers(min_value=-2, max_value=40).map(str), hostile_text)

activity_overrides = st.fixed_dictionaries(
    {},
    optional={
        "title": hostile_text,
        "activity_date": dateish,
        "duration_hours": numberish,
        "start_time": timeish,
        "end_time": timeish,
        "activity_type": st.one_of(st.sampled_from([t.key for t in ACTIVITY_TYPES]), hostile_text),
        "description": hostile_text,
        "notes": hostile_text,
        "delivered_by": hostile_text,
        "location": hostile_text,
        "hours_basis": st.one_of(st.sampled_from(["paid", "toil"]), hostile_text),
        "evidence_quality": st.one_of(st.sampled_from(list(EVIDENCE_QUALITY)), hostile_text),
        "tags": st.one_of(hostile_text, st.lists(hostile_text, max_size=25).map(", ".join)),
        "ksb_ids": st.lists(ksb_choice, max_size=6),
    },
)
TEXT_FIELDS = ["title", "description", "notes", "delivered_by", "location", "tags"]
# A third are a good entry with one text field made hostile (mostly saved: tests storage and
# escaping), a third a good entry with any fields spoilt, a third made up from nothing.
activity_forms = st.one_of(
    st.tuples(st.sampled_from(TEXT_FIELDS), hostile_text).map(
        lambda kv: {**activity_form(), kv[0]: kv[1]}
    ),
    activity_overrides.map(lambda o: {**activity_form(), **o}),
    activity_overrides,
)


def expected_activity(app, form: dict):
    fields = {k: v for k, v in form.items() if k != "ksb_ids"}
    with db_of(app).connection() as conn:
        known = standard_store.ksb_ids(conn, profile_store.get(conn).standard_id)
    return validate_activity(fields, form.get("ksb_ids", []), today=TODAY, known_ksb_ids=known)


def check_stored(app, activity_id: int, form: dict, *, version: int, action: str) -> None:
    expected = expected_activity(app, form)
    with db_of(app).connection() as conn:
        stored = activity_store.get(conn, activity_id)
        entries = history_store.for_activity(conn, activity_id)
    assert (stored.title, stored.activity_date, stored.duration_minutes) == (
        expected.title,
        expected.activity_date,
        expected.duration_minutes,
    )
    assert (stored.start_time, stored.end_time, stored.activity_type) == (
        expected.start_time,
        expected.end_time,
        expected.activity_type,
    )
    assert (stored.description, stored.notes, stored.delivered_by, stored.location) == (
        expected.description,
        expected.notes,
        expected.delivered_by,
        expected.location,
    )
    assert (stored.hours_basis, stored.evidence_quality) == (
        expected.hours_basis,
        expected.evidence_quality,
    )
    assert sorted(k.id for k in stored.ksbs) == sorted(expected.ksb_ids)
    assert sorted(stored.tags, key=str.casefold) == sorted(expected.tags, key=str.casefold)
    assert stored.version == version
    assert (entries[0].version, entries[0].action) == (version, action)


def shown_values(activity) -> list[str]:
    return [
        activity.title,
        activity.description,
        activity.notes,
        activity.delivered_by,
        activity.location,
        *activity.tags,
    ]


def check_pages_escape(client, app, activity_id: int) -> None:
    with db_of(app).connection() as conn:
        stored = activity_store.get(conn, activity_id)
    for path in (f"/activities/{activity_id}", "/activities", "/"):
        page = client.get(path).get_data(as_text=True)
        if path == f"/activities/{activity_id}":
            values = shown_values(stored)
        else:  # lists show the title, if the entry is on their first page
            values = [stored.title] if f'href="/activities/{activity_id}"' in page else []
        assert_rendered_escaped(page, values)


@fuzzes("activities.create")
@fuzz_settings(350)
@given(form=activity_forms)
def test_fuzz_new_activity_form(client, app, with_standard, form):
    db = db_of(app)
    form = {**form, "csrf_token": token_of(client)}
    before = fingerprint(db)
    response = client.post("/activities/new", form)
    event(f"status {response.status_code}")
    assert response.status_code in (302, *REFUSED), response.status_code
    if response.status_code != 302:
        assert fingerprint(db) == before
        return
    activity_id = int(response.headers["Location"].rsplit("/", 1)[1])
    check_stored(app, activity_id, form, version=1, action="created")
    check_pages_escape(client, app, activity_id)


@fuzzes("activities.update")
@fuzz_settings(250)
@given(form=activity_forms, version=st.one_of(st.just("current"), numberish))
def test_fuzz_edit_activity_form(client, app, with_standard, form, version):
    db = db_of(app)
    with db.transaction() as tx:
        if not tx.execute("SELECT 1 FROM activity WHERE deleted_at IS NULL").fetchone():
            activity_store.create(tx, expected_activity(app, activity_form()))
        activity_id, current = tx.execute(
            "SELECT id, version FROM activity WHERE deleted_at IS NULL ORDER BY id LIMIT 1"
        ).fetchone()
    sent_version = str(current) if version == "current" else version
    form = {**form, "version": sent_version, "csrf_token": token_of(client)}
    before = fingerprint(db)
    response = client.post(f"/activities/{activity_id}/edit", form)
    event(f"status {response.status_code}")
    assert response.status_code in (302, *REFUSED), response.status_code
    if response.status_code != 302:
        assert fingerprint(db) == before
        return
    check_stored(app, activity_id, form, version=current + 1, action="updated")
    check_pages_escape(client, app, activity_id)


big_ints = st.one_of(st.integers(min_value=-5, max_value=50), st.integers(min_value=2**62))


@fuzzes("activities.delete", "history.undelete", "history.restore_version")
@fuzz_settings(200)
@given(
    action=st.sampled_from(["delete", "undelete", "restore"]),
    activity_id=big_ints,
    number=big_ints,
    version=numberish,
)
def test_fuzz_delete_and_restore_actions(client, app, action, activity_id, number, version):
    db = db_of(app)
    with db.transaction() as tx:
        if tx.execute("SELECT count(*) FROM activity").fetchone()[0] < 3:
            activity_store.create(tx, expected_activity(app, activity_form()))
    path = {
        "delete": f"/activities/{activity_id}/delete",
        "undelete": f"/activities/{activity_id}/undelete",
        "restore": f"/activities/{activity_id}/versions/{number}/restore",
    }[action]
    before = fingerprint(db)
    response = client.post(path, {"version": version, "csrf_token": token_of(client)})
    event(f"status {response.status_code}")
    assert response.status_code in (302, 404, 405), response.status_code
    if response.status_code != 302:
        assert fingerprint(db) == before
    with db.connection() as conn:
        orphans = conn.execute(
            """SELECT count(*) FROM activity a WHERE NOT EXISTS (SELECT 1 FROM activity_history h
               WHERE h.activity_id = a.id AND h.version = a.version)"""
        ).fetchone()[0]
    assert orphans == 0


profile_forms = st.fixed_dictionaries(
    {},
    optional={
        "name": hostile_text,
        "start_date": plan_dateish,
        "practical_end_date": plan_dateish,
        "weekly_contracted_hours": numberish,
        "working_days_per_week": numberish,
        "planned_otj_hours": numberish,
        "rpl_hours": numberish,
        "weekly_target_hours": numberish,
        "training_target_hours": numberish,
        "plan_minimum_hours": numberish,
        "action": st.sampled_from(["save", "calculate"]),
    },
)


@fuzzes("profile.save")
@fuzz_settings(200)
@given(form=profile_forms)
def test_fuzz_profile_form(client, app, with_standard, form):
    db = db_of(app)
    before = fingerprint(db)
    response = client.post("/profile", {**form, "csrf_token": token_of(client)})
    event(f"status {response.status_code}")
    assert response.status_code in (200, 302, *REFUSED), response.status_code
    if response.status_code != 302:  # refused, or only worked out ("calculate")
        assert fingerprint(db) == before
        assert_rendered_escaped(response.get_data(as_text=True), [])
        return
    expected = validate_profile(form)
    with db.connection() as conn:
        stored = profile_store.get(conn)
    assert stored.name == expected.name
    assert (stored.start_date, stored.practical_end_date) == (
        expected.start_date,
        expected.practical_end_date,
    )
    assert stored.rpl_hours == expected.rpl_hours
    assert stored.weekly_target_hours == expected.weekly_target_hours
    assert stored.training_target_hours == expected.training_target_hours
    assert stored.plan_minimum_hours == expected.plan_minimum_hours
    assert client.get("/").status_code == 200  # whatever dates were saved
    page = client.get("/profile").get_data(as_text=True)
    assert_rendered_escaped(page, [stored.name])


json_values = json_documents(st.none() | st.booleans() | st.integers() | st.floats() | hostile_text)


def spoiled_standard(draw_path: list, value) -> bytes:
    document = standard_json()
    target = document
    for step in draw_path[:-1]:
        target = target[step]
    target[draw_path[-1]] = value
    return json.dumps(document).encode()


standard_files = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.tuples(
        st.sampled_from(
            [
                ["referenceNumber"],
                ["title"],
                ["version"],
                ["level"],
                ["minimumHoursForCompliance"],
                ["knowledges"],
                ["knowledges", 0, "detail"],
                ["knowledges", 0, "knowledgeId"],
                ["skills", 1, "detail"],
                ["behaviours"],
            ]
        ),
        json_values,
    ).map(lambda pv: spoiled_standard(*pv)),
)


@fuzzes("standards.import_file")
@fuzz_settings(150)
@given(
    content=standard_files,
    filename=st.one_of(st.just("standard.json"), hostile_text.filter(lambda s: "\x00" not in s)),
)
def test_fuzz_standard_import_upload(client, app, content, filename):
    db = db_of(app)
    before = fingerprint(db)
    response = client.post(
        "/standards/import",
        {"standard_file": (io.BytesIO(content), filename), "csrf_token": token_of(client)},
        content_type="multipart/form-data",
    )
    event(f"status {response.status_code}")
    assert response.status_code in (302, *REFUSED), response.status_code
    if response.status_code != 302:
        assert fingerprint(db) == before
        return
    with db.connection() as conn:
        profile = profile_store.get(conn)
        assert profile.standard_id is not None
        standard = standard_store.get(conn, profile.standard_id)
        ksbs = standard_store.ksbs(conn, standard.id)
    page = client.get("/standard").get_data(as_text=True)
    assert_rendered_escaped(page, [standard.title, *(shown_statement(k) for k in ksbs)])


@fuzzes("standards.create_manual", "standards.choose_from_catalogue")
@fuzz_settings(150)
@given(
    route=st.sampled_from(["/standards/manual", "/standards/catalogue"]),
    value=hostile_text,
)
def test_fuzz_standard_manual_and_catalogue_forms(client, app, route, value):
    db = db_of(app)
    before = fingerprint(db)
    field = "title" if route.endswith("manual") else "key"
    response = client.post(route, {field: value, "csrf_token": token_of(client)})
    event(f"status {response.status_code}")
    assert response.status_code in (302, *REFUSED), response.status_code
    if response.status_code != 302:
        assert fingerprint(db) == before
        return
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    if field == "title":  # the new standard's edit page shows its (cleaned) title escaped
        with db.connection() as conn:
            title = conn.execute("SELECT title FROM standard ORDER BY id DESC").fetchone()[0]
        assert_rendered_escaped(page, [title])


@fuzzes("backups.save_settings", "backups.restore")
@fuzz_settings(150)
@given(
    folder=st.one_of(
        hostile_text, st.sampled_from(["/", "/tmp", "/proc", "/nonexistent/x", "~", "~nobody0"])
    ),
    name=st.one_of(hostile_text, st.sampled_from(["otj.sqlite3", "..", "manual-x.sqlite3"])),
)
def test_fuzz_backup_forms(client, app, folder, name):
    db = db_of(app)
    token = token_of(client)
    response = client.post("/backups/settings", {"copy_folder": folder, "csrf_token": token})
    assert response.status_code in (302, 422), response.status_code
    page = client.get("/backups").get_data(as_text=True)
    assert_rendered_escaped(page, [])
    # Never leave a random folder chosen: no backup of this test may be copied anywhere odd.
    client.post("/backups/settings", {"copy_folder": "", "csrf_token": token})
    before = fingerprint(db)
    quoted = name.replace("%", "%25").replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
    for method in (client.get, client.post):
        kwargs = {"data": {"csrf_token": token}} if method == client.post else {}
        status = method(f"/backups/{quoted}/restore", **kwargs).status_code
        assert status in (404, 405, 308), status
    assert fingerprint(db) == before


@fuzzes("history.deleted", "ksbs.show")
@fuzz_settings(120)
@given(
    path=st.sampled_from(
        ["/activities", "/activities/deleted", "/backups", "/", "/standard", "/ksbs/1"]
    ),
    page=st.one_of(numberish, st.integers(min_value=2**62).map(str)),
)
def test_fuzz_query_strings_on_list_pages(client, with_standard, path, page):
    response = client.get(path, query_string={"page": page})
    assert response.status_code in (200, 302, 404)


# Every filter of the activity list, as the list and the CSV export read them from the URL;
# ids past what SQLite holds and digits int() refuses ("²") once gave 500s here.
row_idish = st.one_of(
    numberish,
    st.sampled_from(["²", "١٢", "9" * 20, str(2**63), str(2**63 - 1), "0", "-1", " 1"]),
)
list_filters = st.fixed_dictionaries(
    {},
    optional={
        "ksb": row_idish,
        "type": hostile_text,
        "tag": hostile_text,
        "quality": hostile_text,
        "from": dateish,
        "to": dateish,
        "q": hostile_text,
        "drafts": hostile_text,
        "page": row_idish,
    },
)


@fuzzes("activities.index", "activities.export_csv")
@fuzz_settings(150)
@given(path=st.sampled_from(["/activities", "/activities/export.csv"]), args=list_filters)
@example(path="/activities", args={"ksb": "²"})  # the 500s found by review, always tried
@example(path="/activities/export.csv", args={"ksb": "9" * 20})
@example(path="/activities", args={"ksb": str(2**63), "page": str(2**63)})
def test_fuzz_the_activity_list_filters_and_the_csv_export(client, with_standard, path, args):
    response = client.get(path, query_string=args)
    body = response.get_data(as_text=True)  # the CSV streams: read it to the end
    assert response.status_code in (200, 302, 422), response.status_code
    if path == "/activities":
        assert_rendered_escaped(body, [])


@fuzz_settings(150)
@given(
    path=st.sampled_from(
        [
            "/activities/new",
            "/profile",
            "/standards/manual",
            "/backups/now",
            "/backups/settings",
            "/data/import",
            "/activities/1/attachments",
            "/templates/new",
            "/appearance",
            "/reminders/dismiss",
        ]
    ),
    body=st.one_of(st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode())),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "text/plain",
            "application/octet-stream",
        ]
    ),
)
def test_fuzz_raw_bodies_of_any_type(client, app, path, body, content_type):
    """Bodies that are not what the form sends (JSON, bytes, broken multipart) are refused."""
    db = db_of(app)
    before = fingerprint(db)
    response = client.client.post(
        path, data=body, content_type=content_type, headers={"X-CSRFToken": token_of(client)}
    )
    assert response.status_code < 500
    # An empty form is a real submission on three of these (clear the profile, stop copying
    # backups, back up now); the others need fields a raw body never carries.
    if path not in ("/profile", "/backups/settings", "/backups/now"):
        assert response.status_code in REFUSED
        assert fingerprint(db) == before
    assert not re.search(r"Traceback", response.get_data(as_text=True))


def test_a_huge_duration_is_a_validation_error_not_a_crash(client, with_standard):
    """Found by fuzzing: 3e306 hours overflowed to infinity minutes and crashed the save."""
    response = client.post(
        "/activities/new", activity_form(duration_hours="2.9961552247705265e+306")
    )
    assert response.status_code == 422
    assert "between 0.25 and 24 hours" in response.get_data(as_text=True)


def test_an_id_or_page_too_big_for_sqlite_is_not_found_not_a_crash(client):
    """Found by fuzzing: ids and page numbers past 2**63 overflowed in the query."""
    assert client.get(f"/activities/{2**63}").status_code == 404
    assert client.post(f"/activities/{2**63}/undelete", {"version": "1"}).status_code in (404, 405)
    assert client.get("/activities", query_string={"page": str(2**70)}).status_code == 200
    assert client.get("/activities/deleted", query_string={"page": str(2**70)}).status_code == 200


# --- evidence files and the evidence pack (issue 8) ----------------------------------------------

link_row_values = st.fixed_dictionaries(
    {},
    optional={
        "stage": st.one_of(
            st.sampled_from(["capture", "organise", "review", "engage"]), hostile_text
        ),
        "source": st.one_of(st.sampled_from(["github", "website", "other"]), hostile_text),
        "title": hostile_text,
        "url": st.one_of(
            st.sampled_from(
                [
                    "https://docs.example/x?a=1&b=<2>",
                    "http://localhost:1/",
                    "javascript:alert(1)",
                    "data:text/html,<script>x</script>",
                    "file:///etc/passwd",
                    "https://[::1",
                    "https://user:pw@example.com/",
                    " HTTPS://Example.com/\u202e ",
                ]
            ),
            st.builds(lambda t: "https://example.com/" + t, hostile_text),
            hostile_text,
        ),
        "description": hostile_text,
        "remove": st.sampled_from(["", "1"]),
    },
)
link_rows = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10_500), link_row_values), max_size=5
)


@fuzz_settings(200)
@given(rows=link_rows)
def test_fuzz_resource_link_rows(client, app, with_standard, rows):
    from otj_desktop.domain.resource_links import parse_link_rows

    db = db_of(app)
    form = activity_form()
    for n, values in rows:
        form.update({f"links-{n}-{k}": v for k, v in values.items()})
    before = fingerprint(db)
    response = client.post("/activities/new", {**form, "csrf_token": token_of(client)})
    event(f"status {response.status_code}")
    assert response.status_code in (302, *REFUSED), response.status_code
    if response.status_code != 302:
        assert fingerprint(db) == before
        assert_rendered_escaped(response.get_data(as_text=True), [])
        return
    activity_id = int(response.headers["Location"].rsplit("/", 1)[1])
    expected, errors = parse_link_rows(form)
    assert errors == {}
    with db.connection() as conn:
        stored = activity_store.get(conn, activity_id)
    assert stored.resource_links == [link.as_dict() for link in expected]
    page = client.get(f"/activities/{activity_id}").get_data(as_text=True)
    assert_rendered_escaped(page, [x["title"] for x in stored.resource_links])
    hrefs = re.findall(r'<a href="([^"]*)" target="_blank"', page)
    assert all(h.startswith(("https://", "http://")) for h in hrefs)


upload_names = st.one_of(
    st.sampled_from(["photo.png", "../../x.png", "C:\\x.pdf", "NUL", ".htaccess", "a/b/c.txt"]),
    hostile_text.filter(lambda s: "\x00" not in s and "\r" not in s and "\n" not in s),
)
upload_contents = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
            b"%PDF-1.4\n%%EOF",
            b"GIF89a" + b"\x00" * 20,
            b"RIFF\x00\x00\x00\x00WEBPVP8 ",
            b"PK\x03\x04garbage",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50,
            "plain text — ✓".encode(),
            b"",
        ]
    ),
    hostile_text.map(lambda s: s.encode("utf-8", "surrogatepass")),
)


@fuzzes("attachments.upload")
@fuzz_settings(150)
@given(files=st.lists(st.tuples(upload_contents, upload_names), min_size=0, max_size=3))
def test_fuzz_attachment_uploads(client, app, files):
    import hashlib

    from otj_desktop.domain.attachment_types import clean_file_name

    db = db_of(app)
    with db.transaction() as tx:
        if not tx.execute("SELECT 1 FROM activity WHERE deleted_at IS NULL").fetchone():
            activity_store.create(tx, expected_activity(app, activity_form()))
        activity_id = tx.execute(
            "SELECT min(id) FROM activity WHERE deleted_at IS NULL"
        ).fetchone()[0]
    store = app.extensions["otj_files"]
    on_disk = {p.name for p in store.folder.iterdir()} if store.folder.exists() else set()
    before = fingerprint(db)
    response = client.post(
        f"/activities/{activity_id}/attachments",
        {
            "files": [(io.BytesIO(data), name) for data, name in files],
            "csrf_token": token_of(client),
        },
        content_type="multipart/form-data",
    )
    event(f"status {response.status_code}")
    assert response.status_code in (302, *REFUSED), response.status_code
    now_on_disk = {p.name for p in store.folder.iterdir()} if store.folder.exists() else set()
    assert not any(n.startswith(".tmp-") for n in now_on_disk)
    if response.status_code != 302:
        assert fingerprint(db) == before and now_on_disk == on_disk
        assert_rendered_escaped(response.get_data(as_text=True), [])
        return
    with db.connection() as conn:
        attached = activity_store.get(conn, activity_id).attachments
    for data, name in files:
        if name:  # a part without a file name is a file field left empty: not an upload
            assert hashlib.sha256(data).hexdigest() in now_on_disk
    for a in attached:
        assert a.name == clean_file_name(a.name) and (store.folder / a.sha256).is_file()
    page = client.get(f"/activities/{activity_id}").get_data(as_text=True)
    assert_rendered_escaped(page, [a.name for a in attached])


@fuzzes("evidence_pack.page", "evidence_pack.pdf")
@fuzz_settings(100)
@given(
    query=st.dictionaries(
        st.sampled_from(["from", "to", "ksb", "descriptions", "name0", "job1", "name2", "page"]),
        st.one_of(dateish, numberish, hostile_text),
        max_size=6,
    ),
    as_pdf=st.booleans(),
)
def test_fuzz_evidence_pack_options(client, with_standard, query, as_pdf):
    response = client.get("/evidence-pack.pdf" if as_pdf else "/evidence-pack", query_string=query)
    assert response.status_code in (200, 422), response.status_code
    if as_pdf:
        assert response.data.startswith(b"%PDF-")
    else:
        assert_rendered_escaped(response.get_data(as_text=True), [])


# --- planning: templates, drafts, appearance, reminder ------------------------------------------

template_overrides = st.fixed_dictionaries(
    {},
    optional={
        "name": hostile_text,
        "title": hostile_text,
        "activity_type": st.one_of(st.sampled_from([t.key for t in ACTIVITY_TYPES]), hostile_text),
        "duration_hours": numberish,
        "delivered_by": hostile_text,
        "location": hostile_text,
        "evidence_quality": st.one_of(st.sampled_from(list(EVIDENCE_QUALITY)), hostile_text),
        "tags": st.one_of(hostile_text, st.lists(hostile_text, max_size=25).map(", ".join)),
        "ksb_ids": st.lists(ksb_choice, max_size=6),
        "recurring": st.one_of(st.just("1"), hostile_text),
        "weekday": st.one_of(st.integers(-2, 9).map(str), hostile_text),
        "start_date": dateish,
        "active": st.one_of(st.just("1"), hostile_text),
    },
)


def good_template_form() -> dict:
    return {
        "name": "Weekly mentoring",
        "title": "Mentoring",
        "activity_type": "mentoring",
        "duration_hours": "1",
    }


template_forms = st.one_of(
    st.tuples(
        st.sampled_from(["name", "title", "delivered_by", "location", "tags"]), hostile_text
    ).map(lambda kv: {**good_template_form(), kv[0]: kv[1]}),
    template_overrides.map(lambda o: {**good_template_form(), **o}),
    template_overrides,
)


def expected_template(app, form: dict):
    fields = {k: v for k, v in form.items() if k != "ksb_ids"}
    with db_of(app).connection() as conn:
        known = standard_store.ksb_ids(conn, profile_store.get(conn).standard_id)
    return validate_template(fields, form.get("ksb_ids", []), today=TODAY, known_ksb_ids=known)


@fuzzes("activity_templates.create", "activity_templates.update")
@fuzz_settings(250)
@given(form=template_forms, edit=st.booleans())
def test_fuzz_template_form(client, app, with_standard, form, edit):
    db = db_of(app)
    target = "/templates/new"
    if edit:
        with db.connection() as conn:
            existing = template_store.all_templates(conn)
        if existing:
            target = f"/templates/{existing[0].id}/edit"
    before = fingerprint(db)
    response = client.post(target, {**form, "csrf_token": token_of(client)})
    event(f"status {response.status_code}")
    assert response.status_code in (302, *REFUSED), response.status_code
    if response.status_code != 302:
        assert fingerprint(db) == before
        return
    expected = expected_template(app, form)
    with db.connection() as conn:
        stored = next(t for t in template_store.all_templates(conn) if t.name == expected.name)
        resolved = template_store.resolve_ksbs(conn, stored.ksbs, with_standard)
    assert (stored.title, stored.activity_type, stored.duration_minutes) == (
        expected.title,
        expected.activity_type,
        expected.duration_minutes,
    )
    assert (stored.delivered_by, stored.location, stored.evidence_quality) == (
        expected.delivered_by,
        expected.location,
        expected.evidence_quality,
    )
    assert sorted(resolved.ksb_ids) == sorted(expected.ksb_ids) and resolved.left_out == []
    assert stored.tags == list(expected.tags)
    assert (stored.weekday, stored.active, stored.start_date) == (
        expected.weekday,
        expected.active,
        expected.start_date,
    )
    for path in (
        "/templates",
        f"/templates/{stored.id}/edit",
        f"/activities/new?template={stored.id}",
    ):
        page = client.get(path).get_data(as_text=True)
        assert_rendered_escaped(page, [stored.name] if path == "/templates" else [])


@fuzzes("appearance.set_appearance", "reminders.dismiss", "drafts.confirm")
@fuzz_settings(150)
@given(
    action=st.sampled_from(["appearance", "dismiss", "confirm"]),
    value=hostile_text,
    next_path=st.one_of(hostile_text, st.sampled_from(["/", "//evil.example", "https://x.y/"])),
    activity_id=big_ints,
)
def test_fuzz_planning_buttons(client, app, with_standard, action, value, next_path, activity_id):
    """The buttons of the planning features (appearance, dismissing the reminder, confirming a
    draft) with any value: a refusal or a redirect within the app, never a partial write."""
    db = db_of(app)
    before = fingerprint(db)
    path, field = {
        "appearance": ("/appearance", "theme"),
        "dismiss": ("/reminders/dismiss", "period"),
        "confirm": (f"/drafts/{activity_id}/confirm", "version"),
    }[action]
    response = client.post(path, {field: value, "next": next_path, "csrf_token": token_of(client)})
    event(f"{action} {response.status_code}")
    assert response.status_code in (303, 400, 404), response.status_code
    if response.status_code == 303:
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//")
    if response.status_code != 303 or action == "confirm":
        assert fingerprint(db) == before  # nothing to confirm: no activity is a draft
    page = client.get("/").get_data(as_text=True)
    assert_rendered_escaped(page, [])


@fuzzes("activities.new", "activity_templates.new")
@fuzz_settings(60)
@given(
    path=st.sampled_from(
        ["/templates", "/readiness", "/checks", "/templates/new", "/activities", "/activities/new"]
    ),
    args=st.dictionaries(
        st.sampled_from(["page", "template", "from", "drafts", "q"]), hostile_text, max_size=3
    ),
)
def test_fuzz_query_strings_on_planning_pages(client, with_standard, path, args):
    response = client.get(path, query_string=args)
    assert response.status_code in (200, 302, 404, 422)
    assert_rendered_escaped(response.get_data(as_text=True), [])
