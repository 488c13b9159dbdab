"""The SQLite database: connections, and the one write path with its after-commit hook.

Every connection is configured the same way (WAL, foreign keys, a busy timeout, rows as
``sqlite3.Row``) and runs in true autocommit mode, so a transaction exists only where the code
says ``BEGIN``. Reads need no ceremony; every write goes through :meth:`Database.transaction`:

    with db.transaction(conn) as tx:
        activity_id = activities.create(tx, data)

A :class:`Transaction` collects :class:`Change` records while it runs. They are handed to the
after-commit listeners (the live event broker, for one) only once ``COMMIT`` has succeeded, so
nobody ever hears about a change that was rolled back. A process-wide lock is held from
``BEGIN`` until the listeners have run, so changes are announced in the order they committed.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class Change:
    """One committed change, as announced to listeners (and, via the broker, to windows).

    ``kind`` is the event name (``activity_saved``); ``data`` is JSON-serialisable and carries
    what a window needs to update itself: ids, version and a short human ``summary``.
    ``origin`` names the page that asked for the change, when it said (see
    :meth:`Database.transaction`), so that window can leave its own changes unannounced.
    """

    kind: str
    data: dict[str, Any]
    origin: str | None = None


Listener = Callable[[list[Change]], None]


class StorageError(Exception):
    """A write could not be made (disk full, read-only folder, locked database).

    The message is one sentence for the apprentice; nothing was written.
    """


@dataclass
class Transaction:
    """An open write transaction: the connection to write with and the changes to announce."""

    conn: sqlite3.Connection
    changes: list[Change] = field(default_factory=list)
    origin: str | None = None

    def announce(self, kind: str, **data: Any) -> None:
        """Queue a change to be announced after a successful commit."""
        self.changes.append(Change(kind, data, self.origin))

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)


class Database:
    """One SQLite database file, shared by every thread of the app.

    Connections are cheap and not shared between threads: each request opens its own
    (:meth:`connect`) and closes it when done.

    One more connection stays open, unused, until :meth:`checkpoint_and_close`. Without it every
    request closes the database's *last* connection, and SQLite then checkpoints the WAL into
    the main file and deletes it, holding an exclusive lock while it does: measured here, a
    save took 23 ms instead of 2.6 ms (median), and the windows re-reading the page at that
    moment waited in the busy handler (p95 of a save reaching 8 other windows: 152 ms with,
    62 ms without; see docs/benchmarks.md). The WAL is still checkpointed as it grows (SQLite's
    autocheckpoint) and folded in on shutdown.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._write_lock = threading.RLock()
        self._listeners: list[Listener] = []
        self._held: sqlite3.Connection | None = None
        self._held_lock = threading.Lock()

    def connect(self) -> sqlite3.Connection:
        """Open a configured connection. The caller closes it."""
        conn = sqlite3.connect(
            self.path,
            isolation_level=None,  # autocommit: transactions are explicit BEGIN ... COMMIT
            check_same_thread=False,  # a request may be torn down on another thread
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL is durable in WAL mode except for the last commits before a power cut;
        # a crash of the app itself loses nothing that was committed.
        conn.execute("PRAGMA synchronous = NORMAL")
        if self._held is None:
            self._hold_open()
        return conn

    def _hold_open(self) -> None:
        """Keep one connection open so a request's close is never the last (see above)."""
        with self._held_lock:
            if self._held is None:
                # Read-only: it only has to exist. Holding no write access means a folder or
                # file that turns read-only is noticed by the next write, as it should be.
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                held = sqlite3.connect(uri, uri=True, check_same_thread=False)
                # Only a connection that has read opens the WAL index, and only that counts.
                held.execute("SELECT count(*) FROM sqlite_master").fetchone()
                self._held = held

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for the length of a ``with`` block."""
        conn = self.connect()
        try:
            yield conn
        finally:
            conn.close()

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(changes)`` after every committed transaction that announced changes.

        Listeners run while the write lock is held: they must be quick and never block.
        """
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    @contextlib.contextmanager
    def transaction(
        self, conn: sqlite3.Connection | None = None, *, origin: str | None = None
    ) -> Iterator[Transaction]:
        """Run a block as one write transaction; roll back everything if it raises.

        ``origin`` (the id of the page that asked for this write, if known) is attached to every
        change the block announces.

        Raises :class:`StorageError` (after rolling back) when SQLite cannot write: a full disk,
        a read-only file or folder, or a lock held too long by another process.
        """
        with self._write_lock, contextlib.ExitStack() as stack:
            if conn is None:
                conn = stack.enter_context(self.connection())
            tx = Transaction(conn, origin=origin)
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield tx
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if type(exc) in (sqlite3.OperationalError, sqlite3.DatabaseError):
                    raise StorageError(storage_error_message(exc)) from exc
                raise
            if tx.changes:
                for listener in list(self._listeners):
                    listener(list(tx.changes))

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the write lock without opening a transaction: no write of this app can run
        meanwhile. For swapping a whole restored copy in with the backup API, which needs a
        destination connection that is not inside a transaction."""
        with self._write_lock:
            yield

    def checkpoint_and_close(self) -> None:
        """Fold the WAL back into the main file so the database is one tidy file at rest."""
        with self.connection() as conn, contextlib.suppress(sqlite3.Error):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA optimize")
        self.release()

    def release(self) -> None:
        """Close the connection held open, e.g. before the file is moved; the next
        :meth:`connect` opens it again."""
        with self._held_lock:
            held, self._held = self._held, None
        if held is not None:
            held.close()


def storage_error_message(exc: sqlite3.Error) -> str:
    """Turn an SQLite failure into one sentence the apprentice can act on."""
    text = str(exc).lower()
    if "full" in text:
        return "The disk is full, so nothing was saved. Free some space and try again."
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return "The data folder cannot be written to, so nothing was saved."
    if "locked" in text or "busy" in text:
        return "The database is busy in another program, so nothing was saved. Try again."
    return f"The database could not save this change ({exc}). Nothing was saved."
