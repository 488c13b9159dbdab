/*
 * live-stream.js: one EventSource to GET /events/stream that looks after itself.
 *
 * Used in two places: by the shared worker (live-worker.js loads it with importScripts), which
 * holds the one connection a browser profile needs however many windows are open; and by a
 * page directly (live.js) where SharedWorker is missing, as in some webviews. It
 *
 *  - resumes where it left off: the first URL carries ?last_event_id=<since> (the id the page
 *    was rendered at), the browser's own reconnects send Last-Event-ID, and a reconnect made
 *    here carries the newest id seen; the server replays what was missed or says `resync`;
 *  - listens for every event kind the server announces (`hello`, `kinds`): EventSource has no
 *    wildcard listener, and later features add kinds without touching this file;
 *  - reports its state: connecting, connected, reconnecting (dropped, the browser is retrying),
 *    disconnected (a retry failed too, or nothing for DOWN_AFTER_MS);
 *  - when the browser gives up for good (an HTTP error, e.g. 503 past the server's stream cap),
 *    asks `?probe=1` why and tries again: after Retry-After for a 503, otherwise with backoff
 *    (1, 2, 4 ... 30 s). A window whose sign-in is no longer valid (403) retries slowly.
 *
 * Handlers: onEvent({id, kind, data}), onResync(id, data), onHello(info), onStatus(state, detail).
 */
(function (scope) {
  "use strict";

  var STREAM_URL = "/events/stream";
  var CONTROL = { hello: true, kinds: true, resync: true };
  var DOWN_AFTER_MS = 4000;
  var MAX_BACKOFF_MS = 30000;

  function parse(text) {
    try {
      return JSON.parse(text);
    } catch (err) {
      return {};
    }
  }

  function LiveStream(handlers) {
    this.handlers = handlers;
    this.source = null;
    this.lastId = "";
    this.kinds = new Set();
    this.failures = 0;
    this.state = "";
    this.detail = "";
    this.retryTimer = null;
    this.downTimer = null;
    this.stopped = true;
    this.onKindEvent = this.deliver.bind(this);
  }

  /** Connect, resuming after `since` (an event id) if given. */
  LiveStream.prototype.start = function (since) {
    if (since && !this.lastId) this.lastId = since;
    this.stopped = false;
    this.open();
  };

  LiveStream.prototype.stop = function () {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.downTimer);
    this.close();
  };

  /** Try again at once if not connected (back online, a page shown again). */
  LiveStream.prototype.reconnectNow = function () {
    if (this.stopped || this.state === "connected") return;
    clearTimeout(this.retryTimer);
    this.close();
    this.open();
  };

  LiveStream.prototype.url = function () {
    return this.lastId
      ? STREAM_URL + "?last_event_id=" + encodeURIComponent(this.lastId)
      : STREAM_URL;
  };

  LiveStream.prototype.open = function () {
    var self = this;
    this.retryTimer = null;
    if (this.stopped) return;
    var source;
    try {
      source = new EventSource(this.url());
    } catch (err) {
      this.failed();
      this.retryLater();
      return;
    }
    this.source = source;
    if (!this.state) this.setStatus("connecting", "");
    source.onopen = function () {
      if (source !== self.source) return;
      self.failures = 0;
      clearTimeout(self.downTimer);
      self.downTimer = null;
      self.setStatus("connected", "");
    };
    source.onerror = function () {
      self.onError(source);
    };
    source.addEventListener("hello", function (e) {
      var info = parse(e.data);
      self.addKinds(info.kinds || []);
      if (self.handlers.onHello) self.handlers.onHello(info);
    });
    source.addEventListener("kinds", function (e) {
      self.addKinds(parse(e.data).kinds || []);
    });
    source.addEventListener("resync", function (e) {
      if (e.lastEventId) self.lastId = e.lastEventId;
      self.handlers.onResync(self.lastId, parse(e.data)); // {summary} after a restore or import
    });
    this.kinds.forEach(function (kind) {
      source.addEventListener(kind, self.onKindEvent);
    });
  };

  LiveStream.prototype.close = function () {
    if (this.source) {
      this.source.close();
      this.source = null;
    }
  };

  LiveStream.prototype.addKinds = function (kinds) {
    for (var i = 0; i < kinds.length; i++) {
      var kind = kinds[i];
      if (CONTROL[kind] || this.kinds.has(kind)) continue;
      this.kinds.add(kind);
      if (this.source) this.source.addEventListener(kind, this.onKindEvent);
    }
  };

  LiveStream.prototype.deliver = function (e) {
    if (e.lastEventId) this.lastId = e.lastEventId;
    this.handlers.onEvent({ id: e.lastEventId, kind: e.type, data: parse(e.data) });
  };

  LiveStream.prototype.onError = function (source) {
    if (source !== this.source) return;
    this.failed();
    if (source.readyState === EventSource.CLOSED) {
      // The browser will not retry (an HTTP error or a wrong content type): we do.
      this.close();
      this.retryLater();
    }
    // Otherwise (CONNECTING) the browser reconnects by itself after the server's `retry:`.
  };

  LiveStream.prototype.failed = function () {
    var self = this;
    this.failures += 1;
    this.setStatus(this.failures > 1 ? "disconnected" : "reconnecting", this.detail);
    if (!this.downTimer) {
      this.downTimer = setTimeout(function () {
        self.downTimer = null;
        if (self.state === "reconnecting") self.setStatus("disconnected", self.detail);
      }, DOWN_AFTER_MS);
    }
  };

  LiveStream.prototype.retryLater = function () {
    var self = this;
    var delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, Math.min(this.failures - 1, 5)));
    fetch(STREAM_URL + "?probe=1", { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 503) {
          var after = parseInt(response.headers.get("Retry-After"), 10);
          if (after > 0) delay = after * 1000;
          return "busy";
        }
        if (response.status === 403) {
          delay = MAX_BACKOFF_MS;
          return "signed-out";
        }
        if (response.ok) delay = Math.min(delay, 1000);
        return "";
      })
      .catch(function () {
        return "unreachable";
      })
      .then(function (detail) {
        if (self.stopped) return;
        self.setStatus(self.state === "connected" ? "reconnecting" : self.state, detail);
        // Never earlier than asked; a little later at random so windows do not retry in step.
        var wait = delay * (1 + Math.random() * 0.25);
        self.retryTimer = setTimeout(function () {
          self.open();
        }, wait);
      });
  };

  LiveStream.prototype.setStatus = function (state, detail) {
    if (state === "connected") detail = "";
    if (state === this.state && detail === this.detail) return;
    this.state = state;
    this.detail = detail;
    if (this.handlers.onStatus) this.handlers.onStatus(state, detail);
  };

  scope.OTJLiveStream = LiveStream;
})(typeof self !== "undefined" ? self : this);
