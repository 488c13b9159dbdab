"""Start-up with real processes: the integrity check, restoring a backup, the daily backup."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from otj_desktop.store.backup import Backups
from otj_desktop.store.db import Database
from otj_desktop.store.migrate import migrate
from tests.archive_helpers import fill
from tests.process_helpers import Browserless, app_env, start_app, stop

pytestmark = pytest.mark.slow


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_data(data_dir: Path, *, backup_age: timedelta | None = None) -> Database:
    data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(data_dir / "otj.sqlite3")
    migrate(db)
    fill(db)
    if backup_age is not None:
        Backups(db, data_dir / "backups").create("manual", now=datetime.now(UTC) - backup_age)
    db.checkpoint_and_close()
    return db


def damage(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.seek(size // 3)
        handle.write(os.urandom(size - size // 3))


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "otj_desktop", "--headless", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=app_env(tmp_path),
    )


def test_a_damaged_database_stops_the_start_and_says_how_to_restore(tmp_path):
    data_dir = tmp_path / "data"
    make_data(data_dir, backup_age=timedelta(hours=2))
    damage(data_dir / "otj.sqlite3")
    before = sha(data_dir / "otj.sqlite3")
    result = run(tmp_path, "--data-dir", str(data_dir))
    assert result.returncode == 3
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert message.startswith("OTJ Desktop could not start: The database")
    assert "is damaged" in message and "left untouched" in message
    assert f"--restore-latest-backup --data-dir {data_dir}" in message
    assert sha(data_dir / "otj.sqlite3") == before
    assert not (data_dir / "damaged").exists()


def test_without_a_good_backup_the_damaged_file_is_left_and_that_is_said(tmp_path):
    data_dir = tmp_path / "data"
    make_data(data_dir)
    damage(data_dir / "otj.sqlite3")
    before = sha(data_dir / "otj.sqlite3")
    result = run(tmp_path, "--data-dir", str(data_dir), "--restore-latest-backup")
    assert result.returncode == 3
    assert "there is no good backup to restore" in result.stderr
    assert sha(data_dir / "otj.sqlite3") == before


def test_restore_latest_backup_moves_the_damaged_file_aside_and_starts(tmp_path):
    data_dir = tmp_path / "data"
    make_data(data_dir, backup_age=timedelta(hours=2))
    damage(data_dir / "otj.sqlite3")
    damaged = sha(data_dir / "otj.sqlite3")
    proc, launch_url = start_app(
        tmp_path, "--headless", "--data-dir", str(data_dir), "--restore-latest-backup"
    )
    try:
        window = Browserless(launch_url)
        status, page = window.get("/activities")
        assert status == 200 and "Widget safety &lt;course&gt;" in page
    finally:
        code, _ = stop(proc, signal.SIGTERM)
    assert code == 0
    assert "Restored the backup from" in proc.stderr.read()
    [moved] = (data_dir / "damaged").glob("*/otj.sqlite3")
    assert sha(moved) == damaged


def test_restore_latest_backup_leaves_a_healthy_database_alone(tmp_path):
    data_dir = tmp_path / "data"
    make_data(data_dir, backup_age=timedelta(hours=2))
    proc, _ = start_app(
        tmp_path, "--headless", "--data-dir", str(data_dir), "--restore-latest-backup"
    )
    stop(proc, signal.SIGTERM)
    assert "not damaged, so no backup was restored" in proc.stderr.read()
    assert not (data_dir / "damaged").exists()


@pytest.mark.parametrize(
    ("age", "expect_daily"),
    [(None, True), (timedelta(days=2), True), (timedelta(hours=3), False)],
    ids=["no backup yet", "last two days old", "last three hours old"],
)
def test_the_first_start_of_the_day_makes_a_backup(tmp_path, age, expect_daily):
    data_dir = tmp_path / "data"
    make_data(data_dir, backup_age=age)
    proc, _ = start_app(tmp_path, "--headless", "--data-dir", str(data_dir))
    stop(proc, signal.SIGTERM)
    dailies = list((data_dir / "backups").glob("daily-*.sqlite3"))
    assert len(dailies) == (1 if expect_daily else 0)


def test_a_new_empty_data_folder_gets_no_backup(tmp_path):
    data_dir = tmp_path / "data"
    proc, _ = start_app(tmp_path, "--headless", "--data-dir", str(data_dir))
    time.sleep(0.1)
    stop(proc, signal.SIGTERM)
    assert not list((data_dir / "backups").glob("*.sqlite3"))
