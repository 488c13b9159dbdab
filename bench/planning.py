"""Benchmark: the planning pages (readiness, entry checks, drafts) at 1,000 / 10,000 / 50,000
activities.

Run from the repository root (about a minute and a half on a 2-core machine):

    python bench/planning.py                      # all three sizes
    python bench/planning.py --sizes 50000 --runs 10

Seeds each size as ``bench/progress.py`` does (same generator, same seed), adds three recurring
templates with ten weeks of drafts made by the real catch-up, then times over one keep-alive
HTTP connection on the real waitress server:

* ``GET /`` (the dashboard, which now carries the readiness card and the drafts to review),
* ``GET /readiness``, ``GET /checks`` (every live entry checked), ``GET /activities``;

and in-process, without HTTP:

* the readiness figures alone (what the dashboard card adds), against the old dashboard's
  heaviest read, ``stats.ksb_stats`` (a baseline in the same run);
* making the drafts of three templates after ten weeks closed (one transaction).

Prints median, 95th percentile and minimum in milliseconds, and a Markdown table at the end.
The write-side price of the extra running total (``ksb_quality_total``) shows in
``bench/progress.py``'s "save an activity" line, run on this tree and on the one before.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from progress import TODAY, Client, load, p95, seed, timed

from otj_desktop.domain.templates import TemplateInput
from otj_desktop.server import AppServer
from otj_desktop.store import drafts as draft_store
from otj_desktop.store import readiness as readiness_store
from otj_desktop.store import stats
from otj_desktop.store import templates as template_store
from otj_desktop.web import create_app

WEEKS_CLOSED = 10


def add_templates(db, ksb_id: int) -> None:
    """Three recurring templates switched on ten weeks ago (their drafts are not made yet)."""
    switched_on = TODAY - timedelta(weeks=WEEKS_CLOSED)
    with db.transaction() as tx:
        for n, (kind, weekday) in enumerate(
            (("mentoring", 0), ("project_work", 2), ("research", 4))
        ):
            template_store.create(
                tx,
                TemplateInput(
                    name=f"Recurring {n}",
                    title=f"Weekly {kind}",
                    activity_type=kind,
                    duration_minutes=60,
                    ksb_ids=(ksb_id, ksb_id + n + 1),
                    tags=("weekly",),
                    weekday=weekday,
                    active=True,
                    start_date=switched_on,
                ),
                today=switched_on,
            )


def run_size(size: int, runs: int) -> list[tuple]:
    rng = random.Random(size)
    results = []
    with tempfile.TemporaryDirectory(prefix="otj-bench-") as folder:
        app = create_app({"DATA_DIR": Path(folder) / "data"})
        app.extensions["otj"].clock = lambda: TODAY
        info = seed(app, size, rng)
        db = app.extensions["otj"].db
        add_templates(db, info["ksb_id"])

        start = time.perf_counter()
        with db.transaction() as tx:
            made = len(draft_store.make_due_drafts(tx, TODAY))
        results.append(
            (
                size,
                f"make drafts: 3 templates, {WEEKS_CLOSED} weeks closed ({made} drafts)",
                [(time.perf_counter() - start) * 1000],
            )
        )
        report(results[-1])
        print(f"\n{size:,} activities, {made} drafts waiting; {load()}", flush=True)

        server = AppServer(app)
        server.start()
        try:
            client = Client(server)
            for path in ("/", "/readiness", "/checks", "/activities", "/templates"):
                count = max(runs // 3, 5) if path == "/checks" and size > 10_000 else runs
                results.append((size, f"GET {path}", timed(lambda p=path: client.get(p), count)))
                report(results[-1])
        finally:
            server.stop()
        with db.connection() as conn:
            standard_id = conn.execute("SELECT standard_id FROM profile").fetchone()[0]
            results.append(
                (
                    size,
                    "readiness figures (the dashboard card's reads)",
                    timed(lambda: readiness_store.readiness(conn, standard_id, TODAY), runs),
                )
            )
            report(results[-1])
            results.append(
                (
                    size,
                    "baseline: stats.ksb_stats (the coverage map's read)",
                    timed(lambda: stats.ksb_stats(conn, standard_id), runs),
                )
            )
            report(results[-1])
    return results


def report(result: tuple) -> None:
    _size, label, times = result
    print(
        f"  {label:52s} median {statistics.median(times):7.1f} ms  p95 {p95(times):7.1f} ms  "
        f"min {min(times):7.1f} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    args = parser.parse_args()
    everything = []
    for size in args.sizes:
        everything.extend(run_size(size, args.runs))
    print(f"\nFinished; {load()}. {os.cpu_count()} CPUs.")
    print("\n| activities | measure | median ms | p95 ms | min ms |")
    print("|---:|---|---:|---:|---:|")
    for size, label, times in everything:
        print(
            f"| {size:,} | {label} | {statistics.median(times):.1f} | {p95(times):.1f} "
            f"| {min(times):.1f} |"
        )


if __name__ == "__main__":
    main()
