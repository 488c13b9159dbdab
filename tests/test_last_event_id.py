"""Whatever a client sends as ``Last-Event-ID``, the stream opens and, unless the id is one of
this run's, tells it to resync (audit item 8).

``"<run>-²"`` passed ``str.isdigit`` but not ``int``, and an id of 5,000 digits went past
``int``'s limit on digits: both made ``GET /events/stream`` answer 500.
"""

from __future__ import annotations

import json
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otj_desktop.web.events import Broker
from tests.fuzz_helpers import fuzz_settings, hostile_text


def events_in(text: str) -> list[tuple[str, dict]]:
    found = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            found.append((fields["event"], json.loads(fields["data"])))
    return found


def first_events(response, count: int, broker: Broker) -> list[tuple[str, dict]]:
    """The first ``count`` events of a streamed response (fewer if the stream has not sent them
    within 5 s: then the broker is closed, which ends the stream), then the stream is closed."""
    seen: list[tuple[str, dict]] = []
    deadline = threading.Timer(5, broker.close)
    deadline.start()
    try:
        for chunk in response.response:
            seen += events_in(chunk.decode() if isinstance(chunk, bytes) else chunk)
            if len(seen) >= count:
                break
    finally:
        deadline.cancel()
        response.close()
    return seen[:count]


def bad_ids(run: str) -> list[str]:
    return [
        f"{run}-²",  # isdigit() but not int()
        f"{run}-" + "9" * 5000,  # past int()'s 4,300 digits
        f"{run}-" + "9" * 20,  # a number, but past any sequence this run can reach
        f"{run}-١",  # Arabic-Indic one
        f"{run}--1",
        f"{run}- 1",
        f"{run}-1\x00",
    ]


@pytest.mark.parametrize("index", range(7))
def test_a_malformed_last_event_id_opens_the_stream_with_a_resync(client, app, index):
    broker = app.extensions["otj"].broker
    broker.publish("activity_saved", {"id": 1})
    last_id = bad_ids(broker.run_id)[index]

    response = client.get("/events/stream", headers={"Last-Event-ID": last_id}, buffered=False)

    assert response.status_code == 200
    (hello, resync) = first_events(response, 2, broker)
    assert hello == ("hello", {**hello[1], "from": broker.last_event_id})
    assert resync[0] == "resync"
    assert broker.subscriber_count == 0


def test_the_same_id_in_the_query_string_is_treated_the_same(client, app):
    broker = app.extensions["otj"].broker
    response = client.get(
        "/events/stream",
        query_string={"last_event_id": f"{broker.run_id}-²"},
        buffered=False,
    )
    assert response.status_code == 200
    assert [kind for kind, _ in first_events(response, 2, broker)] == ["hello", "resync"]


def test_a_good_last_event_id_still_replays_what_was_missed(client, app):
    broker = app.extensions["otj"].broker
    seen = broker.publish("activity_saved", {"id": 1})
    broker.publish("activity_deleted", {"id": 1})

    response = client.get("/events/stream", headers={"Last-Event-ID": seen.id}, buffered=False)

    assert [kind for kind, _ in first_events(response, 2, broker)] == ["hello", "activity_deleted"]


@fuzz_settings(300)
@given(
    suffix=st.one_of(
        hostile_text,
        st.text(alphabet=st.characters(categories=["Nd", "No"]), max_size=30),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
    ),
    own_run=st.booleans(),
)
def test_fuzz_any_last_event_id_is_a_replay_or_a_resync(suffix, own_run):
    broker = Broker()
    for n in range(3):
        broker.publish("x", {"n": n})
    last_id = f"{broker.run_id}-{suffix}" if own_run else suffix

    sub = broker.subscribe(last_id)

    batch = broker.next_batch(sub, 0)
    if not last_id:  # no id at all: a fresh start, from the newest event
        assert batch.events == [] and batch.resync_id is None
        return
    valid = (  # one of this run's ids: plain digits (never more than 19), up to the newest
        own_run and suffix.isascii() and suffix.isdigit() and len(suffix) <= 19 and int(suffix) <= 3
    )
    assert (batch.resync_id is None) == valid
    assert len(batch.events) == (3 - int(suffix) if valid else 0)


@fuzz_settings(60)
@given(
    last_id=st.one_of(hostile_text, st.text(alphabet="0123456789-²١ ", max_size=40)),
    own_run=st.booleans(),
    in_query=st.booleans(),
)
def test_fuzz_the_stream_opens_whatever_id_it_is_given(client, app, last_id, own_run, in_query):
    broker = app.extensions["otj"].broker
    last_id = f"{broker.run_id}-{last_id}" if own_run else last_id
    if in_query:
        request = {"query_string": {"last_event_id": last_id}}
    else:
        request = {"headers": {"Last-Event-ID": last_id.replace("\n", " ").replace("\r", " ")}}

    response = client.get("/events/stream", buffered=False, **request)

    assert response.status_code == 200
    (hello,) = first_events(response, 1, broker)
    assert hello[0] == "hello"
    assert broker.subscriber_count == 0
