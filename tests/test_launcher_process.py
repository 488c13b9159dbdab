"""The real thing: ``python -m otj_desktop --headless`` as a process, used over real HTTP."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import activity_form
from tests.process_helpers import Browserless, app_env, start_app, stop

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_headless_app_serves_saves_and_stops_cleanly_on_signal(tmp_path, sig):
    data_dir = tmp_path / "data"
    proc, launch_url = start_app(tmp_path, "--headless", "--data-dir", str(data_dir))
    try:
        window = Browserless(launch_url)
        status, _ = window.post("/activities/new", activity_form(title="Real process entry"))
        assert status == 200  # followed the redirect to the saved activity
        assert "Real process entry" in window.get("/activities")[1]
    finally:
        code, seconds = stop(proc, sig)
    stderr = proc.stderr.read()
    assert code == 0, stderr
    assert seconds < 3
    assert "Traceback" not in stderr
    logged = (data_dir / "logs" / "otj-desktop.log").read_text(encoding="utf-8")
    assert f"Received signal {int(sig)}" in logged  # logged outside the handler, still logged
    conn = sqlite3.connect(data_dir / "otj.sqlite3")
    assert conn.execute("SELECT title FROM activity").fetchall() == [("Real process entry",)]
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert (
        not (data_dir / "otj.sqlite3-wal").exists()
        or (data_dir / "otj.sqlite3-wal").stat().st_size == 0
    )


def test_launch_url_works_once_and_other_clients_get_403(tmp_path):
    proc, launch_url = start_app(tmp_path, "--headless", "--data-dir", str(tmp_path / "d"))
    try:
        Browserless(launch_url)
        import urllib.error
        import urllib.request

        with pytest.raises(urllib.error.HTTPError) as reused:
            urllib.request.urlopen(launch_url, timeout=5)
        assert reused.value.code == 403
        with pytest.raises(urllib.error.HTTPError) as anonymous:
            urllib.request.urlopen(launch_url.split("/launch")[0] + "/activities", timeout=5)
        assert anonymous.value.code == 403
    finally:
        stop(proc, signal.SIGTERM)


def test_busy_port_gives_one_clear_sentence(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "otj_desktop",
                "--headless",
                "--port",
                str(port),
                "--data-dir",
                str(tmp_path / "d"),
            ],
            capture_output=True,
            text=True,
            timeout=20,
            env=app_env(tmp_path),
        )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"OTJ Desktop could not start: Port {port} is already in use by another program."
    )


def test_unusable_data_dir_gives_one_clear_sentence(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    result = subprocess.run(
        [sys.executable, "-m", "otj_desktop", "--headless", "--data-dir", str(not_a_folder)],
        capture_output=True,
        text=True,
        timeout=20,
        env=app_env(tmp_path),
    )
    assert result.returncode == 2
    assert "is a file, not a folder" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_data_dir_from_the_environment(tmp_path):
    data_dir = tmp_path / "from-env"
    proc, _ = start_app(
        tmp_path, "--headless", env=app_env(tmp_path, OTJ_DESKTOP_DATA_DIR=str(data_dir))
    )
    stop(proc, signal.SIGTERM)
    assert (data_dir / "otj.sqlite3").exists()
    assert (data_dir / "logs" / "otj-desktop.log").exists()
