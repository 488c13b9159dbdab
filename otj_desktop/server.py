"""The waitress server: started on a loopback port, stopped in the one order that is clean.

Sizing, from measurements on a 2-core machine (see docs/architecture.md):

* Every open event stream (one per window, or one per browser profile when windows share it)
  holds a worker thread for as long as the window is open. With waitress's default of 4
  threads, the fourth window would freeze the app. So there are ``MAX_STREAMS`` threads for
  streams plus ``REQUEST_THREADS`` for ordinary requests; an idle thread costs about 16 KiB.
  The broker refuses streams past ``MAX_STREAMS`` (503 + Retry-After), so streams can never
  take the threads that pages need.
* ``channel_request_lookahead=1`` lets waitress notice a closed client while a stream is being
  served; the stream asks ``waitress.client_disconnected`` about once a second.

Stopping: ``server.close()`` does not return while streams are open, and closing the listener
first gives "Bad file descriptor" errors. The clean order is: end every stream (close the
broker), wait until none is open, stop the worker threads, close the listener and the remaining
connections (from the server's own thread), then join that thread.
"""

from __future__ import annotations

import errno
import logging
import threading

import waitress
from flask import Flask
from waitress import wasyncore

from otj_desktop.web.events import MAX_STREAMS

REQUEST_THREADS = 8
THREADS = REQUEST_THREADS + MAX_STREAMS
CONNECTION_LIMIT = 128
HOST = "127.0.0.1"

log = logging.getLogger(__name__)


class PortInUse(Exception):
    """The requested port is taken; the message is one sentence for the user."""


class AppServer:
    """Serves one Flask app on 127.0.0.1. ``start`` and ``stop`` may be called again later."""

    def __init__(self, app: Flask, *, port: int = 0) -> None:
        self.app = app
        self.port = port
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def busy_threads(self) -> int:
        """Worker threads serving a request (or holding an event stream) right now."""
        server = self._server
        return server.task_dispatcher.active_count if server is not None else 0

    def start(self) -> str:
        """Bind, start serving on a background thread, and return the base URL."""
        try:
            self._server = waitress.create_server(
                self.app,
                host=HOST,
                port=self.port,
                threads=THREADS,
                connection_limit=CONNECTION_LIMIT,
                channel_request_lookahead=1,
                ident="OTJ Desktop",
                clear_untrusted_proxy_headers=True,
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(f"Port {self.port} is already in use by another program.") from None
            raise
        self.port = self._server.effective_port
        self.app.config["ALLOWED_HOSTS"] = (f"{HOST}:{self.port}", f"localhost:{self.port}")
        self.app.extensions["otj"].broker.reopen()
        self._thread = threading.Thread(target=self._server.run, name="waitress", daemon=True)
        self._thread.start()
        log.info("Serving on %s with %d threads", self.base_url, THREADS)
        return self.base_url

    def stop(self, timeout: float = 2.0) -> None:
        """End every stream, then shut waitress down. Safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        broker = self.app.extensions["otj"].broker
        broker.close()
        if not broker.wait_until_idle(timeout):
            log.warning("%d event streams did not end in time", broker.subscriber_count)
        # Worker threads finish what they are writing (and pull the trigger) before the
        # trigger and the listener are closed under them.
        server.task_dispatcher.shutdown(timeout=timeout)
        # Close the listener, the trigger and any idle connections from inside the server's own
        # loop, which then finds nothing left to watch and returns at once.
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            # The trigger already closed itself (waitress closes a dispatcher whose handler
            # failed), so the loop cannot be woken: close what is left from here instead.
            log.warning("Server trigger was already closed; closing connections directly")
            wasyncore.close_all(server._map)
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("The server thread did not stop within %.1f s", timeout)
        log.info("Server stopped")
