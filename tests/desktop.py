"""Real app windows under Xvfb, driven through the app's test-only control channel.

* ``xvfb`` (session fixture) starts ``Xvfb`` on a display number it picks itself
  (``-displayfd``), so parallel runs and other engineers' displays never collide.
* :class:`DesktopApp` starts ``python -m otj_desktop`` as its own process (a second
  ``webview.start`` in one process crashes Qt, so every GUI test gets a fresh one) with the
  ``XDG_*`` folders in a temp dir (Qt writes caches there), a fake system browser and file
  manager that only log what they were asked to open, and ``OTJ_DESKTOP_TEST_CONTROL``
  pointing at a socket this class listens on (see ``otj_desktop/test_control.py``).

Tests that need Xvfb or the Qt backend call ``require`` (skipped locally, failures in CI).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require, standard_json
from tests.process_helpers import REPO, URL_LINE

SCREEN = (2200, 900)  # room for two windows of the default width side by side
ARTIFACTS = REPO / "test-artifacts"


def require_gui() -> None:
    require(shutil.which("Xvfb") is not None, "Xvfb is not installed (apt-get install xvfb)")
    require(
        importlib.util.find_spec("PyQt6") is not None
        and importlib.util.find_spec("PyQt6.QtWebEngineWidgets") is not None,
        "the Qt backend is not installed (pip install 'otj-desktop[qt]')",
    )


@pytest.fixture(scope="session", name="xvfb")
def xvfb_fixture() -> Iterator[str]:
    """A virtual X display (``:N``) for the whole test session."""
    require_gui()
    with virtual_display() as display:
        yield display


@contextlib.contextmanager
def virtual_display() -> Iterator[str]:
    """Start Xvfb on a free display number (it picks one itself) and stop it afterwards."""
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            f"{SCREEN[0]}x{SCREEN[1]}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    try:
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


def seed_standard(data_dir: Path) -> None:
    """A data folder whose apprentice has chosen the test standard (the dashboard shows)."""
    from otj_desktop.standards.importer import parse_standard
    from otj_desktop.store import profile as profile_store
    from otj_desktop.store import standards as standard_store
    from otj_desktop.store.db import Database
    from otj_desktop.store.migrate import migrate

    data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(data_dir / "otj.sqlite3")
    migrate(db)
    with db.transaction() as tx:
        standard_id = standard_store.add(tx, parse_standard(standard_json())).standard_id
        profile_store.set_standard(tx, standard_id)
    db.checkpoint_and_close()


def gui_env(tmp: Path, display: str | None, **extra: str) -> dict[str, str]:
    """The environment for a GUI app process: everything it writes stays under ``tmp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "OTJ_DESKTOP_"))}
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("DISPLAY", None)
    if display:
        env["DISPLAY"] = display
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        env[name] = str(_private_dir(tmp / "xdg" / name.lower()))
    env["XDG_RUNTIME_DIR"] = str(_private_dir(tmp / "xdg" / "runtime"))
    # Quiet Qt and Chromium; the app itself adds --no-sandbox when it runs as root.
    env["QT_LOGGING_RULES"] = "default.warning=false"
    env["QTWEBENGINE_CHROMIUM_FLAGS"] = "--log-level=3"
    fakes = _fake_opener_dir(tmp)
    env["PATH"] = str(fakes) + os.pathsep + env.get("PATH", "")
    env["BROWSER"] = str(fakes / "fake-browser")
    env["OTJ_FAKE_OPEN_LOG"] = str(tmp / "opened.log")
    env.update(extra)
    return env


def opened_log(tmp: Path) -> list[str]:
    """What the fake browser and file manager were asked to open, in order."""
    path = tmp / "opened.log"
    return path.read_text().splitlines() if path.exists() else []


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _fake_opener_dir(tmp: Path) -> Path:
    folder = tmp / "fake-bin"
    folder.mkdir(exist_ok=True)
    for name in ("fake-browser", "xdg-open"):
        script = folder / name
        script.write_text(f'#!/bin/sh\necho "{name} $1" >> "$OTJ_FAKE_OPEN_LOG"\n')
        script.chmod(0o755)
    return folder


