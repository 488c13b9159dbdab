"""Live sync latency: a save in one page -> the change in other pages' DOM, and raw publish ->
message in a page. One command, in-process server, Debian's chromium:

    /work/venv/bin/python bench/live_sync.py            # about 2 minutes
    /work/venv/bin/python bench/live_sync.py --quick    # fewer samples, for a smoke run

What it measures (all pages in ONE browser context, i.e. one profile sharing ~6 connections):

1. raw: the server publishes an event (``broker.publish``) -> the page's ``otj:live`` handler
   runs. Shared worker (EventSource in the worker, relayed over a MessagePort) and the per-page
   fallback (EventSource in the page). Browser and Python clocks are both the wall clock; their
   offset is measured and taken off.
2. dom: page A saves an activity (a real POST /activities/new from the page, as its form would)
   -> the new title is in page B's ``#recent-activities`` (the dashboard's live region), for 1, 4
   and 8 dashboard pages B, with the shared worker and, as the baseline, one EventSource per
   page. Every (save, page) pair is one sample; "slowest page" takes the last page per save.
3. reference: the reference design's dashboard, emulated: on an activity event, reload the
   whole page 1.5 s later; the change counts as visible when the reloaded page has it.

Prints median (p50), p95 and p99 in milliseconds for each. A short unreported run warms up
the server, the browser and SQLite first.

``--hold-connection`` keeps one extra SQLite connection open for the whole run. Without it
every request closes the database's last connection, and SQLite checkpoints and removes the
WAL on that close (about 20 ms per save here, competing with the re-renders that follow); the
flag shows what the app would gain by holding a connection open (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from otj_desktop.server import AppServer
from otj_desktop.standards.importer import parse_standard
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from otj_desktop.web import create_app
from otj_desktop.web.security import launch_path
from tests.browser import CHROMIUM, LAUNCH_ARGS
from tests.conftest import standard_json

TODAY = date(2026, 11, 27)
PAGE_TIMEOUT_MS = 8000

NO_SHARED_WORKER = "delete window.SharedWorker;"

RECORD_RAW = """() => { window.__raw = [];
  document.addEventListener('otj:live', e => {
    if (e.detail.kind === 'bench_ping')
      window.__raw.push(performance.timeOrigin + performance.now() - e.detail.data.t0);
  }); }"""

RECORD_TITLES = """() => { window.__seen = {};
  const scan = () => {
    const region = document.getElementById('recent-activities');
    if (!region) return;
    const now = performance.timeOrigin + performance.now();
    for (const a of region.querySelectorAll('a')) {
      const title = a.textContent;
      if (title.startsWith('bench ') && !(title in window.__seen)) window.__seen[title] = now;
    }
  };
  new MutationObserver(scan).observe(document.body, {childList: true, subtree: true}); }"""

SAVE_LOOP = """async ({prefix, count, gap}) => {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const started = {};
  for (let i = 0; i < count; i++) {
    const title = prefix + i;
    const body = new URLSearchParams({csrf_token: token, title, activity_date: '2026-11-20',
      duration_hours: '1', activity_type: 'workshop', evidence_quality: 'draft',
      hours_basis: 'paid', _live_origin: window.OTJLive ? OTJLive.origin : ''});
    started[title] = performance.timeOrigin + performance.now();
    await fetch('/activities/new', {method: 'POST', body, redirect: 'manual'});
    await new Promise(r => setTimeout(r, gap));
  }
  return started; }"""

# The reference design: no live regions; on an event, reload the page 1.5 s later. The page
# notes (in localStorage, which survives the reload) when a loaded copy first shows a title.
REFERENCE_PAGE = """
document.addEventListener('DOMContentLoaded', () => {
  for (const el of document.querySelectorAll('[data-live]')) el.removeAttribute('data-live');
  const seen = JSON.parse(localStorage.getItem('seen') || '{}');
  const now = performance.timeOrigin + performance.now();
  for (const a of document.querySelectorAll('#recent-activities a'))
    if (a.textContent.startsWith('bench ') && !(a.textContent in seen)) seen[a.textContent] = now;
  localStorage.setItem('seen', JSON.stringify(seen));
  document.addEventListener('otj:live', e => {
    if (e.detail.kind.startsWith('activity_')) setTimeout(() => location.reload(), 1500);
  });
});
"""


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return statistics.median(ordered), cuts[94], cuts[98]


def row(name: str, samples: list[float], note: str = "") -> str:
    if len(samples) < 2:
        return f"| {name} | {len(samples)} | – | – | – | {note or 'no samples'} |"
    p50, p95, p99 = percentiles(samples)
    return f"| {name} | {len(samples)} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {note} |"


class Bench:
    def __init__(self, browser, server: AppServer) -> None:
        self.browser = browser
        self.server = server
        self.broker = server.app.extensions["otj"].broker
        self.runs = 0

    def context(self, *, shared: bool):
        context = self.browser.new_context()
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        if not shared:
            context.add_init_script(NO_SHARED_WORKER)
        return context

    def open(self, context, path: str, *, first: bool):
        page = context.new_page()
        url = path
        if first:
            url = launch_path(self.server.app.extensions["otj"].launch_tokens, path)
        page.goto(self.server.base_url + url)
        page.wait_for_function(
            "() => document.getElementById('live-status').dataset.state === 'connected'"
        )
        return page

    def clock_offset(self, page) -> float:
        """Browser wall clock minus Python wall clock, in ms (from the tightest of 20 tries)."""
        best = None
        for _ in range(20):
            before = time.time() * 1000
            browser_now = page.evaluate("() => performance.timeOrigin + performance.now()")
            after = time.time() * 1000
            if best is None or after - before < best[0]:
                best = (after - before, browser_now - (before + after) / 2)
        return best[1]

    def raw(self, *, shared: bool, count: int) -> list[float]:
        context = self.context(shared=shared)
        try:
            page = self.open(context, "/activities", first=True)
            page.evaluate(RECORD_RAW)
            offset = self.clock_offset(page)
            for n in range(count):
                self.broker.publish("bench_ping", {"t0": time.time() * 1000, "n": n})
                time.sleep(0.01)
            page.wait_for_function(f"() => window.__raw.length >= {count}")
            return [v - offset for v in page.evaluate("() => window.__raw")]
        finally:
            context.close()

    def dom(self, *, shared: bool, watchers: int, saves: int, gap_ms: int):
        """Latencies per (save, page), the slowest page per save, and a note on failures."""
        self.runs += 1
        prefix = f"bench {self.runs}-"
        context = self.context(shared=shared)
        try:
            try:
                saver = self.open(context, "/activities/new", first=True)
                pages = [self.open(context, "/", first=False) for _ in range(watchers)]
            except Exception as exc:  # the per-page baseline past ~6 connections
                opened = len(context.pages)
                reason = str(exc).splitlines()[0]
                return [], [], f"hung: page {opened} of {watchers + 1} never loaded ({reason})"
            for page in pages:
                page.evaluate(RECORD_TITLES)
            started = saver.evaluate(SAVE_LOOP, {"prefix": prefix, "count": saves, "gap": gap_ms})
            time.sleep(1.0)
            seen = [page.evaluate("() => window.__seen") for page in pages]
        finally:
            context.close()
        per_pair, slowest, missing = [], [], 0
        for title, t0 in started.items():
            times = [s[title] - t0 for s in seen if title in s]
            missing += watchers - len(times)
            per_pair.extend(times)
            if len(times) == watchers:
                slowest.append(max(times))
        return per_pair, slowest, f"{missing} never seen" if missing else ""

    def reference(self, *, saves: int) -> list[float]:
        self.runs += 1
        prefix = f"bench {self.runs}-"
        context = self.context(shared=True)
        try:
            saver = self.open(context, "/activities/new", first=True)
            watcher = context.new_page()
            watcher.add_init_script(REFERENCE_PAGE)  # this page only: the saver must not reload
            watcher.goto(self.server.base_url + "/")
            started = saver.evaluate(SAVE_LOOP, {"prefix": prefix, "count": saves, "gap": 3000})
            time.sleep(3.0)
            seen = watcher.evaluate("() => JSON.parse(localStorage.getItem('seen') || '{}')")
        finally:
            context.close()
        return [seen[t] - t0 for t, t0 in started.items() if t in seen]


def make_server() -> AppServer:
    app = create_app({"DATA_DIR": Path(tempfile.mkdtemp()) / "data"})
    app.extensions["otj"].clock = lambda: TODAY
    db = app.extensions["otj"].db
    with db.transaction() as tx:
        standard_id = standard_store.add(tx, parse_standard(standard_json())).standard_id
        profile_store.set_standard(tx, standard_id)
    server = AppServer(app)
    server.start()
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--saves", type=int, default=120, help="saves per DOM run (>= 100)")
    parser.add_argument("--raw", type=int, default=300, help="events per raw run")
    parser.add_argument("--reference-saves", type=int, default=10)
    parser.add_argument("--gap-ms", type=int, default=150, help="pause between saves")
    parser.add_argument("--quick", action="store_true", help="20 saves, 50 events, 3 reloads")
    parser.add_argument(
        "--hold-connection", action="store_true", help="keep one SQLite connection open"
    )
    args = parser.parse_args()
    if args.quick:
        args.saves, args.raw, args.reference_saves = 20, 50, 3

    from playwright.sync_api import sync_playwright

    server = make_server()
    held = server.app.extensions["otj"].db.connect() if args.hold_connection else None
    print(f"# live sync benchmark: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(
        f"# saves per run {args.saves}, gap {args.gap_ms} ms; raw events {args.raw}"
        + ("; one SQLite connection held open" if held else "")
        + "\n"
    )
    print("| measurement | samples | p50 ms | p95 ms | p99 ms | note |")
    print("|---|---|---|---|---|---|")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
            bench = Bench(browser, server)
            bench.dom(shared=True, watchers=2, saves=15, gap_ms=args.gap_ms)  # warm-up
            bench.raw(shared=True, count=20)
            for shared, name in ((True, "shared worker"), (False, "per-page EventSource")):
                print(row(f"raw publish -> page, {name}", bench.raw(shared=shared, count=args.raw)))
            for watchers in (1, 4, 8):
                for shared, name in ((True, "shared worker"), (False, "per-page (baseline)")):
                    pairs, slowest, note = bench.dom(
                        shared=shared, watchers=watchers, saves=args.saves, gap_ms=args.gap_ms
                    )
                    print(row(f"save -> DOM, {watchers} page(s), {name}", pairs, note))
                    if watchers > 1:
                        print(row(f"  … slowest of the {watchers} pages per save", slowest))
            print(
                row(
                    "save -> DOM, reference design (reload 1.5 s after the event)",
                    bench.reference(saves=args.reference_saves),
                )
            )
            browser.close()
    finally:
        server.stop()
        if held is not None:
            held.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
