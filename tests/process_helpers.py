"""Run ``python -m otj_desktop`` as a real process and talk to it over real HTTP."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
URL_LINE = re.compile(r"OTJ Desktop is running at (http://127\.0\.0\.1:\d+/launch\?\S+)")


def app_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        env[name] = str(tmp / name.lower())
    env.pop("OTJ_DESKTOP_DATA_DIR", None)
    env.update(extra)
    return env


def start_app(
    tmp: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """Start the app and return the process and its launch URL (read from its first line)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "otj_desktop", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or app_env(tmp),
        cwd=tmp,
    )
    line = proc.stdout.readline()
    match = URL_LINE.search(line)
    if not match:
        proc.kill()
        raise AssertionError(f"no launch URL in {line!r}; stderr: {proc.stderr.read()}")
    return proc, match.group(1)


class Browserless:
    """A cookie-keeping HTTP client, like one app window without the rendering."""

    def __init__(self, launch_url: str) -> None:
        parts = urllib.parse.urlsplit(launch_url)
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.get(launch_url)

    def get(self, path: str) -> tuple[int, str]:
        url = path if path.startswith("http") else self.base + path
        with self.opener.open(url, timeout=10) as response:
            return response.status, response.read().decode()

    def csrf_token(self) -> str:
        page = self.get("/activities")[1]
        return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        data = urllib.parse.urlencode({**fields, "csrf_token": self.csrf_token()}).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def stop(proc: subprocess.Popen, sig: int, timeout: float = 3.0) -> tuple[int, float]:
    """Send ``sig`` and return (exit status, seconds it took)."""
    started = time.monotonic()
    proc.send_signal(sig)
    code = proc.wait(timeout)
    return code, time.monotonic() - started
