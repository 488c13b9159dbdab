"""When the app cannot start: the sentence in a small window (or the browser) for someone who
double-clicked it, "Restore the newest good backup" for a damaged database, and with
``--headless`` (or no display at all) only stderr, with the exit codes unchanged."""

from __future__ import annotations

import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

import pytest

from tests.desktop import (
    ARTIFACTS,
    desktop_app,
    gui_env,
    opened_log,
    xvfb_fixture,  # noqa: F401 - the ``xvfb`` fixture
)
from tests.process_helpers import Browserless
from tests.test_backup_launcher import damage, make_data, sha

pytestmark = [pytest.mark.gui, pytest.mark.slow]

PROBLEM_TITLE = "Could not start — OTJ Desktop"
SENTENCE = "[data-testid=problem-sentence]"


def damaged_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    make_data(data, backup_age=timedelta(hours=2))
    damage(data / "otj.sqlite3")
    return data


def test_a_damaged_database_shows_a_window_whose_restore_button_recovers_and_starts(xvfb, tmp_path):
    data = damaged_data(tmp_path)
    damaged = sha(data / "otj.sqlite3")
    with desktop_app(tmp_path, xvfb, "--data-dir", str(data), problem=True) as app:
        [window] = app.wait_windows(1)
        app.wait_for(lambda: app.text(window["id"], SENTENCE), what="the sentence")
        sentence = app.text(window["id"], SENTENCE)
        assert sentence.startswith(f"The database {data / 'otj.sqlite3'} is damaged")
        assert "it was left untouched. The newest good backup is from " in sentence
        assert app.windows()[0]["native_title"] == PROBLEM_TITLE
        ARTIFACTS.mkdir(exist_ok=True)
        app.call("screenshot", path=str(ARTIFACTS / "startup-problem.png"))
        # stderr says it too, with the command, as before.
        assert re.search(
            r"^OTJ Desktop could not start: The database .* is damaged .* run: .*"
            r"--restore-latest-backup --data-dir ",
            app.stderr(),
            re.M,
        )
        assert sha(data / "otj.sqlite3") == damaged  # nothing touched until asked

        app.js(window["id"], "document.querySelector('[data-testid=restore]').click(); 1")
        app.carry_on()  # the problem window closes; the app starts and opens its own
        [_main] = app.wait_windows(1, path="/")
        app.wait_for(
            lambda: app.windows()[0]["native_title"] == "Dashboard — OTJ Desktop",
            what="the dashboard",
        )
        assert "Restored the backup from" in app.stderr()
        code, _seconds = app.terminate(signal.SIGTERM)
        assert code == 0, app.stderr()
    [moved] = (data / "damaged").glob("*/otj.sqlite3")
    assert sha(moved) == damaged
    conn = sqlite3.connect(data / "otj.sqlite3")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM activity").fetchone()[0] > 0
    conn.close()


@pytest.mark.parametrize("how", ["Quit", "closing the window"])
def test_leaving_the_problem_window_exits_with_the_damaged_status_and_touches_nothing(
    xvfb, tmp_path, how
):
    data = damaged_data(tmp_path)
    damaged = sha(data / "otj.sqlite3")
    with desktop_app(tmp_path, xvfb, "--data-dir", str(data), problem=True) as app:
        [window] = app.wait_windows(1)
        app.wait_for(lambda: app.text(window["id"], SENTENCE), what="the sentence")
        if how == "Quit":
            app.js(window["id"], "document.querySelector('[data-testid=quit]').click(); 1")
        else:
            app.call("close", window=window["id"])
        assert app.wait_exit(5) == 3, app.stderr()
    assert sha(data / "otj.sqlite3") == damaged
    assert not (data / "damaged").exists()


