"""Start-up problem window timings: how soon a double-clicker sees why the app did not start,
and how long "Restore the newest good backup" takes until the dashboard is there.

    python bench/startup_problem.py            # 5 runs under a private Xvfb (needs the qt extra)
    python bench/startup_problem.py --runs 9 --display :0

Each run makes a data folder with activities and a backup two hours old, damages the database,
and starts ``python -m otj_desktop --data-dir <it>`` with the test-only control channel:

* **problem window loaded**: from just before the process is spawned until the problem page
  has loaded in its window (a child process: interpreter, imports, the integrity check, the
  GUI probe, the page's server, then a second Python process starting Qt and Chromium);
* **Restore -> dashboard loaded**: from the click until the app's own window shows the
  dashboard (the recovery, closing the problem window, then the app's usual start).

Baseline, in the same run: the same data folder, not damaged, started the same way; its first
window (the dashboard) loaded. One warm-up run is not counted. Prints median and p95.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.windows import summary  # noqa: E402
from tests.desktop import DesktopApp, virtual_display  # noqa: E402
from tests.test_backup_launcher import damage, make_data  # noqa: E402


def problem_run(display: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        data = tmp / "data"
        make_data(data, backup_age=timedelta(hours=2))
        damage(data / "otj.sqlite3")
        app = DesktopApp(tmp, display, "--data-dir", str(data), problem=True)
        try:
            [window] = app.wait_windows(1)
            shown = window["loaded_at"] - app.spawned_at
            clicked = time.monotonic()
            app.js(window["id"], "document.querySelector('[data-testid=restore]').click(); 1")
            app.carry_on()
            [main] = app.wait_windows(1, path="/")
            restored = main["loaded_at"] - clicked
            app.call("quit")
            if app.wait_exit(10) != 0:
                raise RuntimeError(f"the app failed: {app.stderr()}")
        finally:
            app.close()
    return shown, restored


def healthy_run(display: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        data = tmp / "data"
        make_data(data, backup_age=timedelta(hours=2))
        app = DesktopApp(tmp, display, "--data-dir", str(data))
        try:
            [first] = app.wait_windows(1, path="/")
            app.call("quit")
            app.wait_exit(10)
        finally:
            app.close()
    return first["loaded_at"] - app.spawned_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--display", help="an X display to use (default: start Xvfb)")
    args = parser.parse_args()
    with ExitStack() as stack:
        display = args.display or stack.enter_context(virtual_display())
        problem_run(display)  # warm-up, not counted
        problems, healthy = [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            problems.append(problem_run(display))
            healthy.append(healthy_run(display))
    print(f"runs: {args.runs} on display {display}; load average {os.getloadavg()[0]:.1f}")
    print(summary("process start -> problem window", [p[0] for p in problems]))
    print(summary("  baseline: healthy first window", healthy))
    print(summary("Restore -> dashboard loaded", [p[1] for p in problems]))


if __name__ == "__main__":
    main()
