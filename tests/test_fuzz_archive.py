"""Property-based tests of import: random bytes, and real exports with hostile changes.

An export is taken apart, one value somewhere inside is replaced by something hostile (wrong
type, NaN, a huge number, control characters, markup, a path, a nested structure), and it is
zipped up again with fresh checksums so the change reaches the deepest checks. For every such
file: :func:`read_archive` either refuses it with :class:`ArchiveError` or accepts it; an
accepted file imports without any other error, into an empty and into a full database, leaving
both intact; a refused file uploaded to the app gets a 422 and changes nothing.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from otj_desktop.store.archive import ArchiveError, apply_import, read_archive
from otj_desktop.store.db import Database
from otj_desktop.store.migrate import migrate
from tests.archive_helpers import (
    export,
    fill,
    filled_database,
    fingerprint,
    integrity_ok,
    repack,
    unpack,
)
from tests.fuzz_helpers import fuzz_settings, hostile_text, json_documents

hostile_json = json_documents(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | hostile_text,
    max_leaves=6,
)


@pytest.fixture(scope="module")
def good_export(tmp_path_factory) -> bytes:
    return export(filled_database(tmp_path_factory.mktemp("source")))


@pytest.fixture(scope="module")
def targets(tmp_path_factory, good_export):
    """An empty database and one that already holds data, reused (and checked) by every case."""
    empty = Database(tmp_path_factory.mktemp("empty") / "otj.sqlite3")
    migrate(empty)
    full = Database(tmp_path_factory.mktemp("full") / "otj.sqlite3")
    migrate(full)
    fill(full)
    return empty, full


def paths_in(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside a JSON document."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths_in(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:3]):
            found += paths_in(child, (*prefix, index))
    return found


_DELETE = object()


def replaced(document: Any, path: tuple, new: Any) -> Any:
    """``document`` with the value at ``path`` replaced by ``new`` (or removed, for _DELETE)."""
    if not path:
        return {} if new is _DELETE else new
    document = json.loads(json.dumps(document))
    target = document
    for step in path[:-1]:
        target = target[step]
    if new is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = new
    return document


@st.composite
def spoilt_exports(draw, good: bytes) -> bytes:
    files = unpack(good)
    name = draw(st.sampled_from(sorted(files)))
    path = draw(st.sampled_from(paths_in(files[name])))
    # Mostly a hostile value; sometimes a field or list item simply missing (a history entry
    # gone, a key left out).
    new = draw(st.one_of(hostile_json, hostile_json, st.just(_DELETE)))
    files[name] = replaced(files[name], path, new)
    event(f"spoilt {name}")
    return repack(files, fix_manifest=draw(st.booleans()) or name == "manifest.json")


def import_fresh(db: Database, archive) -> None:
    """Import into ``db`` and roll back, so the same database serves every case."""

    class Undo(Exception):
        pass

    with pytest.raises(Undo), db.transaction() as tx:
        apply_import(tx, archive)
        raise Undo


@fuzz_settings(300)
@given(data=st.data())
def test_fuzz_spoilt_exports_are_refused_or_import_cleanly(good_export, targets, data):
    raw = data.draw(spoilt_exports(good_export))
    try:
        archive = read_archive(raw)
    except ArchiveError as exc:
        event("refused")
        message = str(exc)
        assert message and "\n" not in message and len(message) < 400
        return
    event("accepted")
    for db in targets:
        before = fingerprint(db)
        import_fresh(db, archive)
        assert fingerprint(db) == before
        assert integrity_ok(db)


@fuzz_settings(150)
@given(raw=st.binary(max_size=2000))
def test_fuzz_random_bytes_are_refused(raw):
    with pytest.raises(ArchiveError):
        read_archive(raw)


@fuzz_settings(100)
@given(data=st.data())
def test_fuzz_uploads_through_the_app(client, app, good_export, data):
    raw = data.draw(st.one_of(spoilt_exports(good_export), st.binary(max_size=500)))
    filename = data.draw(st.one_of(st.just("export.zip"), hostile_text))
    db = app.extensions["otj"].db
    before = fingerprint(db)
    response = client.post(
        "/data/import",
        {
            "archive": (io.BytesIO(raw), filename.replace("\x00", "")),
            "csrf_token": client.csrf_token(),
        },
        content_type="multipart/form-data",
    )
    event(f"status {response.status_code}")
    assert response.status_code in (302, 413, 422)
    assert fingerprint(db) == before  # uploading alone never changes the data
    if response.status_code == 302:
        preview = client.get(response.headers["Location"])
        assert preview.status_code in (200, 302)
        token = response.headers["Location"].rsplit("/", 1)[1]
        client.post(f"/data/import/{token}/cancel", {"csrf_token": client.csrf_token()})
        assert fingerprint(db) == before
