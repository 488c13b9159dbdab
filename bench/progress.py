"""Benchmark: dashboard, activity list and CSV export at 1,000 / 10,000 / 50,000 activities.

Run from the repository root (one command, about two minutes on a 2-core machine):

    python bench/progress.py                      # all three sizes
    python bench/progress.py --sizes 1000 --runs 10

For each size it seeds a fresh data folder through the real migrations (so the triggers that
keep the running totals do their work while seeding), starts the app on the real waitress
server (``AppServer``, as tests/conftest.py does), signs in through a launch URL like a window,
and times over one keep-alive HTTP connection:

* ``GET /`` (the dashboard),
* ``GET /activities`` unfiltered, filtered by KSB and date range, and by a text search (FTS5),
* ``GET /activities/export.csv`` for about 10,000 rows (every row at 1k and 10k; a date range
  holding about 10,000 at 50k).

The baselines run in the same process on the same database, without HTTP:

* "naive": the dashboard's numbers worked out by loading every activity and link into Python
  (what the original web app did), and the CSV built with one query per activity for its KSBs
  and tags;
* "SQL, no totals": the same numbers as aggregate SQL over the activity and link rows, without
  the running totals (what the dashboard would cost with only the indexes);
* the price of the totals and the search index: saving an activity through the store, with
  the triggers that keep them and then with every trigger dropped.

Prints median, 95th percentile and minimum in milliseconds, with the machine's load average
(the minimum shows the cost on an idle core when other work shares the machine). Targets
(median): dashboard <= 10 ms at 1k, <= 20 ms at 10k, <= 60 ms at 50k; list page <= 20 ms at
50k; CSV export of 10k rows <= 300 ms.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from otj_desktop.domain.activities import ActivityInput
from otj_desktop.domain.activity_types import counting_type_keys
from otj_desktop.domain.dates import week_start
from otj_desktop.server import AppServer
from otj_desktop.standards.catalogue import load_catalogue_standard
from otj_desktop.store import activities as activity_store
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.web import create_app
from otj_desktop.web.security import launch_path

TODAY = date(2026, 11, 27)
YEARS = 3
TARGETS_MS = {
    ("dashboard", 1_000): 10,
    ("dashboard", 10_000): 20,
    ("dashboard", 50_000): 60,
    ("list", 50_000): 20,
    ("csv", None): 300,
}

TYPES = {
    "self_study": 25,
    "project_work": 20,
    "training_course": 10,
    "mentoring": 10,
    "research": 10,
    "workshop": 8,
    "writing": 7,
    "shadowing": 5,
    "conference": 3,
    "other": 2,
}
MINUTES = {30: 15, 60: 25, 90: 15, 120: 20, 180: 10, 240: 8, 450: 7}
QUALITY = {"draft": 40, "good": 40, "review_ready": 20}
SEARCH_WORD = "calibration"  # a mid-frequency word of the vocabulary below


# --- seeding ------------------------------------------------------------------------------------


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """~600 words with Zipf-like weights: a few common, most rare."""
    real = [
        "learned",
        "applied",
        "widget",
        "testing",
        "review",
        "design",
        "code",
        "api",
        "mentor",
        "session",
        "course",
        "module",
        "project",
        "report",
        "reflection",
        "safety",
        "agile",
        "sprint",
        "deploy",
        "database",
        "query",
        "customer",
        "team",
        "calibration",
        "tolerance",
        "drawing",
        "standard",
        "quality",
        "defect",
        "inspection",
        "assembly",
        "tooling",
        "feedback",
        "presentation",
        "workshop",
        "pairing",
        "refactor",
        "pipeline",
        "security",
        "accessibility",
    ]
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "dri", "gon", "ster"]
    made = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(700)}
    words = real + sorted(made - set(real))[:560]
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(words))]
    return words, weights


def seed(app, size: int, rng: random.Random) -> dict:
    """Fill the app's database: a standard, a profile and ``size`` activities over 3 years."""
    db = app.extensions["otj"].db
    with db.transaction() as tx:
        standard_id = standard_store.add(tx, load_catalogue_standard("st0116_v1_1")).standard_id
        profile_store.set_standard(tx, standard_id)
        profile = profile_store.get(tx.conn)
        profile_store.save(
            tx,
            profile_store.Profile(
                **{
                    **profile.__dict__,
                    "start_date": TODAY - timedelta(days=365 * YEARS),
                    "practical_end_date": TODAY + timedelta(days=180),
                    "weekly_contracted_hours": 37.5,
                    "planned_otj_hours": 1200.0,
                    "weekly_target_hours": 7.5,
                    "training_target_hours": 150.0,
                }
            ),
        )
        ksb_ids = sorted(standard_store.ksb_ids(tx.conn, standard_id))

    words, weights = vocabulary(rng)
    tag_names = [f"tag-{w}" for w in words[5:45]]
    tag_weights = [1 / (i + 1) for i in range(len(tag_names))]
    ksb_weights = [1 / (i % 12 + 1) ** 0.5 for i in range(len(ksb_ids))]

    def pick(table: dict):
        return rng.choices(list(table), list(table.values()))[0]

    activities, ksb_links, tag_links = [], [], []
    first_day = TODAY - timedelta(days=365 * YEARS)
    for activity_id in range(1, size + 1):
        day = first_day + timedelta(days=rng.randrange(365 * YEARS + 1))
        title = " ".join(rng.choices(words, weights, k=rng.randint(3, 7))).capitalize()
        description = " ".join(rng.choices(words, weights, k=rng.randint(20, 60)))
        notes = " ".join(rng.choices(words, weights, k=rng.randint(0, 12)))
        deleted = "2026-01-01T00:00:00Z" if rng.random() < 0.02 else None
        activities.append(
            (
                activity_id,
                title,
                day.isoformat(),
                pick(MINUTES),
                pick(TYPES),
                description,
                notes,
                pick(QUALITY),
                "2026-01-01T00:00:00Z",
                "2026-01-01T00:00:00Z",
                deleted,
            )
        )
        for ksb_id in set(rng.choices(ksb_ids, ksb_weights, k=rng.randint(1, 3))):
            ksb_links.append((activity_id, ksb_id))
        for tag_index in {rng.choices(range(len(tag_names)), tag_weights)[0] for _ in range(2)}:
            if rng.random() < 0.6:
                tag_links.append((activity_id, tag_index + 1))

    with db.transaction() as tx:
        tx.conn.executemany(
            "INSERT INTO tag (id, name) VALUES (?, ?)",
            [(i + 1, name) for i, name in enumerate(tag_names)],
        )
        tx.conn.executemany(
            """INSERT INTO activity (id, title, activity_date, duration_minutes, activity_type,
                   description, notes, evidence_quality, created_at, updated_at, deleted_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            activities,
        )
        tx.conn.executemany("INSERT INTO activity_ksb VALUES (?, ?)", ksb_links)
        tx.conn.executemany("INSERT INTO activity_tag VALUES (?, ?)", tag_links)
    db.checkpoint_and_close()  # what the app does when it closes
    return {"ksb_id": ksb_ids[3], "ksb_links": len(ksb_links), "tag_links": len(tag_links)}


# --- timing -------------------------------------------------------------------------------------


class Client:
    """A signed-in window: one keep-alive HTTP connection with the session cookie."""

    def __init__(self, server: AppServer) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        self.conn.request("GET", launch_path(server.app.extensions["otj"].launch_tokens))
        response = self.conn.getresponse()
        response.read()
        assert response.status == 302, response.status
        self.cookie = response.getheader("Set-Cookie").split(";", 1)[0]

    def get(self, path: str) -> bytes:
        self.conn.request("GET", path, headers={"Cookie": self.cookie})
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path} -> {response.status}")
        return body


def timed(action: Callable[[], object], runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- baselines ----------------------------------------------------------------------------------


def naive_dashboard(conn, today: date) -> dict:
    """The dashboard's numbers the way the original app worked them out: every row in Python."""
    counting = set(counting_type_keys())
    rows = conn.execute(
        """SELECT id, activity_date, duration_minutes, activity_type, title
           FROM activity WHERE deleted_at IS NULL"""
    ).fetchall()
    links = defaultdict(list)
    for activity_id, ksb_id in conn.execute("SELECT activity_id, ksb_id FROM activity_ksb"):
        links[activity_id].append(ksb_id)
    tags = defaultdict(list)
    for activity_id, name in conn.execute(
        "SELECT at.activity_id, t.name FROM activity_tag at JOIN tag t ON t.id = at.tag_id"
    ):
        tags[activity_id].append(name)
    monday = week_start(today)
    total = week = 0
    by_type: Counter = Counter()
    by_ksb: Counter = Counter()
    by_week: Counter = Counter()
    tag_counts: Counter = Counter()
    for activity_id, day_text, minutes, kind, _title in rows:
        day = date.fromisoformat(day_text)
        by_type[kind] += minutes
        tag_counts.update(tags[activity_id])
        if kind in counting:
            total += minutes
            week += minutes if monday <= day <= monday + timedelta(days=6) else 0
            by_week[week_start(day)] += minutes
            for ksb_id in links[activity_id]:
                by_ksb[ksb_id] += minutes
    recent = sorted(rows, key=lambda r: (r[1], r[0]), reverse=True)[:5]
    return {
        "total": total,
        "week": week,
        "by_type": by_type,
        "by_ksb": by_ksb,
        "weeks": [by_week[monday - timedelta(weeks=i)] for i in range(12)],
        "tags": tag_counts.most_common(10),
        "recent": recent,
    }


def sql_dashboard_without_totals(conn, today: date) -> dict:
    """The same numbers as aggregate SQL over the rows and links (indexes, no running totals)."""
    monday = week_start(today)
    first = monday - timedelta(weeks=11)
    return {
        "by_type": conn.execute(
            """SELECT activity_type, count(*), sum(duration_minutes) FROM activity
               WHERE deleted_at IS NULL GROUP BY activity_type"""
        ).fetchall(),
        "weeks": conn.execute(
            """SELECT activity_date, activity_type, sum(duration_minutes) FROM activity
               WHERE deleted_at IS NULL AND activity_date >= ? GROUP BY 1, 2""",
            (first.isoformat(),),
        ).fetchall(),
        "by_ksb": conn.execute(
            """SELECT ak.ksb_id, a.activity_type, count(*), sum(a.duration_minutes)
               FROM activity_ksb ak JOIN activity a ON a.id = ak.activity_id
               WHERE a.deleted_at IS NULL GROUP BY 1, 2"""
        ).fetchall(),
        "tags": conn.execute(
            """SELECT at.tag_id, count(*) FROM activity_tag at
               JOIN activity a ON a.id = at.activity_id
               WHERE a.deleted_at IS NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 10"""
        ).fetchall(),
        "recent": conn.execute(
            """SELECT * FROM activity WHERE deleted_at IS NULL
               ORDER BY activity_date DESC, id DESC LIMIT 5"""
        ).fetchall(),
    }


def naive_csv(conn, date_from: str | None) -> str:
    """CSV built the simple way: one query per activity for its KSBs and tags."""
    out = io.StringIO()
    writer = csv.writer(out)
    rows = conn.execute(
        """SELECT id, activity_date, title, duration_minutes, activity_type, evidence_quality,
                  description FROM activity
           WHERE deleted_at IS NULL AND activity_date >= ?
           ORDER BY activity_date DESC, id DESC""",
        (date_from or "0000",),
    ).fetchall()
    for row in rows:
        codes = [
            r[0]
            for r in conn.execute(
                """SELECT k.code FROM activity_ksb ak JOIN ksb k ON k.id = ak.ksb_id
                   WHERE ak.activity_id = ?""",
                (row[0],),
            )
        ]
        names = [
            r[0]
            for r in conn.execute(
                """SELECT t.name FROM activity_tag at JOIN tag t ON t.id = at.tag_id
                   WHERE at.activity_id = ?""",
                (row[0],),
            )
        ]
        writer.writerow([*row[1:6], "; ".join(names), " ".join(codes), row[6]])
    return out.getvalue()


# --- one size -----------------------------------------------------------------------------------


def csv_date_from(conn, size: int) -> str | None:
    """The first day of a range holding about 10,000 live activities (None: all of them)."""
    if size <= 10_000:
        return None
    return conn.execute(
        """SELECT activity_date FROM activity WHERE deleted_at IS NULL
           ORDER BY activity_date DESC LIMIT 1 OFFSET 9999"""
    ).fetchone()[0]


def run_size(size: int, runs: int) -> list[tuple]:
    rng = random.Random(size)
    with tempfile.TemporaryDirectory(prefix="otj-bench-") as folder:
        app = create_app({"DATA_DIR": Path(folder) / "data"})
        app.extensions["otj"].clock = lambda: TODAY
        started = time.perf_counter()
        info = seed(app, size, rng)
        seeded_in = time.perf_counter() - started
        db = app.extensions["otj"].db
        with db.connection() as conn:
            date_from = csv_date_from(conn, size)
            csv_rows = conn.execute(
                "SELECT count(*) FROM activity WHERE deleted_at IS NULL AND activity_date >= ?",
                (date_from or "0000",),
            ).fetchone()[0]
            matches = conn.execute(
                """SELECT count(*) FROM activity_fts f JOIN activity a ON a.id = f.rowid
                   WHERE activity_fts MATCH ? AND a.deleted_at IS NULL""",
                (f'"{SEARCH_WORD}"*',),
            ).fetchone()[0]
        print(
            f"\n{size:,} activities ({info['ksb_links']:,} KSB links, {info['tag_links']:,} tag "
            f"links) seeded in {seeded_in:.1f} s; search {SEARCH_WORD!r} matches {matches:,}; "
            f"CSV holds {csv_rows:,} rows; {load()}",
            flush=True,
        )
        server = AppServer(app)
        server.start()
        results = []
        try:
            client = Client(server)
            filtered = f"/activities?ksb={info['ksb_id']}&from={TODAY.year - 1}-01-01"
            csv_path = "/activities/export.csv" + (f"?from={date_from}" if date_from else "")
            body = client.get(csv_path)
            assert body.count(b"\r\n") >= csv_rows + 1, "the export lost rows"
            cases = [
                ("dashboard", "GET /", lambda: client.get("/"), runs),
                ("list", "GET /activities", lambda: client.get("/activities"), runs),
                (
                    "list",
                    "GET /activities?ksb=..&from=..",
                    lambda: client.get(filtered),
                    runs,
                ),
                (
                    "list",
                    f"GET /activities?q={SEARCH_WORD}",
                    lambda: client.get(f"/activities?q={SEARCH_WORD}"),
                    runs,
                ),
                (
                    "list",
                    "GET /activities?page=200",
                    lambda: client.get("/activities?page=200"),
                    runs,
                ),
                (
                    "csv",
                    f"CSV export, {csv_rows:,} rows",
                    lambda: client.get(csv_path),
                    max(runs // 3, 5),
                ),
            ]
            for kind, label, action, count in cases:
                results.append((size, kind, label, timed(action, count)))
                report(results[-1])
        finally:
            server.stop()
        with db.connection() as conn:
            baselines = [
                (
                    "dashboard",
                    "baseline: naive, all rows in Python",
                    lambda: naive_dashboard(conn, TODAY),
                    max(runs // 3, 5),
                ),
                (
                    "dashboard",
                    "baseline: SQL over rows, no totals",
                    lambda: sql_dashboard_without_totals(conn, TODAY),
                    max(runs // 3, 5),
                ),
                (
                    "csv",
                    f"baseline: naive CSV, {csv_rows:,} rows",
                    lambda: naive_csv(conn, date_from),
                    3,
                ),
            ]
            for kind, label, action, count in baselines:
                results.append((size, kind, label, timed(action, count, warmup=1)))
                report(results[-1])
        # The price of the running totals and the search index is paid on writes: time saving
        # a new activity (2 KSBs, 1 tag) with the triggers, then without them.
        write = make_writer(db, info)
        results.append(
            (size, "write", "save an activity (store, one transaction)", timed(write, runs))
        )
        report(results[-1])
        with db.connection() as conn:
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).fetchall():
                conn.execute(f'DROP TRIGGER "{name}"')
        results.append(
            (size, "write", "baseline: the same save without triggers", timed(write, runs))
        )
        report(results[-1])
        return results


def make_writer(db, info: dict) -> Callable[[], None]:
    """Saving one new activity through the store, as the activity form does."""
    counter = iter(range(10**9))

    def write() -> None:
        with db.transaction() as tx:
            activity_store.create(
                tx,
                ActivityInput(
                    title=f"Bench entry {next(counter)}",
                    activity_date=TODAY,
                    duration_minutes=90,
                    activity_type="workshop",
                    description="Learned the calibration routine and applied it to the jig.",
                    ksb_ids=(info["ksb_id"], info["ksb_id"] + 1),
                    tags=("bench",),
                ),
            )

    return write


def target_for(size: int, kind: str, label: str) -> int | None:
    if label.startswith("baseline"):
        return None
    if kind == "csv":
        return TARGETS_MS[("csv", None)]
    return TARGETS_MS.get((kind, size))


def report(result: tuple) -> None:
    size, kind, label, times = result
    target = target_for(size, kind, label)
    median = statistics.median(times)
    verdict = ""
    if target is not None:
        verdict = f"  (target <= {target} ms: {'met' if median <= target else 'MISSED'})"
    print(
        f"  {label:42s} median {median:7.1f} ms  p95 {p95(times):7.1f} ms  "
        f"min {min(times):7.1f} ms{verdict}",
        flush=True,
    )


def load() -> str:
    """The machine's load average: the figures mean little on a busy machine."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    args = parser.parse_args()
    everything = []
    for size in args.sizes:
        everything.extend(run_size(size, args.runs))
    print(f"\nFinished; {load()}. {os.cpu_count()} CPUs.")
    print("\n| activities | measure | median ms | p95 ms | min ms | target |")
    print("|---:|---|---:|---:|---:|---|")
    for size, kind, label, times in everything:
        target = target_for(size, kind, label)
        shown = f"<= {target} ms" if target is not None else ""
        print(
            f"| {size:,} | {label} | {statistics.median(times):.1f} | {p95(times):.1f} "
            f"| {min(times):.1f} | {shown} |"
        )


if __name__ == "__main__":
    main()
