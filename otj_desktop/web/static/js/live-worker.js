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
 * One fetch for many pages: after an event, every page showing the same URL (8 dashboards)
 * wants that URL re-rendered. Pages ask the worker, which fetches each URL once for all of
 * them: a page joins a fetch in flight, or takes a response fetched in the last few seconds,
 * only if that fetch started after the worker had the page's newest event (so the response
 * reflects it); otherwise a new fetch starts. 8 windows then cost the server one render and
 * one connection, not 8 renders queued on ~5 connections.
 *
 * Page -> worker: {type: "hello", since}   a page joins (again, after coming back from cache)
 *                 {type: "bye"}            the page is going away (pagehide)
 *                 {type: "reconnect"}      try now if not connected (the page went online)
 *                 {type: "fetch", url, after, ticket}  re-render `url`, reflecting event `after`
 * Worker -> page: {type: "status", state, detail}
 *                 {type: "event", id, kind, data}
 *                 {type: "resync", id, data}   (data: {summary} after a restore or import)
 *                 {type: "fetched", ticket, status, html} (or {type: "fetched", ticket, error})
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
var fetches = {}; // url -> the newest fetch in flight: {run, seq, waiters: [[port, ticket]]}
var fetched = {}; // url -> the newest completed fetch: {run, seq, reply, at}
var REUSE_MS = 3000;

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
  onResync: function (id, data) {
    var at = split(id);
    run = at.run;
    buffer = [];
    bufferFrom = lastSeq = at.seq;
    broadcast({ type: "resync", id: id, data: data });
  },
  onStatus: function (state, detail) {
    status = { type: "status", state: state, detail: detail };
    broadcast(status);
  },
});

function answer(port, ticket, reply) {
  port.postMessage({
    type: "fetched",
    ticket: ticket,
    status: reply.status,
    html: reply.html,
    error: reply.error,
  });
}

/** Does a fetch that started at (run, seq) reflect the page's newest event `after`? */
function reflects(job, after) {
  return job.run === after.run && job.seq >= after.seq;
}

function fetchFor(port, message) {
  var url = message.url;
  var after = split(message.after);
  var current = fetches[url];
  if (current && reflects(current, after)) {
    current.waiters.push([port, message.ticket]);
    return;
  }
  var done = fetched[url];
  if (done && reflects(done, after) && Date.now() - done.at < REUSE_MS) {
    answer(port, message.ticket, done.reply);
    return;
  }
  var job = { run: run, seq: lastSeq, waiters: [[port, message.ticket]] };
  fetches[url] = job;
  fetch(url, { headers: { "X-OTJ-Live": "1" }, credentials: "same-origin", cache: "no-store" })
    .then(function (response) {
      return response.text().then(function (html) {
        return { status: response.status, html: html };
      });
    })
    .catch(function () {
      return { error: true };
    })
    .then(function (reply) {
      if (fetches[url] === job) delete fetches[url];
      var kept = fetched[url];
      if (!reply.error && !(kept && kept.run === job.run && kept.seq > job.seq)) {
        fetched[url] = { run: job.run, seq: job.seq, reply: reply, at: Date.now() };
      }
      pruneFetched();
      job.waiters.forEach(function (waiter) {
        answer(waiter[0], waiter[1], reply);
      });
    });
}

function pruneFetched() {
  var now = Date.now();
  Object.keys(fetched).forEach(function (url) {
    if (now - fetched[url].at >= REUSE_MS) delete fetched[url];
  });
}

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
  } else if (message.type === "fetch") {
    fetchFor(port, message);
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
