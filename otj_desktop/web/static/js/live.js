/*
 * live.js: live sync on every page. Loaded by base.html (after live-stream.js).
 *
 * THE CONTRACT FOR PAGES (no JavaScript needed to take part):
 *
 *   <section id="recent-activities" data-live="activity_saved activity_deleted"> ... </section>
 *
 *   Any element with an `id` and `data-live="<event kinds>"` (space-separated) is a live region.
 *   When one of those events arrives (or `resync`, after a gap), this script re-fetches the
 *   page's own URL once for the whole burst and swaps just those elements in place: the same
 *   template renders both. Extensions (optional):
 *     data-live-id="42"  the region shows activity 42 (an activity's own page): events about
 *                        one activity (ACTIVITY_EVENTS) count only when their data.id is 42;
 *                        the other kinds it lists (tags_changed, standard_saved ..., whose
 *                        data.id is a tag's or a standard's) refresh it whatever their id;
 *   A region holding a focused or changed form field is never swapped: it waits until focus
 *   leaves it and its fields are back as loaded (so keep forms out of regions).
 *   Swapped content gets an `otj:live-swapped` event. A region whose fetched HTML is the same as the copy swapped in
 *   last time is left alone (its charts stay drawn, an open <details> stays open).
 *
 * FOR SCRIPTS: every event is re-dispatched on `document` as `otj:live` with
 * detail {kind, id, data, mine} (`mine`: this page made the change), and `resync` as
 * {kind: "resync", data, mine} (data: {} after a gap; {summary} after a restore or import).
 * `window.OTJLive` has {origin, transport, state}.
 *
 * What else it does:
 *  - one connection per browser profile: a SharedWorker (live-worker.js) holds the stream and
 *    relays it, and also does the re-fetches, once per URL for every page that shows it; where
 *    SharedWorker is missing (some webviews), the page opens its own stream and fetches itself;
 *  - the status dot in the header (#live-status): connecting / connected / reconnecting /
 *    disconnected, with a tooltip and an accessible name;
 *  - an unobtrusive notice ("“Team retro” created in another window") in #live-notice, a polite
 *    live region, never moving focus, and never for the change this page made itself: every
 *    POST form gets a hidden `_live_origin` field (and script requests an X-OTJ-Origin
 *    header) with this page's id, which the server puts into the events it causes.
 */
