"""One app per data folder, as real processes (``--headless``, so no display is needed)."""

from __future__ import annotations

import json
import re
import signal
import stat
import subprocess
import sys

import pytest

from tests.process_helpers import Browserless, app_env, start_app, stop

pytestmark = pytest.mark.slow


def launch_again(tmp_path, data_dir, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "otj_desktop", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=app_env(tmp_path),
    )


def test_a_second_launch_on_the_same_data_folder_hands_over_and_exits_0(tmp_path):
    data_dir = tmp_path / "data"
    first, _ = start_app(tmp_path, "--headless", "--data-dir", str(data_dir))
    try:
        second = launch_again(tmp_path, data_dir, "--headless")
        assert second.returncode == 0, second.stderr
        # The running app has no windows (headless), so it sends a fresh launch URL instead.
        match = re.fullmatch(r"OTJ Desktop is already running at (http://\S+)\n", second.stdout)
        assert match, second.stdout
        window = Browserless(match.group(1))
        assert window.get("/setup")[0] == 200
        assert first.poll() is None  # still serving; nothing started twice
    finally:
        code, _ = stop(first, signal.SIGTERM)
    assert code == 0
    assert not (data_dir / "instance.json").exists()


def test_a_lock_left_by_a_crashed_run_is_taken_over(tmp_path):
    data_dir = tmp_path / "data"
    crashed, _ = start_app(tmp_path, "--headless", "--data-dir", str(data_dir))
    stale = json.loads((data_dir / "instance.json").read_text())
    crashed.kill()  # SIGKILL: no clean-up at all; lock file and secret file stay behind
    crashed.wait(5)
    assert (data_dir / "instance.json").exists()

    proc, launch_url = start_app(tmp_path, "--headless", "--data-dir", str(data_dir))
    try:
        record = json.loads((data_dir / "instance.json").read_text())
        assert record["pid"] == proc.pid and record["secret"] != stale["secret"]
        assert stat.S_IMODE((data_dir / "instance.json").stat().st_mode) == 0o600
        assert Browserless(launch_url).get("/setup")[0] == 200
    finally:
        code, _ = stop(proc, signal.SIGTERM)
    assert code == 0
