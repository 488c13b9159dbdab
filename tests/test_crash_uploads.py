"""Crash test for uploads: the real app is killed with SIGKILL while files are being attached.

Each trial starts ``python -m otj_desktop --headless`` on the same data folder, uploads files of
a few MB as fast as the server answers, and kills the process at a random moment (mid-stream,
mid-hash, between the rename and the commit, mid-commit). After every kill, straight from disk:

* every attachment row has its file, with the contents its hash names (never a row without
  its file, never a half file under a hash name);
* every upload that was answered (302) is there;
* and once the app has started again (its start-up sweep has run) there is no temporary file
  and no file that nothing refers to.

The seed is printed; set ``OTJ_CRASH_SEED`` to replay a run.
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import activity_form
from tests.process_helpers import start_app
from tests.test_crash import Window

pytestmark = pytest.mark.slow

TRIALS = 12
TIME_BUDGET_SECONDS = 40


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for filename, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{filename}"\r\nContent-Type: text/plain\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload(window: Window, activity_id: int, files: list[tuple[str, bytes]]) -> int:
    body, content_type = multipart({"csrf_token": window.token}, files)
    request = urllib.request.Request(
        f"{window.base}/activities/{activity_id}/attachments",
        data=body,
        headers={"Content-Type": content_type},
    )
    try:
        with window.opener.open(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def uploader(window, rng: random.Random, answered: list[str], stop: threading.Event) -> None:
    while not stop.is_set():
        size = rng.randint(200_000, 4_000_000)
        data = (uuid.uuid4().hex * (size // 32 + 1))[:size].encode()
        try:
            if upload(window, 1, [(f"notes-{uuid.uuid4().hex[:6]}.txt", data)]) == 302:
                answered.append(hashlib.sha256(data).hexdigest())
        except OSError:
            return  # the server is gone


def rows_and_files(data_dir: Path) -> tuple[set[str], set[str]]:
    conn = sqlite3.connect(f"{(data_dir / 'otj.sqlite3').as_uri()}?mode=ro", uri=True)
    try:
        rows = {r[0] for r in conn.execute("SELECT sha256 FROM attachment")}
    finally:
        conn.close()
    folder = data_dir / "attachments"
    names = {p.name for p in folder.iterdir()} if folder.exists() else set()
    return rows, names


def test_sigkill_during_uploads_leaves_no_half_file_and_no_orphan(tmp_path):
    seed = int(os.environ.get("OTJ_CRASH_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    data_dir = tmp_path / "data"
    answered: list[str] = []
    started = time.monotonic()
    trials = 0
    while trials < TRIALS and time.monotonic() - started < TIME_BUDGET_SECONDS:
        proc, launch_url = start_app(tmp_path, "--headless", "--data-dir", str(data_dir))
        try:
            # The start-up sweep has run: nothing left over from the last kill.
            rows, names = rows_and_files(data_dir)
            assert not [n for n in names if n.startswith(".tmp-")], "a temporary file survived"
            assert names <= rows, f"files nothing refers to: {sorted(names - rows)[:3]}"
            window = Window(launch_url)
            if trials == 0:
                assert window.post("/activities/new", activity_form()) == 302
            stop = threading.Event()
            got: list[str] = []
            thread = threading.Thread(target=uploader, args=(window, rng, got, stop))
            thread.start()
            time.sleep(rng.uniform(0.05, 0.8))
        finally:
            proc.kill()
            proc.wait(10)
        stop.set()
        thread.join(30)
        answered.extend(got)
        trials += 1
        rows, names = rows_and_files(data_dir)
        assert rows <= names, f"rows without their file: {sorted(rows - names)[:3]}"
        for sha256 in rows:
            content = (data_dir / "attachments" / sha256).read_bytes()
            assert hashlib.sha256(content).hexdigest() == sha256, "a half file under its hash"
        assert set(answered) <= rows, "an answered upload was lost"
    print(
        f"\nupload crash test: seed {seed}, {trials} SIGKILL trials, "
        f"{len(answered)} answered uploads, {time.monotonic() - started:.1f} s"
    )
    assert trials >= 8, f"only {trials} trials fitted in the time budget"
    assert answered, "no upload was answered: the kills never met a finished upload"
