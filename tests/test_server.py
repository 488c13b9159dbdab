"""The waitress server with real HTTP: loopback only, streams, and a clean stop."""

from __future__ import annotations

import http.client
import logging
import threading
import time

from otj_desktop.server import THREADS, AppServer
from otj_desktop.web.security import launch_path


def sign_in(server: AppServer) -> str:
    """Open a launch URL over real HTTP and return the session cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", launch_path(server.app.extensions["otj"].launch_tokens))
    response = conn.getresponse()
    assert response.status == 302
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    conn.close()
    return cookie


def open_stream(
    server: AppServer, cookie: str
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/events/stream", headers={"Cookie": cookie, "Accept": "text/event-stream"})
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    return conn, response


def test_server_listens_on_loopback_only(live_server):
    assert live_server.base_url.startswith("http://127.0.0.1:")
    assert live_server._server.socket.getsockname()[0] == "127.0.0.1"


def test_threads_leave_room_for_pages_beyond_the_stream_cap():
    from otj_desktop.web.events import MAX_STREAMS

    assert THREADS >= MAX_STREAMS + 4


def test_stream_opens_at_once_and_delivers_a_published_event(live_server):
    cookie = sign_in(live_server)
    conn, response = open_stream(live_server, cookie)
    first = response.readline().decode()
    assert first.startswith("retry:")
    live_server.app.extensions["otj"].broker.publish("activity_saved", {"id": 42})
    lines = []  # a hello event, then the list of kinds, then the event itself
    while 'data: {"id":42}\n' not in lines and len(lines) < 30:
        lines.append(response.readline().decode())
    assert "event: activity_saved\n" in lines
    conn.close()


def test_many_streams_do_not_block_ordinary_pages(live_server):
    cookie = sign_in(live_server)
    streams = [open_stream(live_server, cookie) for _ in range(10)]
    page = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=5)
    page.request("GET", "/activities", headers={"Cookie": cookie})
    assert page.getresponse().status == 200
    for conn, _ in streams:
        conn.close()


def test_stop_with_streams_open_ends_every_stream_promptly(app, caplog):
    server = AppServer(app)
    server.start()
    cookie = sign_in(server)
    streams = [open_stream(server, cookie) for _ in range(5)]
    ended = []

    def read_to_end(response):
        while response.readline():
            pass
        ended.append(True)

    readers = [threading.Thread(target=read_to_end, args=(r,), daemon=True) for _, r in streams]
    for reader in readers:
        reader.start()
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3
    for reader in readers:
        reader.join(3)
    assert len(ended) == 5
    assert app.extensions["otj"].broker.subscriber_count == 0
    assert not any(t.name == "waitress" and t.is_alive() for t in threading.enumerate())
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_server_restarts_on_the_same_port_with_the_same_secret(app):
    server = AppServer(app)
    server.start()
    cookie = sign_in(server)
    port = server.port
    server.stop()
    again = AppServer(app, port=port)
    again.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/activities", headers={"Cookie": cookie})
        assert conn.getresponse().status == 200
    finally:
        again.stop()
