"""Crash test: the real app is killed with SIGKILL at random moments while it saves.

Each trial starts ``python -m otj_desktop --headless`` on the same data folder, has two
"windows" create activities as fast as the server answers and a third press "Back up now" over
and over, then kills the process at a random moment (no signal handler, no clean shutdown: as if
the power went or the OS killed it). After every kill, straight from the file:

* every activity whose save was answered (the server replied 302) is there, from every trial;
* ``PRAGMA integrity_check`` is ok and no foreign key dangles;
* every activity's current version has its history row (history commits with the change);
* every backup the app lists opens and passes ``quick_check`` (an interrupted backup leaves only
  a ``.partial`` file, which is never listed).

The seed is printed; set ``OTJ_CRASH_SEED`` to replay a run.
"""

from __future__ import annotations

import http.cookiejar
import os
import random
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from otj_desktop.store.backup import inspect, list_backups
from tests.conftest import activity_form
from tests.process_helpers import start_app

pytestmark = pytest.mark.slow

TRIALS = 24
TIME_BUDGET_SECONDS = 55


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is the answer we wait for: do not follow it


class Window:
    """A signed-in client; ``post`` returns the status without following redirects.

    The launch URL works once, so the writers share one signed-in cookie (as tabs would).
    """

    def __init__(self, launch_url: str) -> None:
        parts = urllib.parse.urlsplit(launch_url)
        self.base = f"{parts.scheme}://{parts.netloc}"
        jar = http.cookiejar.CookieJar()
        urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)).open(
            launch_url, timeout=10
        )
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _NoRedirect
        )
        with self.opener.open(self.base + "/activities", timeout=10) as response:
            page = response.read().decode()
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def post(self, path: str, fields: dict[str, str]) -> int:
        data = urllib.parse.urlencode({**fields, "csrf_token": self.token}).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def writer(window: Window, prefix: str, answered: list[str], stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        title = f"{prefix}-{n}"
        try:
            status = window.post("/activities/new", activity_form(title=title))
        except OSError:
            return  # the server is gone
        if status == 302:
            answered.append(title)
        n += 1


def backer_upper(window: Window, made: list[int], stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            if window.post("/backups/now", {}) == 302:
                made.append(1)
        except OSError:
            return
        time.sleep(0.05)


def check_after_kill(data_dir: Path, answered: list[str]) -> None:
    # Read-only: the WAL stays as the kill left it, so the next start has to cope with it.
    conn = sqlite3.connect(f"{(data_dir / 'otj.sqlite3').as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = {r[0] for r in conn.execute("SELECT title FROM activity")}
        missing = [t for t in answered if t not in stored]
        assert not missing, f"answered but lost: {missing[:5]}"
        orphans = conn.execute(
            """SELECT count(*) FROM activity a WHERE NOT EXISTS (
                   SELECT 1 FROM activity_history h
                   WHERE h.activity_id = a.id AND h.version = a.version)"""
        ).fetchone()[0]
        assert orphans == 0, "a change committed without its history"
    finally:
        conn.close()
    for info in list_backups(data_dir / "backups"):
        assert inspect(info.path, deep=True).ok, f"listed backup {info.name} is damaged"


def test_sigkill_at_random_moments_loses_no_answered_save(tmp_path):
    seed = int(os.environ.get("OTJ_CRASH_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    data_dir = tmp_path / "data"
    answered: list[str] = []
    backups_made: list[int] = []
    started = time.monotonic()
    trials = 0
    while trials < TRIALS and time.monotonic() - started < TIME_BUDGET_SECONDS:
        proc, launch_url = start_app(tmp_path, "--headless", "--data-dir", str(data_dir))
        try:
            stop = threading.Event()
            got: list[str] = []
            window = Window(launch_url)
            threads = [
                threading.Thread(target=writer, args=(window, f"t{trials}w{w}", got, stop))
                for w in range(2)
            ]
            threads.append(threading.Thread(target=backer_upper, args=(window, backups_made, stop)))
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.02, 0.5))
        finally:
            proc.kill()
            proc.wait(10)
        stop.set()
        for thread in threads:
            thread.join(15)
        answered.extend(got)
        trials += 1
        check_after_kill(data_dir, answered)
    print(
        f"\ncrash test: seed {seed}, {trials} SIGKILL trials, {len(answered)} answered saves, "
        f"{len(backups_made)} backups made, {time.monotonic() - started:.1f} s"
    )
    assert trials >= 20, f"only {trials} trials fitted in the time budget"
    assert len(answered) >= trials  # the kills did land while saving
