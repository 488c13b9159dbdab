"""Live events over real HTTP: waitress on a free port, real streaming clients, real saves."""

from __future__ import annotations

import http.client
import json
import logging
import re
import threading
import time
from urllib.parse import urlencode

import pytest

from otj_desktop.server import AppServer
from otj_desktop.web import events
from otj_desktop.web.security import launch_path
from tests.conftest import activity_form


class Session:
    """A signed-in window over plain HTTP: its cookie and CSRF token."""

    def __init__(self, server: AppServer) -> None:
        self.server = server
        conn = self.connect()
        conn.request("GET", launch_path(server.app.extensions["otj"].launch_tokens))
        response = conn.getresponse()
        assert response.status == 302
        self.cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        response.read()
        page = self.get("/activities")
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        conn.close()

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=5)

    def get(self, path: str) -> str:
        conn = self.connect()
        conn.request("GET", path, headers={"Cookie": self.cookie})
        response = conn.getresponse()
        if response.getheader("Set-Cookie"):  # the session now holds the CSRF secret
            self.cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        body = response.read().decode()
        conn.close()
        return body

    def post(self, path: str, form: dict[str, str]) -> http.client.HTTPResponse:
        conn = self.connect()
        body = urlencode({**form, "csrf_token": self.csrf})
        headers = {
            "Cookie": self.cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.server.base_url,
        }
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response


class Stream:
    """An open ``GET /events/stream`` read event by event, as EventSource would."""

    def __init__(self, session: Session, last_event_id: str | None = None, query: str = ""):
        self.conn = session.connect()
        headers = {"Cookie": session.cookie, "Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        self.conn.request("GET", "/events/stream" + query, headers=headers)
        self.response = self.conn.getresponse()

    def next_event(self) -> dict:
        """The next event (comments skipped): {"id", "event", "data"}."""
        fields: dict = {}
        while True:
            line = self.response.readline().decode()
            if not line:
                raise EOFError("stream ended")
            line = line.rstrip("\n")
            if line == "":
                if "event" in fields or "data" in fields:
                    if "data" in fields:
                        fields["data"] = json.loads(fields["data"])
                    return fields
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value

    def next_of(self, kind: str) -> dict:
        while True:
            event = self.next_event()
            if event.get("event") == kind:
                return event

    def close(self) -> None:
        self.response.close()  # the response holds the socket open too
        self.conn.close()


@pytest.fixture
def session(live_server, with_standard) -> Session:
    return Session(live_server)


def broker(server: AppServer):
    return server.app.extensions["otj"].broker


def wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_two_clients_both_receive_the_event_a_save_publishes(live_server, session):
    first, second = Stream(session), Stream(session)
    for stream in (first, second):
        assert stream.next_event()["event"] == "hello"
    response = session.post(
        "/activities/new", activity_form(title="Team retro", _live_origin="page-a")
    )
    assert response.status == 302
    for stream in (first, second):
        event = stream.next_of("activity_saved")
        assert event["data"]["title"] == "Team retro"
        assert event["data"]["action"] == "created"
        assert event["data"]["origin"] == "page-a"
        assert event["data"]["summary"] == "“Team retro” created"
        assert event["id"].startswith(broker(live_server).run_id + "-")
        stream.close()


def test_a_reconnecting_client_gets_what_it_missed_over_http(live_server, session):
    stream = Stream(session)
    stream.next_event()
    session.post("/activities/new", activity_form(title="Seen"))
    seen = stream.next_of("activity_saved")
    stream.close()
    session.post("/activities/new", activity_form(title="Missed while away"))
    again = Stream(session, last_event_id=seen["id"])
    hello = again.next_event()
    assert hello["event"] == "hello" and hello["data"]["from"] == seen["id"]
    assert again.next_of("activity_saved")["data"]["title"] == "Missed while away"
    again.close()


def test_an_id_from_another_run_gets_a_resync(live_server, session):
    stream = Stream(session, query="?last_event_id=0123abcd-7")
    assert stream.next_event()["event"] == "hello"
    assert stream.next_event()["event"] == "resync"
    stream.close()


def test_open_close_cycles_leave_no_subscriber_and_no_thread_behind(live_server, session):
    """1,000 windows opening and closing (each read its first bytes, then went away).

    Measured on the server itself: the broker's subscribers and waitress's busy request
    threads. An open stream holds one of each (checked first, so the measure can fail); a
    stream whose thread never noticed its client leave would keep both above zero."""
    stream = Stream(session)
    assert stream.next_event()["event"] == "hello"
    assert broker(live_server).subscriber_count == 1 and live_server.busy_threads >= 1
    stream.close()
    assert wait_for(lambda: broker(live_server).subscriber_count == 0)
    assert wait_for(lambda: live_server.busy_threads == 0)
    opened = 0
    while opened < 1000:
        stream = Stream(session)
        if stream.response.status == 503:  # the stream cap: wait as a browser would, briefly
            stream.response.read()
            stream.close()
            time.sleep(0.02)
            continue
        assert stream.next_event()["event"] == "hello"
        stream.close()
        opened += 1
    assert wait_for(lambda: broker(live_server).subscriber_count == 0)
    assert wait_for(lambda: live_server.busy_threads == 0)
    # And the server still answers pages and streams.
    assert "Activities" in session.get("/activities")
    last = Stream(session)
    assert last.next_event()["event"] == "hello"
    last.close()


def test_server_stop_with_streams_open_ends_every_stream_and_exits_cleanly(
    app, with_standard, caplog
):
    server = AppServer(app)
    server.start()
    session = Session(server)
    streams = [Stream(session) for _ in range(6)]
    for stream in streams:
        stream.next_event()
    ended = []

    def read_to_end(stream: Stream) -> None:
        try:
            while True:
                stream.next_event()
        except (EOFError, OSError):
            ended.append(stream)

    readers = [threading.Thread(target=read_to_end, args=(s,), daemon=True) for s in streams]
    for reader in readers:
        reader.start()
    session.post("/activities/new", activity_form(title="In flight"))  # events on the way
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3
    for reader in readers:
        reader.join(3)
    assert len(ended) == 6
    assert broker(server).subscriber_count == 0
    assert not any(t.name == "waitress" and t.is_alive() for t in threading.enumerate())
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_past_the_stream_cap_the_answer_is_503_with_a_retry_hint(live_server, session):
    broker(live_server).max_streams = 2
    open_streams = [Stream(session), Stream(session)]
    for stream in open_streams:
        stream.next_event()
    refused = Stream(session)
    assert refused.response.status == 503
    assert int(refused.response.getheader("Retry-After")) > 0
    refused.close()
    probe = Stream(session, query="?probe=1")
    assert probe.response.status == 503 and probe.response.getheader("Retry-After")
    probe.close()
    open_streams[0].close()
    assert wait_for(lambda: broker(live_server).subscriber_count == 1)
    probe = Stream(session, query="?probe=1")
    assert probe.response.status == 204
    probe.close()
    assert broker(live_server).subscriber_count == 1  # a probe never opens a stream
    open_streams[1].close()


def test_a_closed_window_releases_its_stream_within_about_two_seconds(
    live_server, session, monkeypatch
):
    # A long-open stream: no quick first wake-ups, only the steady one-second rhythm.
    monkeypatch.setattr(events, "FIRST_WAKE_SECONDS", events.WAKE_SECONDS)
    stream = Stream(session)
    stream.next_event()
    time.sleep(0.3)
    assert broker(live_server).subscriber_count == 1
    stream.close()
    assert wait_for(lambda: broker(live_server).subscriber_count == 0, timeout=2.5)
