"""Install the .deb on this machine and prove the installed copy works and keeps user data.

    sudo python3 build/linux/check_deb.py dist/otj-desktop_<version>_<arch>.deb

Run by .ci/run as root on a Debian machine whose Qt runtime libraries are installed (the
package's Depends). Uses only the standard library, so the system Python runs it. Steps:

1. install an *older* copy of the package (the same files, labelled ``<version>~older``);
2. run ``otj-desktop --self-test`` from the installed files (through /usr/bin), as root and
   as an ordinary user;
3. start the installed app headless with the default data folder (in a throw-away HOME) and
   log an activity over HTTP, as a window would;
4. install the real package over it (a dpkg upgrade), then start the app again and check the
   activity is still listed (the new version opens, and would migrate, the same data), and
   run the self-test again from the package as shipped;
5. ``dpkg --verify``: running the app changed nothing in its install folder;
6. purge the package: the data folder is still there.

Prints one line per step, then a closing "check_deb: N passed, 0 failed"; exits non-zero at the
first failure.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

PACKAGE = "otj-desktop"
COMMAND = "/usr/bin/otj-desktop"
URL_LINE = re.compile(r"running at (http://127\.0\.0\.1:\d+/launch\?\S+)")
MARKER = "Kept across the upgrade"


PASSED = []


def step(text: str) -> None:
    PASSED.append(text)
    print(f"[check_deb] {text}", flush=True)


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise SystemExit(
            f"[check_deb] FAILED: {' '.join(args)} exited {done.returncode}\n"
            f"{done.stdout}\n{done.stderr}"
        )
    return done


def older_copy(deb: Path, workdir: Path) -> Path:
    """The same package relabelled with a lower version, to install first and upgrade from."""
    tree = workdir / "older"
    run("dpkg-deb", "-R", str(deb), str(tree))
    control = tree / "DEBIAN" / "control"
    text = control.read_text(encoding="utf-8")
    version = re.search(r"^Version: (.+)$", text, re.MULTILINE)[1]
    control.write_text(text.replace(f"Version: {version}", f"Version: {version}~older"))
    out = workdir / "older.deb"
    run("dpkg-deb", "--root-owner-group", "-Zzstd", "-z1", "--build", str(tree), str(out))
    shutil.rmtree(tree)
    return out


def app_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "OTJ_"))}
    env["HOME"] = str(home)
    return env


class RunningApp:
    """The installed app started headless; a cookie-keeping client signed in as one window."""

    def __init__(self, home: Path) -> None:
        self.proc = subprocess.Popen(
            [COMMAND, "--headless"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=app_env(home),
        )
        line = self.proc.stdout.readline()
        match = URL_LINE.search(line)
        if not match:
            self.proc.kill()
            raise SystemExit(
                f"[check_deb] FAILED: no launch URL in {line!r}: {self.proc.stderr.read()}"
            )
        parts = urllib.parse.urlsplit(match[1])
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.get(match[1])

    def get(self, url: str) -> str:
        url = url if url.startswith("http") else self.base + url
        with self.opener.open(url, timeout=10) as response:
            return response.read().decode()

    def post(self, path: str, fields: dict[str, str]) -> str:
        page = self.get("/activities")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
        data = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        with self.opener.open(self.base + path, data=data, timeout=10) as response:
            return response.read().decode()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(10)
        if code != 0:
            raise SystemExit(
                f"[check_deb] FAILED: the app exited {code}: {self.proc.stderr.read()}"
            )


def self_test_as_a_user(workdir: Path) -> None:
    """Apprentices are not root: run the installed copy as an ordinary user too."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return
    home = workdir / "user-home"
    home.mkdir()
    os.chown(home, 65534, 65534)
    workdir.chmod(0o711)  # let that user reach its home
    done = run(
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        COMMAND,
        "--self-test",
        env=app_env(home),
    )
    step(f"as an ordinary user (uid 65534): {done.stdout.strip()}")


def seed(home: Path) -> None:
    app = RunningApp(home)
    try:
        key = re.search(r'<input type="radio" name="key"[^>]*value="([^"]+)"', app.get("/setup"))
        if not key:
            raise SystemExit("[check_deb] FAILED: the setup page offers no bundled standard")
        app.post("/standards/catalogue", {"key": key[1]})
        app.post(
            "/activities/new",
            {
                "title": MARKER,
                "activity_date": time.strftime("%Y-%m-%d"),
                "duration_hours": "1.5",
                "activity_type": "self_study",
                "evidence_quality": "draft",
                "hours_basis": "paid",
            },
        )
        if MARKER not in app.get("/activities"):
            raise SystemExit("[check_deb] FAILED: could not log the marker activity")
    finally:
        app.stop()


def still_there(home: Path) -> None:
    app = RunningApp(home)
    try:
        if MARKER not in app.get("/activities"):
            raise SystemExit("[check_deb] FAILED: the activity logged before the upgrade is gone")
    finally:
        app.stop()


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.strip().splitlines()[2].strip())
    deb = Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory(prefix="otj-check-deb-") as tmp:
        workdir = Path(tmp)
        home = workdir / "home"
        home.mkdir()
        started = time.monotonic()
        older = older_copy(deb, workdir)
        run("dpkg", "-i", str(older))
        step(f"installed {older.name} (relabelled older copy)")

        done = run(COMMAND, "--self-test", env=app_env(home))
        step(done.stdout.strip())
        self_test_as_a_user(workdir)

        seed(home)
        data_dir = home / ".local" / "share" / "OTJ Desktop"
        step(f"logged an activity in {data_dir}")

        run("dpkg", "-i", str(deb))
        version = run("dpkg-query", "-W", "-f=${Version}", PACKAGE).stdout
        step(f"upgraded to {version} over it")
        still_there(home)
        step("the activity is still there after the upgrade")
        done = run(COMMAND, "--self-test", env=app_env(home))
        step(f"the shipped package: {done.stdout.strip()}")

        run("dpkg", "--verify", PACKAGE)
        step("dpkg --verify: the install folder is unchanged after running the app")

        run("dpkg", "--purge", PACKAGE)
        if not (data_dir / "otj.sqlite3").is_file():
            raise SystemExit("[check_deb] FAILED: purging the package removed the user's data")
        step(f"purged the package; the data is still in {data_dir}")
        print(f"[check_deb] took {time.monotonic() - started:.0f} s")
        print(f"check_deb: {len(PASSED)} passed, 0 failed", flush=True)


if __name__ == "__main__":
    main()
