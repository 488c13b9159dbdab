"""The day scheduler: the jobs that run when the app starts and when the day changes.

Recurring templates make their drafts (``store/drafts.py``) and the windows learn that a new day
began (``day_changed``: the reminder, "this week" and the drafts list depend on the date). Not
per request: a page view never writes. One small daemon thread checks the clock
(``state.clock``, frozen by tests) once a minute, which also notices a computer waking from
sleep on a later day; it is woken at once when a template is saved, so a recurrence switched on
today makes today's draft straight away. The launcher runs the first check before the server
starts serving, so the first window already shows the drafts that were due while the app was
closed.
"""

from __future__ import annotations

import logging
import threading
from datetime import date

from otj_desktop.store import drafts as draft_store
from otj_desktop.store import settings
from otj_desktop.store.db import Change, StorageError

log = logging.getLogger("otj_desktop.scheduler")

CHECK_EVERY = 60.0  # seconds
LAST_DAY_KEY = "last_day_seen"


class DayScheduler:
    """Runs :meth:`run_once` now (:meth:`start`), then whenever the date changes or a template
    is saved, until :meth:`stop`."""

    def __init__(self, state, *, interval: float = CHECK_EVERY) -> None:
        self.state = state  # web.context.AppState: its db and clock
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_day: date | None = None

    def start(self) -> None:
        self.run_once()
        self.state.db.add_listener(self._on_changes)
        self._thread = threading.Thread(target=self._loop, name="otj-day-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self.state.db.remove_listener(self._on_changes)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _on_changes(self, changes: list[Change]) -> None:
        # An after-commit listener: it runs under the write lock, so it only sets a flag.
        if any(c.kind in ("templates_changed", "resync") for c in changes):
            self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            woken = self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            if woken or self.state.clock() != self._last_day:
                self.run_once()

    def run_once(self) -> list[draft_store.Made]:
        """Make the drafts due by today; say so when the day is a new one. Never raises: a
        failure (a full disk, say) is logged and tried again at the next check."""
        today = self.state.clock()
        try:
            with self.state.db.transaction() as tx:
                made = draft_store.make_due_drafts(tx, today)
                if today != self._last_day:
                    settings.put(tx, LAST_DAY_KEY, today.isoformat())
                    tx.announce("day_changed", day=today.isoformat(), drafts_made=len(made))
        except (StorageError, OSError) as exc:
            log.warning("Could not run the day's jobs: %s", exc)
            return []
        except Exception:  # a bug must not kill the thread that makes tomorrow's drafts
            log.exception("The day's jobs failed")
            return []
        self._last_day = today
        if made:
            log.info("Made %d draft(s) from recurring templates", len(made))
        return made
