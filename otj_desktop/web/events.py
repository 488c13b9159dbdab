"""Live events: the broker that fans committed changes out to every window, and its SSE stream.

Shape (kept from the reference design): ``subscribe()`` gives a client its own bounded queue,
``unsubscribe()`` removes it, ``publish(kind, data)`` puts ``event: <kind>`` / ``data: <json>``
on every queue, and ``GET /events/stream`` streams one client's queue as ``text/event-stream``.
What this version adds, and why:

* **Nobody is left silently stale.** A client whose queue fills up (a frozen window) is not
  dropped: its queue is emptied and it is sent ``event: resync``, telling the page to re-fetch
  what it shows. ``publish`` never blocks and memory stays bounded whatever a client does.
* **Missed events are replayed.** Every event has an id ``<run>-<seq>``; the run id is new for
  each broker (each launch). A reconnecting EventSource sends ``Last-Event-ID``; if the broker's
  bounded replay buffer still covers the gap the missed events are sent again, otherwise (gap
  too old, or an id from another run) the client is told to resync.
* **The connection is visibly live at once**: the first bytes (``retry:`` and a comment) go out
  immediately, so ``onopen`` fires without waiting for an event.
* **Threads are released.** Each open stream holds one waitress worker thread. The stream wakes
  to ask waitress whether the client has gone: after 50 ms at first, doubling to once a second,
  so a stream a page drops at once (navigating away) frees its thread within tens of ms and an
  idle one costs one wake-up a second. It sends a keepalive comment about every 15 s and
  returns as soon as the broker is closed (server shutdown).

What the client side (``static/js/live-*.js``) relies on, beyond plain SSE:

* ``event: hello`` comes first on every stream: ``{"run", "from", "kinds"}``. ``from`` is the id
  after which this stream delivers every event (the ``Last-Event-ID`` it resumed from, or the
  newest id when it starts fresh or must resync). The shared worker uses it to know which
  pages it can catch up from its own buffer.
* ``event: kinds`` lists every event kind seen this run, sent before the first event of a new
  kind. EventSource has no wildcard listener, so this is how a kind added by a later feature
  reaches pages with no change to the JavaScript.
* Each page is rendered with the id of the newest event at the start of its request
  (``<meta name="otj-live-since">``, see :func:`note_render_point`): whatever came later is
  replayed to it, so a change committed while the page was loading is never missed.
* ``GET /events/stream?probe=1`` answers 204 (a stream would be accepted now) or 503 with
  ``Retry-After``, without opening a stream: EventSource cannot see status codes, so a client
  whose stream was refused asks this before it retries.
* An event published by a request that carried an origin (the page's id, sent as the
  ``_live_origin`` form field or ``X-OTJ-Origin`` header) has ``"origin"`` in its data, so
  the window that made a change does not tell its user about it.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from otj_desktop.store.db import Change

QUEUE_SIZE = 200
REPLAY_SIZE = 1000
MAX_STREAMS = 24
FIRST_WAKE_SECONDS = 0.05
WAKE_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0
RETRY_MS = 1000
RETRY_AFTER_SECONDS = 5
LIVE_REFRESH_HEADER = "X-OTJ-Live"


@dataclass(frozen=True)
class Event:
    id: str
    kind: str
    data: dict[str, Any]

    def encode(self) -> str:
        data = json.dumps(self.data, separators=(",", ":"))
        return f"id: {self.id}\nevent: {self.kind}\ndata: {data}\n\n"


@dataclass(eq=False)  # compared and hashed by identity: each one is a distinct client
class Subscriber:
    """One connected client: its pending events, and whether it must resync."""

    pending: deque[Event] = field(default_factory=deque)
    needs_resync: bool = False
    wake: threading.Event = field(default_factory=threading.Event)
    covered_from: int = 0  # every event after this sequence number reaches this client
    kinds_sent: int = 0  # how many of the broker's kinds this client has been told about


@dataclass(frozen=True)
class Batch:
    """What a stream should send next."""

    events: list[Event]
    resync_id: str | None  # set when the client must re-fetch everything
    closed: bool
    kinds: list[str] | None = None  # set when new kinds appeared since the client was told


class TooManyStreams(Exception):
    """The cap on open streams is reached; the client should retry later."""


class Broker:
    """Fans events out to subscribers. Thread-safe; ``publish`` never blocks on a client."""

    def __init__(
        self,
        *,
        queue_size: int = QUEUE_SIZE,
        replay_size: int = REPLAY_SIZE,
        max_streams: int = MAX_STREAMS,
    ) -> None:
        self.run_id = secrets.token_hex(4)
        self.queue_size = queue_size
        self.max_streams = max_streams
        self._seq = 0
        self._replay: deque[Event] = deque(maxlen=replay_size)
        self._subscribers: set[Subscriber] = set()
        self._kinds: list[str] = []  # every kind published this run, in order of first use
        self._lock = threading.Lock()
        self._closed = False
        self._idle = threading.Condition(self._lock)

    # -- subscribing ---------------------------------------------------------------------------

    def subscribe(self, last_event_id: str | None = None) -> Subscriber:
        """Register a client. With ``last_event_id``, queue what it missed (or a resync).

        Raises :class:`TooManyStreams` past the cap.
        """
        sub = Subscriber()
        with self._lock:
            if len(self._subscribers) >= self.max_streams:
                raise TooManyStreams
            sub.covered_from = self._seq
            sub.kinds_sent = len(self._kinds)
            if last_event_id:
                missed = self._missed_since(last_event_id)
                if missed is None:
                    sub.needs_resync = True
                else:
                    sub.pending.extend(missed)
                    sub.covered_from = _seq_of(last_event_id)
            self._subscribers.add(sub)
            if sub.pending or sub.needs_resync:
                sub.wake.set()
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(sub)
            self._idle.notify_all()

    def _missed_since(self, last_event_id: str) -> list[Event] | None:
        """Events after ``last_event_id``, or None when the buffer cannot say (resync).

        The id comes from the client and may be anything: one that is not ``<this run>-<seq>``
        with a plain sequence number is simply not ours, so the client resyncs.
        """
        run, _, seq_text = last_event_id.rpartition("-")
        seq = _parse_seq(seq_text)
        if run != self.run_id or seq is None or seq > self._seq:
            return None
        oldest = self._seq - len(self._replay) + 1
        if seq < oldest - 1:
            return None
        return [e for e in self._replay if _seq_of(e.id) > seq]

    def hello(self, sub: Subscriber) -> dict[str, Any]:
        """What a new stream says first: its run, where its coverage starts, the kinds so far."""
        with self._lock:
            return {
                "run": self.run_id,
                "from": f"{self.run_id}-{sub.covered_from}",
                "kinds": list(self._kinds[: sub.kinds_sent]),
            }

    @property
    def last_event_id(self) -> str:
        """The id of the newest event (``<run>-0`` before the first one)."""
        with self._lock:
            return f"{self.run_id}-{self._seq}"

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    @property
    def has_room(self) -> bool:
        """Whether :meth:`subscribe` would accept one more stream right now."""
        with self._lock:
            return len(self._subscribers) < self.max_streams

    # -- publishing ----------------------------------------------------------------------------

    def publish(self, kind: str, data: dict[str, Any]) -> Event:
        """Send an event to every subscriber; a full queue turns into a resync, never a wait."""
        with self._lock:
            self._seq += 1
            event = Event(f"{self.run_id}-{self._seq}", kind, data)
            self._replay.append(event)
            if kind not in self._kinds:
                self._kinds.append(kind)
            for sub in self._subscribers:
                if sub.needs_resync:
                    pass  # everything will be re-fetched anyway
                elif len(sub.pending) >= self.queue_size:
                    sub.pending.clear()
                    sub.needs_resync = True
                else:
                    sub.pending.append(event)
                sub.wake.set()
        return event

    def publish_changes(self, changes: list[Change]) -> None:
        """After-commit listener for :class:`~otj_desktop.store.db.Database`.

        A change made by a request that named its page (the origin) carries it as ``origin``,
        so that page's window can tell its own changes from everybody else's.
        """
        for change in changes:
            data = change.data if not change.origin else {**change.data, "origin": change.origin}
            self.publish(change.kind, data)

    def next_batch(self, sub: Subscriber, timeout: float) -> Batch:
        """Wait up to ``timeout`` seconds for something to send to ``sub``."""
        sub.wake.wait(timeout)
        with self._lock:
            sub.wake.clear()
            if self._closed:
                return Batch([], None, closed=True)
            kinds = None
            if sub.kinds_sent < len(self._kinds):
                kinds = list(self._kinds)
                sub.kinds_sent = len(kinds)
            if sub.needs_resync:
                sub.needs_resync = False
                sub.pending.clear()
                return Batch([], f"{self.run_id}-{self._seq}", closed=False, kinds=kinds)
            events = list(sub.pending)
            sub.pending.clear()
            return Batch(events, None, closed=False, kinds=kinds)

    # -- shutting down -------------------------------------------------------------------------

    def close(self) -> None:
        """End every stream (server shutdown)."""
        with self._lock:
            self._closed = True
            for sub in self._subscribers:
                sub.wake.set()

    def reopen(self) -> None:
        """Accept streams again after :meth:`close` (the server restarting in this process)."""
        with self._lock:
            self._closed = False

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until no stream is open; True if that happened within ``timeout``."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._subscribers, timeout)


class EventStream:
    """The body of one SSE response, as a WSGI iterable that always unsubscribes.

    A plain generator would not do: if the client goes away before the first chunk is pulled,
    the server calls ``close()`` on a generator that never started and its ``finally`` never
    runs. ``close()`` here unsubscribes whether or not streaming began.
    """

    def __init__(
        self,
        broker: Broker,
        sub: Subscriber,
        client_gone: Callable[[], bool],
        *,
        keepalive: float = KEEPALIVE_SECONDS,
    ) -> None:
        self._broker = broker
        self._sub = sub
        self._client_gone = client_gone
        self._keepalive = keepalive
        self._chunks = self._generate()

    def __iter__(self) -> Iterator[str]:
        return self._chunks

    def close(self) -> None:
        self._chunks.close()
        self._broker.unsubscribe(self._sub)

    def _generate(self) -> Iterator[str]:
        try:
            # Sent at once so the browser's ``onopen`` fires and the status dot goes green.
            hello = json.dumps(self._broker.hello(self._sub), separators=(",", ":"))
            yield (
                f"retry: {RETRY_MS}\n: connected to run {self._broker.run_id}\n\n"
                f"event: hello\ndata: {hello}\n\n"
            )
            last_sent = time.monotonic()
            wake = FIRST_WAKE_SECONDS
            while True:
                batch = self._broker.next_batch(self._sub, wake)
                # Short at first, so a stream dropped at once (a page navigating away) frees
                # its thread quickly; then about once a second for as long as it stays open.
                wake = min(wake * 2, WAKE_SECONDS)
                if batch.closed:
                    return
                chunks = []
                if batch.kinds:
                    # No id: it must not move the client's Last-Event-ID.
                    kinds = json.dumps({"kinds": batch.kinds}, separators=(",", ":"))
                    chunks.append(f"event: kinds\ndata: {kinds}\n\n")
                chunks.extend(e.encode() for e in batch.events)
                if batch.resync_id:
                    chunks.append(f"id: {batch.resync_id}\nevent: resync\ndata: {{}}\n\n")
                if not chunks and time.monotonic() - last_sent >= self._keepalive:
                    chunks.append(": keepalive\n\n")
                if chunks:
                    yield "".join(chunks)
                    last_sent = time.monotonic()
                if self._client_gone():
                    return
        finally:
            self._broker.unsubscribe(self._sub)


bp = Blueprint("events", __name__)


def _seq_of(event_id: str) -> int:
    """The sequence number of an id this broker made (or a client's that it has checked)."""
    return int(event_id.rpartition("-")[2])


_SEQ_DIGITS_MAX = 19  # more than any count of events in one run; int() of 5,000 digits raises


def _parse_seq(text: str) -> int | None:
    """A client's sequence number, or None unless it is 1 to 19 ASCII digits.

    ``str.isdigit`` alone lets through "²" and other Unicode digits that ``int`` refuses, and
    ``int`` refuses strings of over 4,300 digits: both once made the stream answer 500.
    """
    if not (text.isascii() and text.isdigit() and len(text) <= _SEQ_DIGITS_MAX):
        return None
    return int(text)


def _broker() -> Broker:
    return current_app.extensions["otj"].broker


@bp.before_app_request
def note_render_point() -> None:
    """Remember the newest event id before the view reads anything.

    Every event up to this id was committed before the view's reads, so the page shows it;
    anything later may or may not be on the page, and the page asks for it to be replayed.
    """
    g.live_since = _broker().last_event_id


@bp.app_context_processor
def live_template_context() -> dict[str, Any]:
    """``live_since`` for base.html; and, for a live refresh, no flash messages.

    A live refresh re-renders a page only to take some regions from it. Flash messages live
    in the session cookie, which every window of a browser profile shares: a refresh that
    rendered them would swallow the "Saved" message another window is about to show.
    """
    context: dict[str, Any] = {"live_since": g.get("live_since", "")}
    if request.headers.get(LIVE_REFRESH_HEADER):
        context["get_flashed_messages"] = lambda *args, **kwargs: []
    return context


def _refused() -> Response:
    return Response(
        "Too many open windows; retrying shortly.\n",
        status=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
        mimetype="text/plain",
    )


@bp.get("/events/stream")
def event_stream() -> Response:
    """The SSE endpoint every window (or its shared worker) listens to."""
    broker = _broker()
    if request.args.get("probe"):
        # Would a stream be accepted now? (EventSource cannot see why it was refused.)
        if not broker.has_room:
            return _refused()
        return Response(status=204, headers={"Cache-Control": "no-store"})
    last_id = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")
    try:
        sub = broker.subscribe(last_id)
    except TooManyStreams:
        return _refused()
    client_gone = request.environ.get("waitress.client_disconnected", lambda: False)
    return Response(
        EventStream(broker, sub, client_gone),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
