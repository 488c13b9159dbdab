"""One running app per data folder; a second launch asks the running one for a window.

Two apps on one database would each think they own it (two servers, two sets of windows that
never hear about each other's changes), so a launch first claims the data folder:

* **The claim is an OS file lock** (``filelock``: ``flock`` on POSIX, ``LockFileEx`` on Windows)
  on ``otj-desktop.lock``. The OS drops it when the process ends, however it ends, so a lock
  left behind by a crashed run is never really held: the next launch simply gets it. That is
  how a stale lock is taken over; the stale ``instance.json`` next to it is then overwritten.
* **The running app publishes how to reach it** once its server is up: ``instance.json`` holds
  the port and a random secret. The file is created with mode 0600 (only this OS user can read
  it; on Windows the per-user data folder's ACL does the same job) and renamed into place, so
  a reader never sees half a file.
* **A second launch** that cannot get the lock reads the file and POSTs to the running app's
  ``/shell/instance/open-window`` with ``Authorization: Bearer <secret>``. The app checks the
  secret itself (constant-time), opens a window and answers; the second launch exits 0. Between
  the first launch taking the lock and publishing (well under a second), or while a stale file
  from a crash is still there, there is no answer yet: the second launch retries for a while
  before giving up with one sentence.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import filelock

LOCK_NAME = "otj-desktop.lock"
SECRET_NAME = "instance.json"  # noqa: S105 - the name of the file, not a secret
ENDPOINT = "/shell/instance/open-window"
ANSWER_WAIT_SECONDS = 10.0
_RETRY_SECONDS = 0.2

log = logging.getLogger(__name__)

# Loopback only: never send the secret through a proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class NoAnswer(Exception):
    """Another launch holds the data folder but did not answer; the message is one sentence."""


@dataclass(frozen=True)
class Answer:
    """What the running app did: opened a window, or (no windows there) sent a launch URL."""

    opened: bool
    launch_url: str | None = None
    # A 0600 page in the data folder that redirects to ``launch_url``, for the browser (its
    # command line must not carry the URL; see browser_open.py). The running app deletes it.
    browser_page: str | None = None


class SingleInstance:
    """This launch's claim on a data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.lock_path = data_dir / LOCK_NAME
        self.secret_path = data_dir / SECRET_NAME
        self.secret = secrets.token_urlsafe(32)
        self._lock = filelock.FileLock(str(self.lock_path), timeout=0, thread_local=False)

    def claim(self) -> bool:
        """Take the data folder; False if another running launch has it."""
        try:
            self._lock.acquire()
        except filelock.Timeout:
            return False
        return True

    def publish(self, port: int) -> None:
        """Write the port and secret for later launches (0600, atomically).

        A failure (a full disk, say) is logged, not raised: the app still runs; a second
        launch then cannot reach it and says so.
        """
        record = {"pid": os.getpid(), "port": port, "secret": self.secret}
        tmp = self.secret_path.with_name(SECRET_NAME + ".tmp")
        try:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()  # a leftover might have looser permissions; O_CREAT would keep them
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(record, handle)
            os.replace(tmp, self.secret_path)
        except OSError:
            log.warning(
                "Could not write %s; a second launch cannot reach this one", tmp, exc_info=True
            )

    def release(self) -> None:
        """Withdraw the secret file and drop the lock (at the very end of shut-down)."""
        if _read_record(self.secret_path).get("secret") == self.secret:
            with contextlib.suppress(OSError):
                self.secret_path.unlink()
        if self._lock.is_locked:
            self._lock.release()


def ask_running_app(
    data_dir: Path, *, want_window: bool, path: str = "/", wait: float = ANSWER_WAIT_SECONDS
) -> Answer:
    """Ask the launch that holds ``data_dir`` to open a window (or for a launch URL).

    Raises :class:`NoAnswer` when nothing answered within ``wait`` seconds.
    """
    deadline = time.monotonic() + wait
    while True:
        record = _read_record(data_dir / SECRET_NAME)
        if record:
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                return _post(record, want_window=want_window, path=path)
        if time.monotonic() >= deadline:
            raise NoAnswer(
                "OTJ Desktop is already running with this data folder but did not answer; "
                "close it (or wait for it to finish starting) and try again."
            )
        time.sleep(_RETRY_SECONDS)


def _post(record: dict, *, want_window: bool, path: str) -> Answer:
    url = f"http://127.0.0.1:{int(record['port'])}{ENDPOINT}"
    body = json.dumps({"path": path, "window": want_window}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {record['secret']}",
            "Content-Type": "application/json",
        },
    )
    # HTTPError (a 403 from a server that is not ours, say) is an OSError: the caller retries.
    with _opener.open(request, timeout=5) as response:
        answer = json.loads(response.read())
    page = answer.get("browser_page")
    return Answer(
        opened=bool(answer["opened"]),
        launch_url=answer.get("launch_url"),
        browser_page=page if isinstance(page, str) else None,
    )


def _read_record(path: Path) -> dict:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}