(function () {
  "use strict";

  var WORKER_URL = "/static/js/live-worker.js";
  var COALESCE_MS = 4; // events this close together share one re-fetch (later ones: the next)
  var NOTICE_MS = 8000;
  var RETRY_REFRESH_MS = 2000;
  // Events about one activity: their data.id is an activity's id, so data-live-id filters them.
  var ACTIVITY_EVENTS = { activity_saved: true, activity_deleted: true, attachments_changed: true };

  // [visible word, accessible name, tooltip]. The accessible name stays short (and clear of
  // words such as "date" or "title": tests and assistive tech find form fields by label).
  var STATUS = {
    connecting: ["Connecting…", "Live sync: connecting", "Live sync: connecting…"],
    connected: [
      "Live",
      "Live sync: on",
      "Live sync is on: changes made in other windows show here at once.",
    ],
    reconnecting: [
      "Reconnecting…",
      "Live sync: reconnecting",
      "Live sync: reconnecting. Anything changed meanwhile shows when it is back.",
    ],
    disconnected: [
      "Not live",
      "Live sync: off, retrying",
      "Live sync: disconnected. Retrying by itself; this page catches up when it reconnects.",
    ],
  };
  var SIGNED_OUT = [
    "Live sync: signed out",
    "Live sync: this window is no longer signed in. Close it and open it again from the app.",
  ];

  function randomId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") || "" : "";
  }

  var live = (window.OTJLive = {
    origin: randomId(),
    transport: "",
    state: "connecting",
    since: meta("otj-live-since"),
    lastId: "",
  });

  // ---- who made a change ------------------------------------------------------------------

  document.addEventListener(
    "submit",
    function (e) {
      var form = e.target;
      if (!form || (form.method || "").toLowerCase() !== "post") return;
      var field = form.querySelector('input[name="_live_origin"]');
      if (!field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.name = "_live_origin";
        form.appendChild(field);
      }
      field.value = live.origin;
    },
    true
  );

  // ---- status dot -------------------------------------------------------------------------

  function setStatus(state, detail) {
    live.state = state;
    var el = document.getElementById("live-status");
    if (!el || !STATUS[state]) return;
    var signedOut = detail === "signed-out" && state !== "connected";
    el.setAttribute("data-state", state);
    el.setAttribute("aria-label", signedOut ? SIGNED_OUT[0] : STATUS[state][1]);
    el.setAttribute("title", signedOut ? SIGNED_OUT[1] : STATUS[state][2]);
    var label = el.querySelector(".live-label");
    if (label) label.textContent = STATUS[state][0];
  }

  // ---- notices ----------------------------------------------------------------------------

  var noticeTimer = null;
  var noticeCount = 0;

  function notify(text) {
    var box = document.getElementById("live-notice");
    if (!box) return;
    noticeCount += 1;
    box.textContent =
      noticeCount === 1
        ? text
        : text + " (and " + (noticeCount - 1) + " more change" + (noticeCount > 2 ? "s" : "") + ")";
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () {
      box.textContent = "";
      noticeCount = 0;
    }, NOTICE_MS);
  }

  // ---- live regions -----------------------------------------------------------------------

  var dirty = new Set();
  var deferred = new Set();
  var refreshTimer = null;
  var refreshing = false;

  function kindsOf(el) {
    return (el.getAttribute("data-live") || "").split(/\s+/).filter(Boolean);
  }

  function markRegions(kind, data) {
    var regions = document.querySelectorAll("[data-live][id]");
    for (var i = 0; i < regions.length; i++) {
      var el = regions[i];
      if (kind !== "resync") {
        if (kindsOf(el).indexOf(kind) < 0) continue;
        var onlyId = el.getAttribute("data-live-id");
        if (onlyId && ACTIVITY_EVENTS[kind] && !(data && String(data.id) === onlyId)) continue;
      }
      dirty.add(el.id);
    }
    schedule(COALESCE_MS);
  }

  function schedule(delay) {
    if (refreshTimer || refreshing || !dirty.size) return;
    refreshTimer = setTimeout(refresh, delay);
  }

  function isField(el) {
    return !!el && el.matches && el.matches("input, textarea, select, [contenteditable]");
  }

  function isChanged(field) {
    var type = (field.type || "").toLowerCase();
    if (type === "hidden" || type === "submit" || type === "button" || type === "reset") {
      return false;
    }
    if (type === "checkbox" || type === "radio") return field.checked !== field.defaultChecked;
    if (field.tagName === "SELECT") {
      for (var i = 0; i < field.options.length; i++) {
        if (field.options[i].selected !== field.options[i].defaultSelected) return true;
      }
      return false;
    }
    if (field.isContentEditable) return false;
    return field.value !== field.defaultValue;
  }

  /** True when swapping `el` would throw away what the user is doing in it. */
  function holdsUserInput(el) {
    var active = document.activeElement;
    if (active && el.contains(active) && isField(active)) return true;
    var fields = el.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      if (isChanged(fields[i])) return true;
    }
    return false;
  }

  function refresh() {
    refreshTimer = null;
    var ids = [];
    dirty.forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      if (holdsUserInput(el)) {
        deferred.add(id);
        el.setAttribute("data-live-stale", "");
      } else {
        ids.push(id);
      }
    });
    dirty.clear();
    if (!ids.length) return;
    refreshing = true;
    load(location.href).then(
      function (reply) {
        // A deleted item's page answers 404 with its regions saying so: swap those too.
        if (reply.error || reply.status === 403 || reply.status >= 500) {
          retry(ids);
          return;
        }
        try {
          swapRegions(reply.html, ids);
        } catch (err) {
          console.error("live sync could not update the page", err);
        }
        refreshing = false;
        schedule(0);
      },
      function () {
        retry(ids);
      }
    );
  }

  /** Server unreachable or busy: try the same regions again shortly. */
  function retry(ids) {
    ids.forEach(function (id) {
      dirty.add(id);
    });
    refreshing = false;
    schedule(RETRY_REFRESH_MS);
  }

  /** This page re-rendered, as {status, html} (or {error}): via the worker if there is one. */
  function load(url) {
    if (current && current.load) return current.load(url);
    return directLoad(url);
  }

  function directLoad(url) {
    return fetch(url, {
      headers: { "X-OTJ-Live": "1" },
      credentials: "same-origin",
      cache: "no-store",
    }).then(function (response) {
      return response.text().then(function (html) {
        return { status: response.status, html: html };
      });
    });
  }

  function swapRegions(html, ids) {
    // Whatever the user did while the fetch was out wins over the fetched copy.
    ids = ids.filter(function (id) {
      var el = document.getElementById(id);
      if (el && holdsUserInput(el)) {
        deferred.add(id);
        el.setAttribute("data-live-stale", "");
        return false;
      }
      return !!el;
    });
    if (!ids.length) return;
    var focus = rememberFocus(ids);
    var doc = new DOMParser().parseFromString(html, "text/html");
    ids = ids.filter(function (id) {
      var next = doc.getElementById(id);
      var current = document.getElementById(id);
      if (!next || !current) return false;
      // The same HTML as the copy swapped in last time: nothing changed, so keep what is drawn
      // (charts, an open <details>) and skip the work (bench/live_sync.py: 8 dashboards).
      var fresh = next.outerHTML;
      if (current.__liveHtml === fresh && !current.hasAttribute("data-live-stale")) return false;
      var adopted = document.adoptNode(next);
      adopted.__liveHtml = fresh;
      current.replaceWith(adopted);
      return true;
    });
    if (doc.title && doc.title !== document.title) document.title = doc.title;
    ids.forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.dispatchEvent(new CustomEvent("otj:live-swapped", { bubbles: true }));
    });
    restoreFocus(focus);
  }

  /** A link or button focused inside a region keeps focus after the swap (by id, link or text). */
  function rememberFocus(ids) {
    var active = document.activeElement;
    if (!active || active === document.body) return null;
    for (var i = 0; i < ids.length; i++) {
      var region = document.getElementById(ids[i]);
      if (region && region.contains(active)) {
        return {
          region: ids[i],
          id: active.id,
          href: active.getAttribute("href"),
          text: active.textContent,
          element: active,
        };
      }
    }
    return null;
  }

  function restoreFocus(focus) {
    if (!focus || focus.element.isConnected) return;
    var region = document.getElementById(focus.region);
    if (!region) return;
    var target = focus.id ? document.getElementById(focus.id) : null;
    if (!target && focus.href) {
      var links = region.querySelectorAll("a[href]");
      for (var i = 0; i < links.length && !target; i++) {
        if (links[i].getAttribute("href") === focus.href) target = links[i];
      }
    }
    if (!target) {
      var buttons = region.querySelectorAll("button");
      for (var j = 0; j < buttons.length && !target; j++) {
        if (buttons[j].textContent === focus.text) target = buttons[j];
      }
    }
    if (target) target.focus({ preventScroll: true });
  }

  function retryDeferred() {
    deferred.forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) {
        deferred.delete(id);
      } else if (!holdsUserInput(el)) {
        deferred.delete(id);
        el.removeAttribute("data-live-stale");
        dirty.add(id);
      }
    });
    schedule(0);
  }

  document.addEventListener("focusout", function () {
    if (deferred.size) setTimeout(retryDeferred, 0);
  });

  // ---- events in ----------------------------------------------------------------------------

  function onEvent(event) {
    if (event.id) live.lastId = event.id;
    var data = event.data || {};
    var mine = data.origin === live.origin;
    document.dispatchEvent(
      new CustomEvent("otj:live", {
        detail: { kind: event.kind, id: event.id, data: data, mine: mine },
      })
    );
    markRegions(event.kind, data);
    if (!mine && data.summary) notify(data.summary + " in another window");
  }

  /** Everything may have changed: refresh every region. A restore or an import says what it
   * did (`summary`), shown like any other change made in another window. */
  function onResync(data) {
    data = data || {};
    var mine = !!data.origin && data.origin === live.origin;
    document.dispatchEvent(
      new CustomEvent("otj:live", { detail: { kind: "resync", data: data, mine: mine } })
    );
    markRegions("resync", null);
    if (!mine && data.summary) notify(data.summary + " in another window");
  }

  function fromTransport(message) {
    if (!message) return;
    if (message.type === "status") setStatus(message.state, message.detail);
    else if (message.type === "event") onEvent(message);
    else if (message.type === "resync") {
      if (message.id) live.lastId = message.id;
      onResync(message.data);
    } else if (message.type === "fetched" && waiting[message.ticket]) {
      waiting[message.ticket](message);
      delete waiting[message.ticket];
    }
  }

  var waiting = {}; // ticket -> resolve, for re-renders the worker fetches
  var tickets = 0;

  // ---- transports ---------------------------------------------------------------------------

  var current = null; // {close(), reconnect()}

  function resumeFrom() {
    return live.lastId || live.since;
  }

  function viaSharedWorker() {
    if (typeof SharedWorker !== "function") return null;
    var worker;
    try {
      worker = new SharedWorker(WORKER_URL, { name: "otj-live" });
    } catch (err) {
      return null;
    }
    var port = worker.port;
    var heard = false;
    var transport = {
      kind: "shared",
      close: function () {
        port.postMessage({ type: "bye" });
        port.close();
      },
      reconnect: function () {
        port.postMessage({ type: "reconnect" });
      },
      load: function (url) {
        return new Promise(function (resolve) {
          var ticket = ++tickets;
          waiting[ticket] = resolve;
          port.postMessage({ type: "fetch", url: url, after: resumeFrom(), ticket: ticket });
          // Should the worker never answer (it died), fetch it ourselves.
          setTimeout(function () {
            if (!waiting[ticket]) return;
            delete waiting[ticket];
            directLoad(url).then(resolve, function () {
              resolve({ error: true });
            });
          }, 10000);
        });
      },
    };
    port.onmessage = function (m) {
      heard = true;
      fromTransport(m.data);
    };
    worker.onerror = function () {
      // The worker could not start (blocked, or a broken webview): go it alone.
      if (heard || current !== transport) return;
      port.close();
      current = viaPage();
    };
    port.postMessage({ type: "hello", since: resumeFrom() });
    return transport;
  }

  function viaPage() {
    var stream = new window.OTJLiveStream({
      onEvent: onEvent,
      onResync: function (id, data) {
        onResync(data);
      },
      onStatus: setStatus,
    });
    stream.start(resumeFrom());
    live.transport = "page";
    return {
      kind: "page",
      close: function () {
        stream.stop(); // frees the connection at once: it is one of only ~6 per host
      },
      reconnect: function () {
        stream.reconnectNow();
      },
    };
  }

  function connect() {
    current = viaSharedWorker();
    if (current) live.transport = "shared";
    else current = viaPage();
  }

  window.addEventListener("pagehide", function () {
    if (current) current.close();
    current = null;
  });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted && !current) {
      connect(); // back from the back/forward cache: catch up from the newest id seen
    }
  });
  window.addEventListener("online", function () {
    if (current) current.reconnect();
  });

  connect();
})();
