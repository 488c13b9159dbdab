"""How long data safety takes on four years of data: history on every save, backups, export,
import, restore, and the integrity check at start.

    python bench/data_safety.py [--activities 2500]

Builds a database like four busy years (2,500 activities, each edited twice, with KSB links and
tags) in a temporary folder, then prints the median and 95th percentile of each operation.
Saving an activity is also timed with edit history switched off, as the baseline for what
history costs on the one write path.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from otj_desktop.domain.activities import ActivityInput
from otj_desktop.standards.catalogue import list_catalogue, load_catalogue_standard
from otj_desktop.store import activities as activity_store
from otj_desktop.store import archive, history, integrity
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.store.backup import Backups
from otj_desktop.store.db import Database
from otj_desktop.store.migrate import migrate


def entry(i: int, ksb_ids: list[int]) -> ActivityInput:
    return ActivityInput(
        title=f"Activity {i}: workshop on topic {i % 40}",
        activity_date=date(2023, 1, 2) + timedelta(days=i % 1400),
        duration_minutes=15 * (1 + i % 16),
        activity_type="workshop",
        description=("What I learned and how I applied it. " * 12).strip(),
        notes="Private note.",
        ksb_ids=tuple(ksb_ids[i % len(ksb_ids) : i % len(ksb_ids) + 3]),
        tags=(f"topic-{i % 25}", "bench"),
    )


def build(path: Path, count: int) -> Database:
    db = Database(path)
    migrate(db)
    with db.transaction() as tx:
        key = list_catalogue()[0].key
        standard_id = standard_store.add(tx, load_catalogue_standard(key)).standard_id
        profile_store.set_standard(tx, standard_id)
    with db.connection() as conn:
        ksb_ids = [k.id for k in standard_store.ksbs(conn, standard_id)]
    with db.transaction() as tx:
        for i in range(count):
            activity_id = activity_store.create(tx, entry(i, ksb_ids))
            for v in (1, 2):
                activity_store.update(tx, activity_id, entry(i + v, ksb_ids), expected_version=v)
    return db


def timed(label: str, runs: int, action: Callable[[], object]) -> None:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    report(label, samples)


def report(label: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    print(f"{label:<46} median {statistics.median(samples):8.1f} ms   p95 {p95:8.1f} ms")


def _no_history(*args: object, **kwargs: object) -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--activities", type=int, default=2500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        db = build(folder / "otj.sqlite3", args.activities)
        size = db.path.stat().st_size / 1e6
        print(
            f"{args.activities} activities x 3 versions, {size:.1f} MB database "
            f"(built in {time.perf_counter() - started:.1f} s)\n"
        )
        with db.connection() as conn:
            ksb_ids = [r[0] for r in conn.execute("SELECT id FROM ksb")]
        n = [10_000]
        real_record = history.record
        with_history, without = [], []
        # Interleaved, so both see the same database size and the same load on the machine.
        for _ in range(200):
            for record, samples in ((real_record, with_history), (_no_history, without)):
                history.record = record  # type: ignore[assignment]
                n[0] += 1
                started = time.perf_counter()
                with db.transaction() as tx:
                    activity_store.create(tx, entry(n[0], ksb_ids))
                samples.append((time.perf_counter() - started) * 1000)
        history.record = real_record  # type: ignore[assignment]
        report("save an activity (with edit history)", with_history)
        report("save an activity (history off: baseline)", without)

        backups = Backups(db, folder / "backups")
        clock = [datetime(2026, 1, 1, tzinfo=UTC)]

        def back_up() -> None:
            clock[0] += timedelta(days=1)
            backups.create("manual", now=clock[0])

        timed("back up (online backup API, fsync, prune)", 10, back_up)
        timed("quick_check at start", 10, lambda: integrity.check(db.path))
        with db.connection() as conn:
            data = archive.export_bytes(conn)
        print(f"{'':<46} (export: {len(data) / 1e6:.1f} MB zip)")

        def export() -> None:
            with db.connection() as conn:
                archive.export_bytes(conn)

        timed("export everything", 5, export)
        timed("read and check an export", 5, lambda: archive.read_archive(data))
        counter = [0]

        def import_into_empty() -> None:
            counter[0] += 1
            target = Database(folder / f"import-{counter[0]}.sqlite3")
            migrate(target)
            parsed = archive.read_archive(data)
            with target.transaction() as tx:
                archive.apply_import(tx, parsed)

        timed("import into an empty database", 5, import_into_empty)

        def restore() -> None:
            newest_manual = next(b for b in backups.list() if b.kind == "manual")
            backups.restore(newest_manual.name)

        timed("restore a backup (safety backup first)", 5, restore)


if __name__ == "__main__":
    main()
