"""What live sync adds to the broker and its stream: hello, kinds, origins, render points, probes.

(The broker's basics, such as delivery, replay, resync and slow clients, are in
test_events_broker.py.)
"""

from __future__ import annotations

import json
import re

from otj_desktop.store.db import Change
from otj_desktop.web import events
from otj_desktop.web.events import Broker, EventStream
from tests.conftest import activity_form


def chunks_of(broker: Broker, sub) -> EventStream:
    return EventStream(broker, sub, lambda: False)


def parse(chunk: str) -> list[dict]:
    """The events in a chunk of SSE text, comments left out."""
    found = []
    for block in chunk.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":")
        )
        if "event" in fields:
            fields["data"] = json.loads(fields["data"])
            found.append(fields)
    return found


def test_a_fresh_stream_says_hello_first_with_the_newest_id_and_the_kinds_so_far():
    broker = Broker()
    broker.publish("activity_saved", {"id": 1})
    body = chunks_of(broker, broker.subscribe())
    first = next(iter(body))
    assert first.startswith("retry: ")
    (hello,) = parse(first)
    assert hello["event"] == "hello" and "id" not in hello  # must not move Last-Event-ID
    assert hello["data"] == {
        "run": broker.run_id,
        "from": f"{broker.run_id}-1",
        "kinds": ["activity_saved"],
    }
    body.close()


def test_a_resumed_stream_is_covered_from_the_id_it_resumed_at():
    broker = Broker()
    seen = broker.publish("a", {})
    broker.publish("b", {})
    sub = broker.subscribe(last_event_id=seen.id)
    assert broker.hello(sub)["from"] == seen.id


def test_a_stream_that_must_resync_is_covered_from_the_newest_id():
    broker = Broker()
    broker.publish("a", {})
    sub = broker.subscribe(last_event_id="another-run-1")
    assert broker.hello(sub)["from"] == broker.last_event_id


def test_the_first_event_of_a_new_kind_comes_after_a_kinds_event():
    broker = Broker()
    body = chunks_of(broker, broker.subscribe())
    chunks = iter(body)
    next(chunks)
    broker.publish("tags_changed", {"summary": "Tags tidied"})
    sent = parse(next(chunks))
    assert [e["event"] for e in sent] == ["kinds", "tags_changed"]
    assert sent[0]["data"] == {"kinds": ["tags_changed"]} and "id" not in sent[0]
    broker.publish("tags_changed", {})
    assert [e["event"] for e in parse(next(chunks))] == ["tags_changed"]  # told once only
    body.close()


def test_a_change_keeps_the_page_that_made_it_as_origin():
    broker = Broker()
    sub = broker.subscribe()
    broker.publish_changes([Change("activity_saved", {"id": 1}, origin="page-1")])
    broker.publish_changes([Change("activity_saved", {"id": 2})])
    events_ = broker.next_batch(sub, 0.05).events
    assert [e.data for e in events_] == [{"id": 1, "origin": "page-1"}, {"id": 2}]


def test_a_transaction_labels_every_change_with_its_origin(db):
    seen = []
    db.add_listener(seen.extend)
    with db.transaction(origin="page-9") as tx:
        tx.announce("x", n=1)
        tx.announce("y", n=2)
    assert [(c.kind, c.origin) for c in seen] == [("x", "page-9"), ("y", "page-9")]


def test_a_stream_wakes_quickly_at_first_then_once_a_second():
    broker = Broker()
    waits = []
    real = broker.next_batch

    def recording(sub, timeout):
        waits.append(timeout)
        return real(sub, 0)

    broker.next_batch = recording
    body = EventStream(broker, broker.subscribe(), lambda: False, keepalive=0.0)
    chunks = iter(body)
    for _ in range(8):  # the hello, then a keepalive after every wait
        next(chunks)
    body.close()
    assert waits[0] == events.FIRST_WAKE_SECONDS
    assert waits == sorted(waits) and waits[-1] == events.WAKE_SECONDS


def test_has_room_follows_the_stream_cap():
    broker = Broker(max_streams=1)
    assert broker.has_room
    sub = broker.subscribe()
    assert not broker.has_room
    broker.unsubscribe(sub)
    assert broker.has_room


# --- through the Flask app ---------------------------------------------------------------------


def since_of(page: str) -> str:
    return re.search(r'<meta name="otj-live-since" content="([^"]*)">', page).group(1)


def test_every_page_carries_the_newest_event_id_at_the_time_it_was_rendered(client, app):
    broker = app.extensions["otj"].broker
    assert since_of(client.get("/activities").get_data(as_text=True)) == f"{broker.run_id}-0"
    broker.publish("activity_saved", {"id": 5})
    assert since_of(client.get("/activities").get_data(as_text=True)) == f"{broker.run_id}-1"


def test_a_save_names_the_page_that_made_it(client, app, with_standard):
    broker = app.extensions["otj"].broker
    sub = broker.subscribe()
    client.post("/activities/new", activity_form(_live_origin="abc-123"))
    client.post(
        "/activities/new", activity_form(title="By script"), headers={"X-OTJ-Origin": "script-7"}
    )
    client.post("/activities/new", activity_form(title="Odd", _live_origin="<not an id>"))
    origins = [e.data.get("origin") for e in broker.next_batch(sub, 0.05).events]
    assert origins == ["abc-123", "script-7", None]


def test_a_live_refresh_leaves_flash_messages_for_the_window_they_belong_to(client, with_standard):
    response = client.post("/activities/new", activity_form(title="Flash check"))
    location = response.headers["Location"]
    # Another window of the same profile refreshes its regions before this one follows the
    # redirect: it must not take the "Saved" message.
    refresh = client.get("/", headers={"X-OTJ-Live": "1"}).get_data(as_text=True)
    assert "Saved “Flash check”" not in refresh
    assert "Saved “Flash check”" in client.get(location).get_data(as_text=True)


def test_probe_says_whether_a_stream_would_be_accepted(client, app):
    broker = app.extensions["otj"].broker
    assert client.get("/events/stream?probe=1").status_code == 204
    broker.max_streams = 0
    refused = client.get("/events/stream?probe=1")
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    assert broker.subscriber_count == 0


def test_the_stream_needs_the_window_cookie(anonymous):
    assert anonymous.get("/events/stream").status_code == 403
    assert anonymous.get("/events/stream?probe=1").status_code == 403


# --- the store behind it ---------------------------------------------------------------------


def test_closing_a_request_connection_leaves_the_wal_alone_until_shutdown(tmp_path):
    """Closing the last connection would checkpoint and delete the WAL under an exclusive lock,
    stalling every window that re-reads a page right after a save."""
    from otj_desktop.store.db import Database

    db = Database(tmp_path / "held.sqlite3")
    with db.transaction() as tx:
        tx.execute("CREATE TABLE t (x)")
        tx.execute("INSERT INTO t VALUES (1)")
    wal = tmp_path / "held.sqlite3-wal"
    assert wal.exists() and wal.stat().st_size > 0  # not folded in and removed on close
    db.checkpoint_and_close()
    assert not wal.exists() or wal.stat().st_size == 0
    with db.connection() as conn:  # and it opens again afterwards
        assert conn.execute("SELECT x FROM t").fetchone()[0] == 1
    db.release()
