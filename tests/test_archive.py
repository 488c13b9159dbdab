"""Export and import: exact round trips, merging into existing data, and refusing bad files."""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from otj_desktop import __version__
from otj_desktop.store import activities as activity_store
from otj_desktop.store import archive as archive_store
from otj_desktop.store import history as history_store
from otj_desktop.store.archive import ArchiveError, apply_import, preview_import, read_archive
from otj_desktop.store.archive_files import extract_files
from otj_desktop.store.attachment_files import AttachmentFiles
from otj_desktop.store.db import Database
from otj_desktop.store.migrate import latest_version, migrate
from tests.archive_helpers import (
    all_rows,
    as_format_1,
    export,
    fill,
    filled_database,
    fingerprint,
    integrity_ok,
    repack,
    unpack,
)

FIXTURES = sorted(Path(__file__).with_name("fixtures").glob("schema_v*.sql"))


@pytest.fixture
def source(tmp_path) -> Database:
    return filled_database(tmp_path / "source")


def fresh(tmp_path: Path, name: str = "target") -> Database:
    db = Database(tmp_path / name / "otj.sqlite3")
    db.path.parent.mkdir()
    migrate(db)
    return db


def import_into(db: Database, data: bytes) -> archive_store.ImportSummary:
    """As the app imports: attached files into the store first, then the rows."""
    archive = read_archive(data)
    extract_files(data, archive.attachment_files, AttachmentFiles(db.path.parent))
    with db.transaction() as tx:
        return apply_import(tx, archive)


# --- round trips -------------------------------------------------------------------------------


def test_export_then_import_into_an_empty_database_reproduces_every_row(source, tmp_path):
    target = fresh(tmp_path)
    summary = import_into(target, export(source))
    assert summary.into_empty
    expected, actual = all_rows(source), all_rows(target)
    assert set(actual) == set(expected)
    for table, rows in expected.items():
        assert len(actual[table]) == len(rows), table
        for want, got in zip(rows, actual[table], strict=True):
            assert got == want, f"{table}: {got} != {want}"
    assert integrity_ok(target)


