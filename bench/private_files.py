"""Making an older data folder private: the one-time tightening, and the check at every start.

    python bench/private_files.py              # 5 runs, 10,000 attached files
    python bench/private_files.py --files 50000

Each run makes a data folder as a release without private files left it (folders 0755, files
0644: a database, a backups folder, ``--files`` attached files), then times
``paths.tighten_permissions`` on it (what the first start of this release does once), then
100 more calls on the now-private folder (what every later start pays). Prints median and p95.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from otj_desktop import paths  # noqa: E402

LOOSE_FOLDER, LOOSE_FILE = 0o755, 0o644


def loose_folder(root: Path, files: int) -> Path:
    data = root / "data"
    (data / "attachments").mkdir(parents=True)
    (data / "backups").mkdir()
    (data / "otj.sqlite3").write_bytes(b"x")
    for n in range(files):
        (data / "attachments" / f"{n:064x}").write_bytes(b"x")
    for folder, _dirs, names in os.walk(data):
        os.chmod(folder, LOOSE_FOLDER)
        for name in names:
            os.chmod(Path(folder) / name, LOOSE_FILE)
    return data


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    once, every_start = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            data = loose_folder(Path(folder), args.files)
            started = time.perf_counter()
            changed = paths.tighten_permissions(data)
            once.append(time.perf_counter() - started)
            for _ in range(100):
                started = time.perf_counter()
                paths.tighten_permissions(data)
                every_start.append(time.perf_counter() - started)
    print(f"runs: {args.runs}, {args.files:,} attached files; {changed:,} entries changed each")
    print(
        f"first start (tighten once)   median {statistics.median(once) * 1000:7.1f} ms   "
        f"p95 {p95(once) * 1000:7.1f} ms"
    )
    print(
        f"every later start (checked)  median {statistics.median(every_start) * 1e6:7.1f} us   "
        f"p95 {p95(every_start) * 1e6:7.1f} us"
    )


if __name__ == "__main__":
    main()
