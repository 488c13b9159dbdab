"""The live-event broker on its own: delivery, cleanup, ids, replay, resync, slow clients."""

from __future__ import annotations

import threading
import time
import tracemalloc

import pytest

from otj_desktop.web.events import Broker, EventStream, TooManyStreams


def drain(broker: Broker, sub, timeout: float = 0.05):
    return broker.next_batch(sub, timeout)


def test_every_subscriber_receives_a_published_event():
    broker = Broker()
    a, b = broker.subscribe(), broker.subscribe()
    broker.publish("activity_saved", {"id": 1})
    for sub in (a, b):
        batch = drain(broker, sub)
        assert [(e.kind, e.data) for e in batch.events] == [("activity_saved", {"id": 1})]


def test_unsubscribe_leaves_no_entry():
    broker = Broker()
    subs = [broker.subscribe() for _ in range(5)]
    for sub in subs:
        broker.unsubscribe(sub)
    assert broker.subscriber_count == 0
    broker.publish("x", {})  # and publishing to nobody is fine


def test_event_ids_carry_the_run_id_and_increase():
    broker = Broker()
    ids = [broker.publish("x", {}).id for _ in range(3)]
    assert all(i.startswith(broker.run_id + "-") for i in ids)
    assert [int(i.rpartition("-")[2]) for i in ids] == [1, 2, 3]


def test_reconnecting_client_gets_what_it_missed():
    broker = Broker()
    seen = broker.publish("a", {"n": 1})
    broker.publish("b", {"n": 2})
    broker.publish("c", {"n": 3})
    sub = broker.subscribe(last_event_id=seen.id)
    assert [e.kind for e in drain(broker, sub).events] == ["b", "c"]


def test_reconnecting_client_up_to_date_gets_nothing():
    broker = Broker()
    last = broker.publish("a", {})
    batch = drain(broker, broker.subscribe(last_event_id=last.id))
    assert batch.events == [] and batch.resync_id is None


def test_gap_older_than_the_replay_buffer_means_resync():
    broker = Broker(replay_size=3)
    first = broker.publish("a", {})
    for _ in range(5):
        broker.publish("b", {})
    batch = drain(broker, broker.subscribe(last_event_id=first.id))
    assert batch.events == [] and batch.resync_id == f"{broker.run_id}-6"


@pytest.mark.parametrize("last_id", ["otherrun-3", "garbage", f"{'x' * 8}-", "-1"])
def test_id_from_another_run_or_nonsense_means_resync(last_id):
    broker = Broker()
    broker.publish("a", {})
    assert drain(broker, broker.subscribe(last_event_id=last_id)).resync_id is not None


def test_client_that_falls_behind_is_told_to_resync_not_dropped():
    broker = Broker(queue_size=3)
    sub = broker.subscribe()
    for n in range(10):
        broker.publish("x", {"n": n})
    assert broker.subscriber_count == 1  # still subscribed
    batch = drain(broker, sub)
    assert batch.resync_id is not None and batch.events == []
    broker.publish("after", {})
    assert [e.kind for e in drain(broker, sub).events] == ["after"]


def test_client_that_never_reads_neither_blocks_publish_nor_grows_memory():
    broker = Broker(queue_size=50, replay_size=100)
    broker.subscribe()  # never read
    payload = {"text": "x" * 500}
    for _ in range(1000):
        broker.publish("x", payload)
    tracemalloc.start()
    base = tracemalloc.take_snapshot()
    started = time.perf_counter()
    for _ in range(5000):
        broker.publish("x", payload)
    elapsed = time.perf_counter() - started
    grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(base, "filename"))
    tracemalloc.stop()
    assert elapsed < 5  # liveness: it never waited on the reader
    assert grown < 2_000_000


def test_cap_on_open_streams():
    broker = Broker(max_streams=2)
    broker.subscribe()
    broker.subscribe()
    with pytest.raises(TooManyStreams):
        broker.subscribe()


def test_stream_sends_retry_and_a_comment_at_once_then_events():
    broker = Broker()
    body = EventStream(broker, broker.subscribe(), lambda: False)
    chunks = iter(body)
    first = next(chunks)
    assert first.startswith("retry: ") and "\n: connected" in first
    broker.publish("activity_deleted", {"id": 7})
    second = next(chunks)
    assert "event: activity_deleted\n" in second and 'data: {"id":7}' in second
    assert f"id: {broker.run_id}-1\n" in second
    body.close()
    assert broker.subscriber_count == 0


def test_stream_ends_when_the_broker_closes():
    broker = Broker()
    body = EventStream(broker, broker.subscribe(), lambda: False)
    chunks = list_in_thread(body)
    time.sleep(0.1)
    broker.close()
    chunks["thread"].join(3)
    assert not chunks["thread"].is_alive()
    assert broker.subscriber_count == 0


def test_stream_ends_soon_after_the_client_goes():
    broker = Broker()
    gone = threading.Event()
    body = EventStream(broker, broker.subscribe(), gone.is_set)
    chunks = list_in_thread(body)
    time.sleep(0.1)
    gone.set()
    chunks["thread"].join(3)
    assert not chunks["thread"].is_alive()
    assert broker.subscriber_count == 0


def test_stream_closed_before_it_started_still_unsubscribes():
    broker = Broker()
    body = EventStream(broker, broker.subscribe(), lambda: False)
    body.close()
    assert broker.subscriber_count == 0


def test_keepalive_comment_when_idle():
    broker = Broker()
    body = EventStream(broker, broker.subscribe(), lambda: False, keepalive=0.0)
    chunks = iter(body)
    next(chunks)
    assert next(chunks) == ": keepalive\n\n"
    body.close()


def list_in_thread(body) -> dict:
    out: dict = {"chunks": []}

    def run():
        for chunk in body:
            out["chunks"].append(chunk)

    out["thread"] = threading.Thread(target=run, daemon=True)
    out["thread"].start()
    return out