def test_the_reimported_data_exports_identically(source, tmp_path):
    first = export(source)
    target = fresh(tmp_path)
    import_into(target, first)
    files_before, files_after = unpack(first), unpack(export(target))
    for name in files_before:
        if name != "manifest.json":
            assert files_after[name] == files_before[name], name
    assert files_after["manifest.json"]["counts"] == files_before["manifest.json"]["counts"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_a_database_from_every_earlier_schema_exports_and_imports_exactly(tmp_path, fixture):
    old = Database(tmp_path / "old.sqlite3")
    conn = sqlite3.connect(old.path)
    conn.executescript(fixture.read_text(encoding="utf-8"))
    conn.close()
    report = migrate(old, backup_dir=tmp_path / "backups")
    if report.from_version < latest_version():
        assert report.backup_path is not None and report.backup_path.exists()  # backed up first
    target = fresh(tmp_path)
    import_into(target, export(old))
    assert all_rows(target) == all_rows(old)


def test_activities_without_history_import_cleanly_next_to_kept_history_ids(source, tmp_path):
    """Found by the benchmark: an activity with no history rows (written by a path that kept
    none) got a history id that a later activity's exported history row also claimed."""
    with source.connection() as conn:
        conn.execute("DELETE FROM activity_history WHERE activity_id = 2")
        # Number the rows so that activity 3's come straight after activity 1's.
        conn.execute("UPDATE activity_history SET id = id + 1000")
        conn.execute(
            """UPDATE activity_history AS r SET id = (SELECT count(*) FROM activity_history h
               WHERE h.activity_id < r.activity_id
                  OR (h.activity_id = r.activity_id AND h.id <= r.id))"""
        )
    target = fresh(tmp_path)
    import_into(target, export(source))
    with target.connection() as conn:
        assert [e.action for e in history_store.for_activity(conn, 2)] == ["imported"]
    assert integrity_ok(target)


def test_the_manifest_says_what_the_file_holds(source):
    files = unpack(export(source))
    manifest = files["manifest.json"]
    assert manifest["format"] == "otj-desktop-export"
    assert manifest["format_version"] == archive_store.FORMAT_VERSION
    assert manifest["app_version"] == __version__
    assert manifest["schema_version"] == latest_version()
    assert datetime.strptime(manifest["exported_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert manifest["counts"] == {
        "standards": 3,
        "ksbs": len(files["standards.json"]["standards"][0]["ksbs"])
        + len(files["standards.json"]["standards"][1]["ksbs"])
        + 1,
        "tags": 4,
        "activities": 6,
        "deleted_activities": 2,
        "history": len(files["history.json"]["history"]),
        "breaks": 1,
        "resource_links": 2,
        "attachments": 1,
        "attachment_files": 2,
        "templates": 2,
    }
    assert {n for n in manifest["files"] if not n.startswith("attachments/")} == set(
        archive_store.DATA_FILES
    )
    first = files["activities.json"]["activities"][0]
    assert first["ksbs"] == [
        {"standard": "ST9999", "version": "1.0", "code": "K1"},
        {"standard": "ST9999", "version": "1.0", "code": "S1"},
    ]
    assert files["profile.json"]["standard"] == {"reference": "ST9999", "version": "1.0"}


# --- importing into a database that has data ---------------------------------------------------


def test_import_into_existing_data_adds_new_replaces_changed_and_keeps_the_rest(source, tmp_path):
    data = export(source)
    target = fresh(tmp_path)
    import_into(target, data)
    with target.transaction() as tx:  # the target changes one shared activity, adds its own
        shared = activity_store.get(tx.conn, 1)
        changed = activity_store.input_from_snapshot(
            tx.conn, {**history_store.snapshot(tx.conn, 1), "title": "Changed here"}
        )[0]
        activity_store.update(tx, 1, changed, expected_version=shared.version)
        own = activity_store.create(tx, changed)
    with source.transaction() as tx:  # and the source gains a new one
        activity_store.create(tx, changed)
    data = export(source)
    before = fingerprint(target)
    with target.connection() as conn:
        plan = preview_import(target, conn, read_archive(data))
    assert fingerprint(target) == before  # the preview changed nothing
    assert plan.activities_added == ["Changed here"]
    assert plan.activities_replaced == ["Widget safety <course>"]
    assert plan.activities_unchanged == 5  # two logged, three drafts
    assert plan.activities_only_here == 1
    assert plan.profile == "unchanged" and plan.changes_anything
    heard = []
    target.add_listener(heard.extend)
    summary = import_into(target, data)
    assert summary == plan
    assert [c.kind for c in heard] == ["resync"]
    with target.connection() as conn:
        assert activity_store.get(conn, 1).title == "Widget safety <course>"
        assert activity_store.get(conn, own).title == "Changed here"
        versions = history_store.for_activity(conn, 1)
    assert versions[0].action == "imported"
    assert versions[0].changes["title"] == ["Changed here", "Widget safety <course>"]
    assert integrity_ok(target)


def test_importing_the_same_file_twice_changes_nothing_the_second_time(source, tmp_path):
    data = export(source)
    target = fresh(tmp_path)
    import_into(target, data)
    before = all_rows(target)
    summary = import_into(target, data)
    assert not summary.changes_anything
    assert all_rows(target) == before


def test_a_different_hand_made_standard_with_the_same_reference_is_kept_apart(source, tmp_path):
    from otj_desktop.store import standards as standard_store

    target = fresh(tmp_path)
    with target.transaction() as tx:
        standard_store.create_manual(tx, title="Somebody else's standard")  # also CUSTOM-1
    summary = import_into(target, export(source))
    assert summary.standards_renamed == ["My own <standard> (CUSTOM-1 v1.0) → CUSTOM-2"]
    with target.connection() as conn:
        titles = dict(conn.execute("SELECT reference, title FROM standard WHERE source='manual'"))
    assert titles == {"CUSTOM-1": "Somebody else's standard", "CUSTOM-2": "My own <standard>"}


# --- refusing bad files ------------------------------------------------------------------------


def good_files(source: Database) -> dict:
    return unpack(export(source))


def mutate(files: dict, name: str, change) -> dict:
    files = {k: v if isinstance(v, bytes) else json.loads(json.dumps(v)) for k, v in files.items()}
    change(files[name])
    return files


def first_activity(section):
    return section["activities"][0]


BAD_CONTENT = [
    ("not an object", "activities.json", lambda s: s.clear(), "should hold a list"),
    (
        "duration as text",
        "activities.json",
        lambda s: first_activity(s).update(duration_minutes="90"),
        "“duration_minutes” should be a whole number",
    ),
    (
        "duration as a float",
        "activities.json",
        lambda s: first_activity(s).update(duration_minutes=90.5),
        "“duration_minutes”",
    ),
    (
        "boolean for a number",
        "activities.json",
        lambda s: first_activity(s).update(version=True),
        "“version”",
    ),
    (
        "control character in a title",
        "activities.json",
        lambda s: first_activity(s).update(title="bad\x00title"),
        "control characters",
    ),
    (
        "line break in a title",
        "activities.json",
        lambda s: first_activity(s).update(title="two\nlines"),
        "control characters",
    ),
    (
        "huge title",
        "activities.json",
        lambda s: first_activity(s).update(title="x" * 5000),
        "longer than 200",
    ),
    (
        "unknown activity type",
        "activities.json",
        lambda s: first_activity(s).update(activity_type="<script>"),
        "not an activity type",
    ),
    (
        "impossible date",
        "activities.json",
        lambda s: first_activity(s).update(activity_date="2026-02-30"),
        "not a real date",
    ),
    (
        "link to a KSB not in the export",
        "activities.json",
        lambda s: first_activity(s)["ksbs"].append(
            {"standard": "ST0000", "version": "9", "code": "K1"}
        ),
        "not in the export's standards",
    ),
    (
        "duplicate uid",
        "activities.json",
        lambda s: s["activities"][1].update(uid=s["activities"][0]["uid"]),
        "appears twice",
    ),
    (
        "a path as a tag",
        "activities.json",
        lambda s: first_activity(s).update(tags=["../../etc/passwd", "a,b"]),
        "different tag names",
    ),
    (
        "history for an unknown activity",
        "history.json",
        lambda s: s["history"][0].update(activity="f" * 32),
        "not in the export",
    ),
    (
        "snapshot with an extra field",
        "history.json",
        lambda s: s["history"][0]["snapshot"].update(evil=1),
        "fields the app never records",
    ),
    (
        "KSB ids shared by two standards",
        "standards.json",
        lambda s: s["standards"][1]["ksbs"][0].update(id=s["standards"][0]["ksbs"][0]["id"]),
        "appears twice",
    ),
    (
        "profile naming a missing standard",
        "profile.json",
        lambda s: s.update(standard={"reference": "ST0000", "version": "1"}),
        "not in the export",
    ),
    (
        "wrong counts",
        "manifest.json",
        lambda s: s["counts"].update(activities=99),
        "should hold 99 activities",
    ),
    (
        "another format",
        "manifest.json",
        lambda s: s.update(format="something-else"),
        "not an OTJ Desktop export",
    ),
    (
        "a newer format version",
        "manifest.json",
        lambda s: s.update(format_version=99),
        "newer version of OTJ Desktop (format 99)",
    ),
]


@pytest.mark.parametrize(
    ("case", "name", "change", "reason"), BAD_CONTENT, ids=[c[0] for c in BAD_CONTENT]
)
def test_bad_content_is_refused_with_a_reason(source, case, name, change, reason):
    data = repack(mutate(good_files(source), name, change))
    with pytest.raises(ArchiveError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_archive(data)


def raw_zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


def with_member(source, name: str, data: bytes = b"{}") -> bytes:
    files = good_files(source)
    buffer = io.BytesIO(repack(files))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


def test_a_file_that_is_not_a_zip_is_refused():
    for data in (b"", b"PK\x03\x04 broken", b"{}", "é".encode() * 1000):
        with pytest.raises(ArchiveError, match="not a zip file"):
            read_archive(data)


def test_a_zip_without_a_manifest_is_foreign():
    with pytest.raises(ArchiveError, match=r"no manifest\.json"):
        read_archive(raw_zip([]))


@pytest.mark.parametrize(
    "name",
    [
        "../../evil.json",
        "/etc/passwd",
        "C:\\Windows\\evil.json",
        "attachments/../../x",
        "a\\..\\b",
        "ok/./x",
        "nul\x00.json",
    ],
)
def test_member_names_that_climb_out_or_hide_are_refused(source, name):
    # (zipfile itself cuts a name at a NUL byte; what is left is then unknown, and refused.)
    with pytest.raises(ArchiveError, match=r"unsafe name|does not have"):
        read_archive(with_member(source, name))


def test_unexpected_or_repeated_members_are_refused(source):
    with pytest.raises(ArchiveError, match="which an OTJ Desktop export does not have"):
        read_archive(with_member(source, "extra.exe"))
    with pytest.raises(ArchiveError, match="twice"), pytest.warns(UserWarning, match="Duplicate"):
        read_archive(with_member(source, "tags.json"))


def test_a_zip_bomb_is_refused_without_being_inflated(source, monkeypatch):
    monkeypatch.setattr(archive_store, "MAX_MEMBER_BYTES", 1_000_000)
    files = good_files(source)
    files["history.json"] = b'{"history": [' + b" " * 5_000_000 + b"]}"
    data = repack(files)
    assert len(data) < 50_000  # highly compressed
    with pytest.raises(ArchiveError, match="too large"):
        read_archive(data)


def test_a_member_whose_header_lies_about_its_size_is_refused(source):
    data = bytearray(repack(good_files(source)))
    # Shrink the uncompressed size recorded for history.json in the central directory.
    central = data.rfind(b"PK\x01\x02", 0, data.find(b"history.json", data.find(b"PK\x01\x02")))
    struct.pack_into("<I", data, central + 24, 10)
    with pytest.raises(ArchiveError, match="damaged"):
        read_archive(bytes(data))


def test_a_changed_byte_fails_the_checksum(source):
    files = good_files(source)
    data = repack(files)
    tampered = mutate(files, "tags.json", lambda s: s["tags"][0].update(name="Tampered"))
    tampered["manifest.json"] = files["manifest.json"]
    with pytest.raises(ArchiveError, match="checksum"):
        read_archive(repack(tampered, fix_manifest=False))
    assert read_archive(data)


@pytest.mark.parametrize(
    "text",
    [
        '{"tags": [NaN]}',
        '{"tags": [Infinity]}',
        "[" * 100_000 + "]" * 100_000,
        "{'a': 1}",
        '{"tags": [], "tags": []}',
        '{"n": ' + "9" * 10_000 + "}",
    ],
    ids=["nan", "infinity", "deep", "single-quotes", "duplicate-keys", "huge-int"],
)
def test_invalid_json_is_refused(source, text):
    files = good_files(source)
    files["tags.json"] = text.encode()
    with pytest.raises(ArchiveError, match="not valid JSON"):
        read_archive(repack(files))


def test_an_encrypted_member_is_refused(source):
    data = bytearray(repack(good_files(source)))
    offset = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, offset + 8, struct.unpack_from("<H", data, offset + 8)[0] | 1)
    with pytest.raises(ArchiveError, match="encrypted"):
        read_archive(bytes(data))


def test_a_refused_import_changes_nothing(source, tmp_path):
    target = fresh(tmp_path)
    fill(target)
    before = fingerprint(target)
    for case in BAD_CONTENT:
        with pytest.raises(ArchiveError):
            import_into(target, repack(mutate(good_files(source), case[1], case[2])))
    assert fingerprint(target) == before


def test_export_time_is_recorded(source):
    when = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    with source.connection() as conn:
        data = archive_store.export_bytes(conn, now=when)
    assert unpack(data)["manifest.json"]["exported_at"] == "2026-11-27T09:30:00Z"


# --- format 2: drafts and templates ------------------------------------------------------------


def test_drafts_and_templates_travel_in_the_export(source):
    files = good_files(source)
    statuses = sorted(a["status"] for a in files["activities.json"]["activities"])
    assert statuses == ["confirmed"] * 4 + ["draft"] * 2  # one deleted, one waiting
    plain, weekly = files["templates.json"]["templates"]
    assert plain["ksbs"] == [
        {"standard": "ST9999", "version": "1.0", "code": "K1"},
        {"standard": "ST9999", "version": "1.0", "code": "S1"},
    ]
    assert (weekly["weekday"], weekly["active"], weekly["last_due_date"]) == (0, True, "2026-01-19")
    uids = {a["uid"] for a in files["activities.json"]["activities"]}
    assert [d["due_date"] for d in weekly["drafts"]] == ["2026-01-05", "2026-01-12", "2026-01-19"]
    assert all(d["activity"] in uids for d in weekly["drafts"])


def test_a_format_1_export_still_imports_with_every_activity_confirmed(source, tmp_path):
    target = fresh(tmp_path)
    summary = import_into(target, repack(as_format_1(good_files(source))))
    assert len(summary.activities_added) == 4 and summary.templates_added == []
    with target.connection() as conn:
        assert {r[0] for r in conn.execute("SELECT status FROM activity")} == {"confirmed"}
    assert integrity_ok(target)


def test_history_snapshots_from_before_drafts_need_no_status(source, tmp_path):
    files = good_files(source)
    for entry in files["history.json"]["history"]:
        entry["snapshot"].pop("status", None)
    target = fresh(tmp_path)
    import_into(target, repack(files))
    with target.connection() as conn:
        assert conn.execute("SELECT count(*) FROM activity_history").fetchone()[0] == len(
            files["history.json"]["history"]
        )


def first_template(section):
    return section["templates"][0]


TEMPLATE_BAD_CONTENT = [
    (
        "format 2 activity without a status",
        "activities.json",
        lambda s: first_activity(s).pop("status"),
        "“status” is missing",
    ),
    (
        "a status the app does not have",
        "activities.json",
        lambda s: first_activity(s).update(status="pending"),
        "“status” is not one of the values",
    ),
    (
        "a weekday past Sunday",
        "templates.json",
        lambda s: first_template(s).update(weekday=7),
        "“weekday” should be a whole number from 0 to 6",
    ),
    (
        "a recurring template without a start",
        "templates.json",
        lambda s: first_template(s).update(weekday=1, start_date=None),
        "“start_date” is missing for a recurring template",
    ),
    (
        "two templates with one name",
        "templates.json",
        lambda s: s["templates"][1].update(name=s["templates"][0]["name"].upper()),
        "“name” appears twice",
    ),
    (
        "a draft of an activity not in the export",
        "templates.json",
        lambda s: s["templates"][1]["drafts"][0].update(activity="e" * 32),
        "names an activity that is not in the export",
    ),
    (
        "a template duration off the quarter hour",
        "templates.json",
        lambda s: first_template(s).update(duration_minutes=50),
        "steps of 15 minutes",
    ),
    (
        "markup in a template's KSB link",
        "templates.json",
        lambda s: first_template(s)["ksbs"].append({"standard": "<b>", "version": "1"}),
        "“code” is missing",
    ),
]


@pytest.mark.parametrize(
    ("case", "name", "change", "reason"),
    TEMPLATE_BAD_CONTENT,
    ids=[c[0] for c in TEMPLATE_BAD_CONTENT],
)
def test_bad_templates_and_statuses_are_refused_with_a_reason(source, case, name, change, reason):
    data = repack(mutate(good_files(source), name, change))
    with pytest.raises(ArchiveError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_archive(data)


def test_templates_merge_into_existing_data_without_drafting_a_week_twice(source, tmp_path):
    from otj_desktop.store import templates as template_store

    data = export(source)
    target = fresh(tmp_path)
    import_into(target, data)
    with target.transaction() as tx:  # here: one template renamed, one of its own with a name
        tx.execute(
            "UPDATE activity_template SET title = 'Changed here', last_due_date ="
            " '2026-02-02' WHERE name = 'Weekly mentoring'"
        )
        tx.execute(
            "UPDATE activity_template SET uid = ? WHERE name = 'Safety <refresher>'", ("a" * 32,)
        )
    summary = import_into(target, data)
    assert summary.templates_replaced == ["Weekly mentoring"]
    assert summary.templates_added == ["Safety <refresher> (imported)"]
    with target.connection() as conn:
        by_name = {t.name: t for t in template_store.all_templates(conn)}
        assert by_name["Weekly mentoring"].title == "Mentoring with Priya"
        assert str(by_name["Weekly mentoring"].last_due_date) == "2026-02-02"  # the later one
        assert conn.execute("SELECT count(*) FROM template_draft").fetchone()[0] == 3
    assert integrity_ok(target)