class ControlError(Exception):
    pass


class DesktopApp:
    """One running app process with real windows, and the means to drive it."""

    def __init__(
        self, tmp: Path, display: str | None, *args: str, problem: bool = False, **env: str
    ) -> None:
        """``problem``: the app is expected to show its start-up problem window first (its own
        process, connected to the same channel); :meth:`carry_on` then waits for the app."""
        self.tmp = tmp
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(60)
        port = self._listener.getsockname()[1]
        self.stderr_path = tmp / f"app-stderr-{time.monotonic_ns()}.txt"
        self._stderr_file = self.stderr_path.open("w")
        self._socket = self._stream = None
        self.spawned_at = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "otj_desktop", *args],
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
            text=True,
            env=gui_env(tmp, display, OTJ_DESKTOP_TEST_CONTROL=f"127.0.0.1:{port}", **env),
            cwd=tmp,
        )
        try:
            if problem:
                self._accept()
            else:
                self.carry_on()
        except BaseException:
            self.close()
            raise

    def carry_on(self) -> None:
        """Wait for the app's launch URL and its windows' control channel."""
        line = self.proc.stdout.readline()
        match = URL_LINE.search(line)
        if not match:
            raise AssertionError(f"no launch URL in {line!r}; stderr: {self.stderr()}")
        self.launch_url = match.group(1)
        self._accept()

    def _accept(self) -> None:
        if self._stream is not None:
            with contextlib.suppress(OSError):
                self._stream.close()
                self._socket.close()
        self._socket, _ = self._listener.accept()
        self._stream = self._socket.makefile("rw", encoding="utf-8", newline="\n")

    # -- talking to the app --------------------------------------------------------------------

    def call(self, op: str, **args: Any) -> Any:
        self._stream.write(json.dumps({"op": op, "args": args}) + "\n")
        self._stream.flush()
        line = self._stream.readline()
        if not line:
            raise ControlError(f"the app closed the control channel; stderr: {self.stderr()}")
        reply = json.loads(line)
        if not reply["ok"]:
            raise ControlError(reply["error"])
        return reply["result"]

    def windows(self) -> list[dict[str, Any]]:
        return self.call("windows")

    def js(self, window: str, code: str) -> Any:
        return self.call("run_js", window=window, js=code)

    def wait_for(self, check: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(ControlError):
                value = check()
                if value:
                    return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or check}")
            time.sleep(0.05)

    def wait_windows(self, count: int, *, path: str | None = None) -> list[dict[str, Any]]:
        """Wait until ``count`` windows are open and loaded (the last one at ``path``)."""

        def ready() -> list[dict[str, Any]] | None:
            windows = self.windows()
            if len(windows) != count or not all(w["loaded_at"] for w in windows):
                return None
            if path is not None and windows[-1]["path"] != path:
                return None
            return windows

        return self.wait_for(ready, what=f"{count} loaded window(s) at {path or 'any page'}")

    def text(self, window: str, selector: str) -> str | None:
        return self.js(
            window,
            f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent || null",
        )

    def server(self) -> dict[str, int]:
        return self.call("server")

    # -- the process ---------------------------------------------------------------------------

    def wait_exit(self, timeout: float = 10.0) -> int:
        return self.proc.wait(timeout)

    def terminate(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> tuple[int, float]:
        started = time.monotonic()
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        return code, time.monotonic() - started

    def stderr(self) -> str:
        return self.stderr_path.read_text() if self.stderr_path.exists() else ""

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def close(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            self._stream.close()
            self._socket.close()
        self._listener.close()
        self.kill()
        self.proc.stdout.close()
        self._stderr_file.close()


@contextlib.contextmanager
def desktop_app(
    tmp: Path, display: str | None, *args: str, problem: bool = False, **env: str
) -> Iterator[DesktopApp]:
    app = DesktopApp(tmp, display, *args, problem=problem, **env)
    try:
        yield app
    finally:
        app.close()