def test_a_busy_port_is_shown_in_a_window_with_quit_only(xvfb, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = ("--port", str(port), "--data-dir", str(tmp_path / "data"))
        with desktop_app(tmp_path, xvfb, *args, problem=True) as app:
            [window] = app.wait_windows(1)
            app.wait_for(lambda: app.text(window["id"], SENTENCE), what="the sentence")
            assert app.text(window["id"], SENTENCE) == (
                f"Port {port} is already in use by another program."
            )
            buttons = app.js(
                window["id"],
                "[...document.querySelectorAll('main button')].map(b => b.textContent.trim())",
            )
            assert buttons == ["Quit"]
            app.js(window["id"], "document.querySelector('[data-testid=quit]').click(); 1")
            assert app.wait_exit(5) == 2, app.stderr()
            assert app.stderr().startswith(
                f"OTJ Desktop could not start: Port {port} is already in use"
            )


def run_app(tmp_path: Path, display: str | None, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "otj_desktop", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=gui_env(tmp_path, display),
    )


def test_headless_and_without_a_display_only_stderr_says_it_with_the_same_exit_codes(
    xvfb, tmp_path
):
    data = damaged_data(tmp_path)
    for display, args in ((xvfb, ("--headless",)), (None, ())):
        started = time.monotonic()
        result = run_app(tmp_path, display, *args, "--data-dir", str(data))
        assert result.returncode == 3
        assert time.monotonic() - started < 10  # no window waited for
        [line] = result.stderr.splitlines()
        assert line.startswith("OTJ Desktop could not start: The database")
    assert opened_log(tmp_path) == []  # no browser either
    result = run_app(tmp_path, None, "--data-dir", str(tmp_path / "data" / "otj.sqlite3"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"OTJ Desktop could not start: The data folder {data / 'otj.sqlite3'} is a file, "
        "not a folder."
    ]


def test_without_windows_the_browser_gets_the_page_and_restoring_there_starts_the_app(tmp_path):
    """A display the app cannot use (gone): the system browser instead, each time through a
    0600 page that redirects, never the launch URL on the browser's command line."""
    from tests.desktop import require_gui

    require_gui()
    data = damaged_data(tmp_path)
    dead = next(n for n in range(150, 250) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    proc = subprocess.Popen(
        [sys.executable, "-m", "otj_desktop", "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=gui_env(tmp_path, f":{dead}"),
    )
    try:
        first = wait_until(lambda: opened_log(tmp_path))[0]
        problem_page = opened_file(first)
        assert problem_page.parent != data  # the data folder may be what is broken
        browser = follow(problem_page)
        status, page = browser.get("/")
        assert status == 200 and "is damaged" in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrf_token": token}).encode()
        with browser.opener.open(browser.base + "/restore", data=body, timeout=10) as answer:
            assert "Backup restored" in answer.read().decode()
        # The app starts, finds no usable display, and opens the browser again.
        second = wait_until(lambda: opened_log(tmp_path)[1:])[0]
        app_page = opened_file(second)
        assert app_page.parent == data
        assert app_page.stat().st_mode & 0o777 == 0o600
        window = follow(app_page)
        assert "Dashboard — OTJ Desktop" in window.get("/")[1]
        wait_until(lambda: not app_page.exists())  # used: deleted
        assert not problem_page.exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0, proc.stderr.read()


def opened_file(log_line: str) -> Path:
    browser, _, uri = log_line.partition(" ")
    assert browser == "fake-browser"
    assert uri.startswith("file:///") and "token" not in uri  # nothing secret on the command line
    return Path(urllib.parse.unquote(urllib.parse.urlsplit(uri).path))


def follow(page: Path) -> Browserless:
    """Sign in as the browser would from the page (its redirect, then the launch's next hop)."""
    url = re.search(r'content="0;url=([^"]+)"', page.read_text()).group(1)
    return Browserless(url.replace("&amp;", "&"))


def wait_until(check, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return value


def test_in_the_browser_a_problem_with_nothing_to_choose_ends_once_the_page_was_read(tmp_path):
    from tests.desktop import require_gui

    require_gui()
    dead = next(n for n in range(150, 250) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.Popen(
            [sys.executable, "-m", "otj_desktop", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=gui_env(tmp_path, f":{dead}", OTJ_DESKTOP_DATA_DIR=str(tmp_path / "data")),
        )
        try:
            page_file = opened_file(wait_until(lambda: opened_log(tmp_path))[0])
            assert proc.poll() is None  # waits for the page to be read
            page = follow(page_file).get("/")[1]
            assert f"Port {port} is already in use by another program." in page
            assert "You can close this page." in page and "<button" not in page
            assert proc.wait(10) == 2
        finally:
            proc.kill()
            proc.wait(5)
    assert not page_file.exists()
