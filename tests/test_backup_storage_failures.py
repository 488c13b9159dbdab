"""A full disk or a read-only data folder: a clear message, and the last good data intact.

A full disk is simulated with ``PRAGMA max_page_count`` (the database may not grow); a read-only
folder with a real unprivileged user, since CI runs as root and root may write anywhere.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from otj_desktop import launcher
from otj_desktop.store.db import Database
from otj_desktop.store.migrate import latest_version, migrate
from tests.archive_helpers import export, fill, fingerprint, integrity_ok
from tests.conftest import activity_form, require
from tests.process_helpers import app_env

LONG_TEXT = "A long reflection that needs new pages. " * 400  # ~16 KB


@contextlib.contextmanager
def full_disk(db: Database) -> Iterator[None]:
    """Every new connection to ``db`` may not grow the file past its current size."""
    with db.connection() as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    real = db.connect

    def limited() -> sqlite3.Connection:
        conn = real()
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    db.connect = limited  # type: ignore[method-assign]
    try:
        yield
    finally:
        db.connect = real  # type: ignore[method-assign]


# --- full disk ---------------------------------------------------------------------------------


def test_saving_on_a_full_disk_says_so_keeps_what_was_typed_and_changes_nothing(client, app):
    db = app.extensions["otj"].db
    client.post("/activities/new", activity_form(title="Saved before"))
    before = fingerprint(db)
    token = client.csrf_token()
    with full_disk(db):
        response = client.post(
            "/activities/new",
            activity_form(title="Typed on a full disk", description=LONG_TEXT, csrf_token=token),
        )
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "The disk is full, so nothing was saved." in page
    assert "Typed on a full disk" in page and LONG_TEXT.strip()[:100] in page
    assert fingerprint(db) == before and integrity_ok(db)
    # Space again: saving works.
    assert client.post("/activities/new", activity_form(description=LONG_TEXT)).status_code == 302


def test_editing_and_importing_on_a_full_disk_change_nothing(client, app, tmp_path):
    db = app.extensions["otj"].db
    client.post("/activities/new", activity_form(title="Original"))
    other = Database(tmp_path / "other.sqlite3")
    migrate(other)
    fill(other)
    import io

    upload = client.post(
        "/data/import",
        {"archive": (io.BytesIO(export(other)), "x.zip")},
        content_type="multipart/form-data",
    )
    confirm_url = upload.headers["Location"]
    before = fingerprint(db)
    token = client.csrf_token()
    with full_disk(db):
        edit = client.post(
            "/activities/1/edit",
            activity_form(title="Edited", description=LONG_TEXT, version="1", csrf_token=token),
        )
        imported = client.post(confirm_url, {"csrf_token": token})
    assert edit.status_code == 503 and "disk is full" in edit.get_data(as_text=True)
    assert imported.status_code == 503
    # (The before-import backup file may exist; the database itself is as it was.)
    assert fingerprint(db) == before and integrity_ok(db)


RESTORE_ON_A_FULL_DISK = """
import resource, signal, sys
from datetime import date
from pathlib import Path
from otj_desktop.domain.activities import ActivityInput
from otj_desktop.store import activities
from otj_desktop.store.backup import BackupError, Backups, backup_database
from otj_desktop.store.db import Database
from otj_desktop.store.migrate import migrate
from tests.archive_helpers import fill, fingerprint, integrity_ok

tmp = Path(sys.argv[1])
(tmp / "data").mkdir()
db = Database(tmp / "data" / "otj.sqlite3")
migrate(db)
fill(db)
big = Database(tmp / "big.sqlite3")
migrate(big)
with big.transaction() as tx:
    for i in range(300):
        activities.create(tx, ActivityInput(title=f"Entry {i}", activity_date=date(2026, 1, 1),
                          duration_minutes=60, activity_type="other", description="x" * 2000))
backups = Backups(db, tmp / "data" / "backups")
name = "manual-20261101T090000Z.sqlite3"
with big.connection() as conn:
    backup_database(conn, backups.folder / name)
before = fingerprint(db)
# No file may grow much past the backup's size: the restored copy can still be staged, but
# the live database's WAL cannot take it all in, as on a disk that fills up mid-restore.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = (backups.folder / name).stat().st_size + 8192
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
try:
    backups.restore(name)
    print("restored")
