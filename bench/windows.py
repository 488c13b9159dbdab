"""Window timings: process start to the first window loaded, and a second window's load time.

    python bench/windows.py            # 5 runs under a private Xvfb (needs Xvfb and the qt extra)
    python bench/windows.py --runs 9 --display :0     # on an existing display

Each run starts ``python -m otj_desktop --data-dir <fresh temp folder with a standard>`` (so the
first window shows the dashboard, not first-run setup) with the test-only control channel
(``otj_desktop/test_control.py``), and reads three moments from the app:

* **first window loaded**: the app records ``time.monotonic()`` when the dashboard's ``loaded``
  event fires (page loaded, after the launch redirect). ``CLOCK_MONOTONIC`` is system-wide on
  Linux, so it is compared with the moment just before this script spawned the process. This
  includes interpreter start, imports, migrating the new database, the GUI probe, Qt and
  Chromium starting, and the first page load.
* **second window loaded**: File → New window is triggered on the real Qt menu bar; the time
  runs from just before the trigger until the new window's dashboard has loaded.
* **exit after Quit**: File → Quit until the process has exited (windows closed, window state
  saved, server stopped, database checkpointed).

Baseline, in the same run: bare pywebview (no app, no server) opening a window on a static
page, then a second one, timed the same way. The difference is what the app itself adds; the
baseline alone shows how busy the machine is (it was 0.64 s / 0.17 s on a quiet machine).

One warm-up run (OS file cache) is not counted. Prints median and p95 of each.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.desktop import DesktopApp, gui_env, seed_standard, virtual_display  # noqa: E402

BASELINE = """
import json, os, sys, time, threading
if os.geteuid() == 0:
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] += " --no-sandbox"
import webview
page = "<!doctype html><title>Baseline</title><h1>Baseline</h1>"
def drive(w1):
    w1.events.loaded.wait(30)
    first = time.monotonic()
    asked = time.monotonic()
    w2 = webview.create_window("Two", html=page)
    w2.events.loaded.wait(30)
    second = time.monotonic()
    print(json.dumps([first, second - asked]), flush=True)
    w2.destroy()
    w1.destroy()
w1 = webview.create_window("One", html=page)
webview.start(drive, w1, gui="qt")
"""


def one_run(display: str) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        data_dir = tmp / "data"
        seed_standard(data_dir)
        app = DesktopApp(tmp, display, "--data-dir", str(data_dir))
        try:
            [first] = app.wait_windows(1, path="/")
            first_loaded = first["loaded_at"] - app.spawned_at
            asked = time.monotonic()
            app.call("menu", path=["File", "New window"])
            second = app.wait_windows(2, path="/")[1]
            second_loaded = second["loaded_at"] - asked
            quit_at = time.monotonic()
            app.call("menu", path=["File", "Quit"])
            if app.wait_exit(10) != 0:
                raise RuntimeError(f"the app failed: {app.stderr()}")
            exited = time.monotonic() - quit_at
        finally:
            app.close()
    return first_loaded, second_loaded, exited


def baseline_run(display: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        env = gui_env(Path(folder), display)
        started = time.monotonic()
        out = subprocess.run(
            [sys.executable, "-c", BASELINE], env=env, capture_output=True, text=True, timeout=60
        ).stdout
    first, second = json.loads(out.strip().splitlines()[-1])
    return first - started, second


def summary(label: str, values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return (
        f"{label:<34} median {statistics.median(values) * 1000:6.0f} ms   "
        f"p95 {p95 * 1000:6.0f} ms   min {values[0] * 1000:6.0f}   max {values[-1] * 1000:6.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--display", help="an X display to use (default: start Xvfb)")
    args = parser.parse_args()
    with ExitStack() as stack:
        display = args.display
        if not display:
            display = stack.enter_context(virtual_display())
        one_run(display)  # warm-up, not counted
        baseline_run(display)
        runs, baselines = [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            runs.append(one_run(display))
            baselines.append(baseline_run(display))
    print(f"runs: {args.runs} on display {display}; load average {os.getloadavg()[0]:.1f}")
    print(summary("process start -> first window loaded", [r[0] for r in runs]))
    print(summary("  baseline: bare pywebview", [b[0] for b in baselines]))
    print(summary("New window -> second window loaded", [r[1] for r in runs]))
    print(summary("  baseline: bare pywebview", [b[1] for b in baselines]))
    print(summary("File → Quit -> process exited", [r[2] for r in runs]))


if __name__ == "__main__":
    main()
