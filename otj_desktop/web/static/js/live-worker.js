/*
 * live-worker.js: the shared worker that holds ONE event stream for every window of a browser
 * profile and relays it to each page's port.
 *
 * Why: a browser allows about 6 HTTP/1.1 connections per host and profile. With an
 * EventSource per window, the 7th window (or the 7th request of any window) waits forever.
 * Here the whole profile uses one connection, whatever the number of windows. (pywebview's
 * private mode gives each window its own profile, so each gets its own worker: still one
 * connection per window.)
 *
 * Catching pages up: every page is rendered with `since`, the newest event id when its
 * request started. The worker keeps the last BUFFER_SIZE events and knows, from the stream's
 * `hello`, after which id its stream is complete (`bufferFrom`). A page whose `since` is
 * covered gets the events after it at once; any other page (an older run, a gap the buffer
 * no longer holds) is told to resync, i.e. to re-fetch what it shows.
 *
 * Page -> worker: {type: "hello", since}   a page joins (again, after coming back from cache)
 *                 {type: "bye"}            the page is going away (pagehide)
 *                 {type: "reconnect"}      try now if not connected (the page went online)
 * Worker -> page: {type: "status", state, detail}
 *                 {type: "event", id, kind, data}
 *                 {type: "resync"}
 */
/* global importScripts, OTJLiveStream */
"use strict";

importScripts("live-stream.js");

var BUFFER_SIZE = 500;

var ports = new Set();
var waiting = []; // [port, since] that joined before the stream said hello
var status = { type: "status", state: "connecting", detail: "" };
var run = null; // the server run the buffer belongs to
var bufferFrom = 0; // the buffer holds every event after this sequence number
var lastSeq = 0;
var buffer = []; // {type: "event", id, seq, kind, data}

function split(id) {
  var at = (id || "").lastIndexOf("-");
  var seq = at < 0 ? NaN : parseInt(id.slice(at + 1), 10);
  return { run: at < 0 ? "" : id.slice(0, at), seq: seq };
}

function broadcast(message) {
  ports.forEach(function (port) {
    try {
      port.postMessage(message);
    } catch (err) {
      ports.delete(port);
    }
  });
}

function catchUp(port, since) {
  if (run === null) {
    waiting.push([port, since]);
    return;
  }
  var from = split(since);
  // A page ahead of the worker (its event is still on the way) needs nothing replayed.
  if (from.run !== run || isNaN(from.seq) || from.seq < bufferFrom) {
    port.postMessage({ type: "resync" });
    return;
  }
  for (var i = 0; i < buffer.length; i++) {
    if (buffer[i].seq > from.seq) port.postMessage(buffer[i]);
  }
}

var stream = new OTJLiveStream({
  onHello: function (info) {
    var from = split(info.from);
    if (from.run !== run || from.seq !== lastSeq) {
      // A fresh start, or the server could not replay: the buffer starts again from here.
      run = from.run;
      buffer = [];
      bufferFrom = lastSeq = from.seq;
    }
    var joined = waiting;
    waiting = [];
    joined.forEach(function (entry) {
      catchUp(entry[0], entry[1]);
    });
  },
  onEvent: function (event) {
    var at = split(event.id);
    var message = { type: "event", id: event.id, seq: at.seq, kind: event.kind, data: event.data };
    buffer.push(message);
    if (buffer.length > BUFFER_SIZE) bufferFrom = buffer.shift().seq;
    lastSeq = at.seq;
    broadcast(message);
  },
  onResync: function (id) {
    var at = split(id);
    run = at.run;
    buffer = [];
    bufferFrom = lastSeq = at.seq;
    broadcast({ type: "resync" });
  },
  onStatus: function (state, detail) {
    status = { type: "status", state: state, detail: detail };
    broadcast(status);
  },
});

function fromPage(port, message) {
  if (!message) return;
  if (message.type === "hello") {
    ports.add(port);
    port.postMessage(status);
    if (stream.stopped) stream.start(message.since);
    catchUp(port, message.since);
  } else if (message.type === "bye") {
    ports.delete(port);
  } else if (message.type === "reconnect") {
    stream.reconnectNow();
  }
}

self.onconnect = function (e) {
  var port = e.ports[0];
  port.onmessage = function (m) {
    fromPage(port, m.data);
  };
};

self.addEventListener("online", function () {
  stream.reconnectNow();
});
