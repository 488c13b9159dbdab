"""Start-up time: process start to the first 200 response from the app, median of N runs.

    python bench/startup.py            # from source, 5 runs
    python bench/startup.py --runs 9 --command /opt/otj-desktop/otj-desktop

Each run starts ``--headless`` on a fresh temporary data folder, reads the launch URL from the
first line of output, and polls it until it answers 200 (it redirects to the dashboard once
signed in; the launch token is only accepted once, so the clock stops at the first success).
The time includes interpreter start, imports, creating and migrating the database, and binding.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
URL_LINE = re.compile(r"running at (http://\S+)")


def one_run(command: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PYTHONPATH=str(REPO), XDG_DATA_HOME=tmp, XDG_STATE_HOME=tmp)
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*command, "--headless", "--data-dir", tmp],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        try:
            url = URL_LINE.search(proc.stdout.readline()).group(1)
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
            while True:
                try:
                    with opener.open(url, timeout=5) as response:
                        if response.status == 200:
                            return time.perf_counter() - started
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.005)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--command", help="the app to start (default: this checkout from source)")
    args = parser.parse_args()
    command = [args.command] if args.command else [sys.executable, "-m", "otj_desktop"]
    one_run(command)  # warm the OS file cache; not counted
    times = sorted(one_run(command) for _ in range(args.runs))
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"command: {' '.join(command)}")
    print(
        f"runs: {args.runs}  median: {statistics.median(times) * 1000:.0f} ms  "
        f"p95: {p95 * 1000:.0f} ms  min: {times[0] * 1000:.0f} ms  max: {times[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