except BackupError as exc:
    print("refused:", exc)
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
print("unchanged" if fingerprint(db) == before and integrity_ok(db) else "CHANGED")
"""


def test_a_disk_that_fills_up_mid_restore_leaves_the_data_as_it_was(tmp_path):
    require(importlib.util.find_spec("resource") is not None, "needs POSIX resource limits")
    result = subprocess.run(
        [sys.executable, "-c", RESTORE_ON_A_FULL_DISK, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[1],
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert lines[0].startswith("refused: The backup could not be restored (")
    assert lines[0].endswith("your data was left as it was.")
    assert lines[1] == "unchanged"


def test_a_full_disk_during_the_upgrade_at_start_is_one_sentence_and_keeps_the_data(
    tmp_path, monkeypatch, capsys
):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    fixture = Path(__file__).with_name("fixtures") / "schema_v1.sql"
    conn = sqlite3.connect(data_dir / "otj.sqlite3")
    conn.executescript(fixture.read_text(encoding="utf-8"))
    conn.close()
    real = Database.connect

    def limited(self) -> sqlite3.Connection:
        conn = real(self)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(Database, "connect", limited)
    try:
        code = launcher.main(["--headless", "--data-dir", str(data_dir)])
    finally:
        _drop_log_handlers(data_dir)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("OTJ Desktop could not start: Updating the database")
    assert "full" in err and len(err.splitlines()) == 1
    check = sqlite3.connect(data_dir / "otj.sqlite3")
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert check.execute("PRAGMA user_version").fetchone()[0] < latest_version()
    assert check.execute("SELECT count(*) FROM activity").fetchone()[0] == 3
    check.close()


def _drop_log_handlers(data_dir: Path) -> None:
    import logging

    root = logging.getLogger()
    for handler in list(root.handlers):
        if str(data_dir) in getattr(handler, "baseFilename", ""):
            root.removeHandler(handler)
            handler.close()


# --- read-only data folder, as a user who is not root ------------------------------------------


def nobody() -> pwd.struct_passwd:
    require(os.geteuid() == 0, "switching to an unprivileged user needs root (as in CI)")
    require(shutil.which("setpriv") is not None, "setpriv (util-linux) is needed")
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        require(False, "there is no 'nobody' user")
        raise


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temp folder the unprivileged user can reach (pytest's own is root-only)."""
    path = Path(tempfile.mkdtemp(prefix="otj-readonly-"))
    path.chmod(0o755)
    yield path
    for root, dirs, _files in os.walk(path):  # hand everything back so it can be deleted
        for name in dirs:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(root, name), 0o700)
    shutil.rmtree(path, ignore_errors=True)


def as_nobody(user: pwd.struct_passwd) -> list[str]:
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]


def chown_tree(path: Path, user: pwd.struct_passwd) -> None:
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid)
    os.chown(path, user.pw_uid, user.pw_gid)


def test_an_unwritable_data_folder_at_start_is_one_sentence_and_untouched(shared_tmp):
    user = nobody()
    data_dir = shared_tmp / "data"
    data_dir.mkdir()
    db = Database(data_dir / "otj.sqlite3")
    migrate(db)
    fill(db)
    db.checkpoint_and_close()
    data_dir.chmod(0o755)  # root's folder: the user may read but not write
    (data_dir / "otj.sqlite3").chmod(0o644)
    before = fingerprint(db)
    result = subprocess.run(
        [
            *as_nobody(user),
            sys.executable,
            "-m",
            "otj_desktop",
            "--headless",
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env=app_env(shared_tmp),
        cwd=shared_tmp,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        f"OTJ Desktop could not start: OTJ Desktop is not allowed to write to its data folder "
        f"{data_dir}."
    )
    assert fingerprint(db) == before


def test_a_database_that_turns_read_only_while_running_refuses_saves_clearly(
    client, app, monkeypatch
):
    """A data folder remounted read-only (or a USB stick write-protected) while the app runs.

    Not simulated with chmod: SQLite reuses the read-write descriptors it already holds for
    the file, so a permission change only shows at the next start (tested above as an
    unprivileged user). Here every new connection is made read-only instead, which fails the
    same way SQLite does on a read-only file system ("attempt to write a readonly database").
    """
    assert client.post("/activities/new", activity_form(title="Saved first")).status_code == 302
    db = app.extensions["otj"].db
    before = fingerprint(db)
    real_connect = type(db).connect

    def read_only_connect(self):
        conn = real_connect(self)
        conn.execute("PRAGMA query_only = ON")
        return conn

    token = client.csrf_token()
    monkeypatch.setattr(type(db), "connect", read_only_connect)
    response = client.post(
        "/activities/new", {**activity_form(title="Typed while read-only"), "csrf_token": token}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "The data folder cannot be written to, so nothing was saved." in page
    assert "Typed while read-only" in page
    assert client.get("/activities").status_code == 200  # reading still works
    monkeypatch.undo()
    assert fingerprint(db) == before
    assert client.post("/activities/new", activity_form(title="Saved after")).status_code == 302
    with db.connection() as conn:
        titles = [r[0] for r in conn.execute("SELECT title FROM activity ORDER BY id")]
    assert titles == ["Saved first", "Saved after"]


def test_messages_are_plain_sentences():
    from otj_desktop.store.db import storage_error_message

    for text in ("database or disk is full", "attempt to write a readonly database"):
        message = storage_error_message(sqlite3.OperationalError(text))
        assert re.fullmatch(r"[A-Z][^\n]+\.", message)
