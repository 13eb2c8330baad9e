// ruamkit's only script: connection state, phone redraws, filters, toasts and bar motion.
// No inline script anywhere (the pages' Content-Security-Policy forbids it).
(function () {
  "use strict";

  function setConnection(state) {
    document.body.dataset.ws = state;
    var label = document.getElementById("connection");
    if (label) {
      label.dataset.state = state;
      label.textContent = label.dataset[state] || label.textContent;
    }
  }

  // A phone redraws its own view when the shared version moves on (phase, projects...).
  // Checked again every 2 s, not only when a live message arrives: a redraw that was lost (seen
  // under load when a new round starts) would otherwise wait for the next change in the room.
  setInterval(function () { syncPhone(); }, 2000);
  function syncPhone() {
    var sync = document.getElementById("phone-sync");
    var main = document.getElementById("phone-main");
    var shell = document.getElementById("phone-shell");
    if (!sync || !main || !shell) return;
    // One redraw at a time; one that never settles (a dropped connection) is given up after 5 s.
    var since = Number(shell.dataset.fetching || 0);
    if (sync.dataset.version !== main.dataset.version && (!since || Date.now() - since > 5000)) {
      shell.dataset.fetching = String(Date.now());
      // Sent from the shell, not from <body>: htmx queues requests per element, and a queued one
      // settles at once, so sharing <body> with "My proposals" could spin this check.
      htmx.ajax("GET", shell.dataset.mainUrl, { source: shell, target: "#phone-main", swap: "outerHTML" })
        .finally(function () { delete shell.dataset.fetching; setTimeout(syncPhone, 50); });
    }
  }

  // Strategy filters: hide cards not tagged with the chosen strategy.
  function applyFilters() {
    document.querySelectorAll("select[data-filter-for]").forEach(function (select) {
      var list = document.getElementById(select.dataset.filterFor);
      if (!list) return;
      var wanted = select.value;
      list.querySelectorAll("[data-strategies]").forEach(function (card) {
        card.hidden = wanted !== "" && card.dataset.strategies.indexOf(" " + wanted + " ") === -1;
      });
    });
  }

  // A search or a "more" marks its list as this phone's own (the live first page leaves it alone).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail && event.detail.elt;
    if (!el || !el.closest) return;
    var form = el.closest("form[data-search-for]");
    var list = form ? document.getElementById(form.dataset.searchFor) : el.closest("ul.cards");
    if (list && (form || el.classList.contains("more"))) list.dataset.browsing = "1";
  });

  var refreshTable = null;
  function refreshConsoleTable() {
    var url = refreshTable;
    refreshTable = null;
    if (url && document.getElementById("console-projects")) {
      htmx.ajax("GET", url, { target: "#console-projects", swap: "outerHTML" });
    }
  }

  // A group added from another console reaches this one's live list (#groups-live) at once, but
  // its links and QR code are this console's own (its key, its rights): fetch the Groups card
  // and take its parts for the groups, leaving the add form as typed. Once per new group.
  var groupsAskedFor = {};
  function refreshGroupLinks() {
    var block = document.getElementById("groups-links-block");
    if (!block) return;
    var missing = Array.prototype.filter.call(document.querySelectorAll("#groups-live .group-row[data-group-id]"), function (row) {
      return !document.getElementById("group-links-" + row.dataset.groupId) && !groupsAskedFor[row.dataset.groupId];
    });
    if (!missing.length) return;
    missing.forEach(function (row) { groupsAskedFor[row.dataset.groupId] = true; });
    htmx.ajax("GET", block.dataset.card, { target: "#groups-links-block", swap: "outerHTML",
                                           select: "#groups-links-block", selectOOB: "#groups-tools" });
  }

  // A live message carries every part of its view; a page takes the parts it shows (by id).
  // A phone still drawing the previous phase gets the next phase's parts for a moment before
  // it redraws: dropping them there avoids htmx's "no target" errors.
  htmx.defineExtension("live-parts", {
    transformResponse: function (text, xhr) {
      if (xhr) return text;  // only websocket messages: normal answers are left alone
      var template = document.createElement("template");
      template.innerHTML = text;
      Array.prototype.slice.call(template.content.children).forEach(function (part) {
        var here = part.id && document.getElementById(part.id);
        if (!here) part.remove();
        // The live list is everyone's first page (newest first; a phone with its own order reorders
        // it, applyOrder): a phone that searched or paged keeps the list it shows.
        else if (part.id === "proposal-list" && here.dataset.browsing) part.remove();
        // The console's filtered (or later) page of projects stays, and is asked for afresh below.
        var table = document.getElementById("console-projects");
        var incoming = part.querySelector && part.querySelector("#console-projects");
        if (table && incoming && table.dataset.browsing) {
          incoming.replaceWith(table.cloneNode(true));
          refreshTable = table.dataset.url;
        }
      });
      return template.innerHTML;
    }
  });

  // Bars grow from their old length instead of jumping, and rows whose rank changed light up
  // for a moment (the rows are new after each swap, so compare with what was there).
  var oldWidths = {};
  var oldRanks = {};
  var openDetails = [];
  function rememberState() {
    oldWidths = {};
    oldRanks = {};
    document.querySelectorAll("rect.bar-fill[id]").forEach(function (rect) {
      oldWidths[rect.id] = rect.getAttribute("width");
    });
    document.querySelectorAll("[data-rank][id]").forEach(function (row) {
      oldRanks[row.id] = row.dataset.rank;
    });
    openDetails = Array.prototype.map.call(document.querySelectorAll("details[open][id]"), function (d) { return d.id; });
  }
  function animateBars() {
    document.querySelectorAll("rect.bar-fill[id]").forEach(function (rect) {
      var before = oldWidths[rect.id];
      var after = rect.getAttribute("width");
      if (before === undefined || before === after) return;
      rect.setAttribute("width", before);
      requestAnimationFrame(function () {
        requestAnimationFrame(function () { rect.setAttribute("width", after); });
      });
    });
    document.querySelectorAll("[data-rank][id]").forEach(function (row) {
      var before = oldRanks[row.id];
      if (before !== undefined && before !== row.dataset.rank) row.classList.add("rank-moved");
    });
  }
  // The console's live part is redrawn whole: keep the sections the facilitator opened open.
  function restoreDetails() {
    openDetails.forEach(function (id) {
      var details = document.getElementById(id);
      if (details) details.open = true;
    });
  }

  var toastTimer = null;
  function showToastLater() {
    var toast = document.getElementById("toast");
    if (!toast || !toast.textContent.trim()) return;
    toast.classList.add("visible");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.classList.remove("visible"); }, 5000);
  }

  function say(message) {
    var toast = document.getElementById("toast");
    if (!toast) return;
    toast.innerHTML = "";
    var p = document.createElement("p");
    p.className = "toast-msg error";
    p.setAttribute("role", "alert");
    p.textContent = message;
    toast.appendChild(p);
    showToastLater();
  }

  // A live socket that drops is opened again by htmx's ws extension after a random part of a
  // ceiling that doubles with each failed try (full jitter, so a hall does not knock in step).
  // The extension's ceiling grows to 64 s; held at 8 s, because a phone that tried while a
  // restarted server was still starting waited up to 32 s more: 4,000 phones took 56 s to be
  // back after a kill (`ruamkit bench --scenario restart`, which reads this ceiling from here).
  var WS_RECONNECT_CEILING_EXPONENT = 3;
  htmx.config.wsReconnectDelay = function (retryCount) {
    return 1000 * Math.pow(2, Math.min(retryCount, WS_RECONNECT_CEILING_EXPONENT)) * Math.random();
  };
  document.addEventListener("htmx:wsOpen", function () { setConnection("open"); });
  // 4403: the server closed a console whose link was revoked (app/live/hub.py). The ws extension
  // does not reconnect after it; say why instead of "reconnecting".
  document.addEventListener("htmx:wsClose", function (event) {
    var closed = event.detail && event.detail.event;
    if (closed && closed.code === 4403) {
      setConnection("revoked");
      var label = document.getElementById("connection");
      if (label) label.setAttribute("role", "alert");
      document.body.classList.add("revoked");
      return;
    }
    setConnection("closed");
  });
  document.addEventListener("htmx:wsError", function () { setConnection("closed"); });
  document.addEventListener("htmx:wsBeforeMessage", rememberState);
  document.addEventListener("htmx:wsAfterMessage", function () {
    syncPhone();
    refreshConsoleTable();
    refreshGroupLinks();
    applyFilters();
    animateBars();
    restoreDetails();
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    applyFilters();
    if (event.target && event.target.id === "toast") showToastLater();
  });
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.target && event.target.id === "toast") showToastLater();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "toast") showToastLater();
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-filter-for]")) applyFilters();
  });
  // A form that could not be sent keeps what was typed; say so.
  document.addEventListener("htmx:sendError", function () {
    say(document.body.dataset.offlineMessage || "No connection: nothing was lost. Try again when the network is back.");
  });
  // A + or − answered 503 ("try again": the database restarting, nothing was changed) is sent
  // again by the page itself: after the server's Retry-After, growing each time, with jitter so
  // a hall of phones does not come back in step; at most TAP_RETRIES times, then the server's
  // sentence is shown. Found again by id: a live redraw may have replaced the button meanwhile.
  var TAP_RETRIES = 5;
  var tapRetries = {};
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var elt = event.detail && event.detail.elt;
    if (!xhr || xhr.status !== 503 || !elt || !elt.id || !elt.matches || !elt.matches("button.step")) return;
    var tries = tapRetries[elt.id] || 0;
    if (tries >= TAP_RETRIES) {
      delete tapRetries[elt.id];
      var answer = document.createElement("template");
      answer.innerHTML = xhr.responseText;
      say(answer.content.textContent.trim() || document.body.dataset.offlineMessage || "Try again in a moment.");
      return;
    }
    tapRetries[elt.id] = tries + 1;
    var seconds = Math.min(30, Math.max(Number(xhr.getResponseHeader("Retry-After")) || 1, Math.pow(2, tries)));
    var id = elt.id;
    setTimeout(function () {
      var button = document.getElementById(id);
      if (button) htmx.ajax("POST", button.getAttribute("hx-post"), { source: button, swap: "none" });
    }, seconds * 1000 * (1 + Math.random() / 2));
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.id && event.detail.successful) delete tapRetries[elt.id];
  });
  // Taps made while the previous one is on its way wait here, by button id, and are made again
  // on the button drawn by the answer. htmx's own queue (hx-sync) keeps the button element, and
  // the answer replaces that button: htmx then drops every tap queued behind it, silently (three
  // quick + gave one dot on a slow network). A button disabled meanwhile (the cap reached) is
  // skipped, as the person's tap on it would be. A score button replayed this way toggles as
  // drawn, so tapping the same score twice takes it back, as on a fast network.
  var TAP_BUTTONS = ".vote button.step, .score-control button.seg";
  var tapOnItsWay = null;
  var tapsWaiting = [];
  function nextTap() {
    tapOnItsWay = null;
    while (tapsWaiting.length) {
      var button = document.getElementById(tapsWaiting.shift());
      if (button && !button.disabled) { button.click(); return; }
    }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(TAP_BUTTONS);
    if (!button || !tapOnItsWay) return;
    event.preventDefault();
    event.stopImmediatePropagation();  // htmx's own listener is on the button: it never sees this tap
    tapsWaiting.push(button.id);
  }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    var xhr = event.detail && event.detail.xhr;
    if (!elt || !elt.matches || !elt.matches(TAP_BUTTONS) || !xhr) return;
    tapOnItsWay = xhr;
    // "loadend" comes after htmx has drawn the answer (load, error, abort or timeout alike).
    xhr.addEventListener("loadend", function () {
      if (tapOnItsWay === xhr) setTimeout(nextTap, 0);
    });
  });
  document.addEventListener("click", function (event) {
    var input = event.target.closest && event.target.closest("input.secret-link");
    if (input) input.select();
    // A "Copy" button beside a link shown once (the Facilitators card).
    var copy = event.target.closest && event.target.closest("button[data-copy]");
    var source = copy && document.getElementById(copy.dataset.copy);
    if (source) {
      source.select();
      var done = function () { copy.textContent = copy.dataset.copied || copy.textContent; };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(source.value).then(done, function () {});
      else if (document.execCommand && document.execCommand("copy")) done();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var label = document.getElementById("connection");
    if (label) {
      label.dataset.connecting = label.textContent;
    }
    applyFilters();
  });
  // --- Facilitation: the phase timer in server time, the big screen's view keys and reveal,
  // the phone's "My proposals", and console inputs that survive live redraws. ---

  // The device's clock may be off. Each server timestamp gives a sample of (server - device)
  // minus however late it arrived (never plus: a stale message only gives a smaller one), so
  // the largest recent sample is the best estimate of the offset.
  var clockSamples = [];
  function addClockSample(serverMs, deviceMs) {
    if (!isFinite(serverMs) || serverMs <= 0) return;
    clockSamples.push([serverMs - deviceMs, deviceMs]);
    clockSamples = clockSamples.filter(function (s) { return s[1] >= deviceMs - 600000; }).slice(-60);
  }
  function clockOffset() {
    var best = null;
    clockSamples.forEach(function (s) { if (best === null || s[0] > best) best = s[0]; });
    return best === null ? 0 : best;
  }
  function measureClock() {
    if (!document.querySelector("[data-timer]") || !window.fetch) return;
    fetch("/api/v1/time", { cache: "no-store", credentials: "omit" })
      .then(function (response) { return response.json(); })
      .then(function (body) { addClockSample(Number(body.epoch_ms), Date.now()); })
      .catch(function () { /* the timestamps in the live messages are enough */ });
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tickTimers() {
    var now = Date.now();
    document.querySelectorAll("[data-timer]").forEach(function (el) {
      if (!el.dataset.sampled) {  // a freshly drawn timer: its timestamp is a clock sample
        el.dataset.sampled = "1";
        addClockSample(Number(el.dataset.serverNow), now);
      }
      if (el.hidden) return;
      var running = el.dataset.running === "1";
      var left = Number(el.dataset.remaining) * 1000;
      if (running) left = Number(el.dataset.serverNow) + left - (now + clockOffset());
      left = Math.max(0, left);
      var seconds = Math.ceil(left / 1000);
      var text = Math.floor(seconds / 60) + ":" + pad(seconds % 60);
      var value = el.querySelector("[data-timer-value]");
      if (value && value.textContent !== text) value.textContent = text;
      el.dataset.leftMs = String(Math.round(left));
      el.classList.toggle("done", running && left <= 0);
      el.classList.toggle("ending", running && left > 0 && left <= 60000);
    });
  }
  setInterval(tickTimers, 200);

  // The big screen's pages (app/services/screen_pages.py): the page the clock points at, in
  // server time, so every screen shows the same one and a redraw keeps it; or the held one.
  function turnPages() {
    document.querySelectorAll(".pager").forEach(function (pager) {
      if (!pager.dataset.sampled) {
        pager.dataset.sampled = "1";
        addClockSample(Number(pager.dataset.serverNow), Date.now());
      }
      var pages = pager.querySelectorAll(":scope > .screen-page");
      if (!pages.length) return;
      var held = Number(pager.dataset.held || 0);
      var seconds = Number(pager.dataset.seconds) || 10;
      var shown = held ? Math.min(held, pages.length)
        : Math.floor((Date.now() + clockOffset()) / (seconds * 1000)) % pages.length + 1;
      pages.forEach(function (page, i) {
        var hide = i + 1 !== shown;
        if (page.hidden !== hide) page.hidden = hide;
      });
      if (pager.dataset.shown !== String(shown)) pager.dataset.shown = String(shown);
    });
  }
  setInterval(turnPages, 250);

  // The big screen is laid out for 1920x1080 and zoomed as a whole to the display it is on.
  function fitScreen() {
    if (!document.body || !document.body.classList.contains("screen")) return;
    var zoom = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    document.body.style.setProperty("--screen-zoom", String(Math.round(zoom * 1000) / 1000));
  }
  window.addEventListener("resize", fitScreen);

  // The big screen's keys: 1-9 choose a view, 0 (or A) goes back to following the phase.
  var VIEW_KEYS = { "1": "join", "2": "wall", "3": "tallies", "4": "ranking", "5": "strategies",
                    "6": "coverage", "7": "matrix", "8": "agencies", "9": "groups", "0": "auto", "a": "auto" };
  document.addEventListener("keydown", function (event) {
    var shell = document.getElementById("screen-shell");
    if (!shell || !shell.dataset.viewUrl || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest && event.target.closest("input, textarea, select")) return;
    var view = VIEW_KEYS[String(event.key).toLowerCase()];
    if (!view) return;
    event.preventDefault();
    htmx.ajax("POST", shell.dataset.viewUrl, { values: { view: view }, swap: "none" });
  });

  // Revealed results arrive with a visible transition on the big screen.
  var screenTallies = null;
  function rememberTallies() {
    var live = document.getElementById("screen-live");
    screenTallies = live ? live.dataset.tallies : null;
  }
  function markReveal() {
    var live = document.getElementById("screen-live");
    if (live && screenTallies === "hidden" && live.dataset.tallies === "shown") live.classList.add("revealed");
  }

  // "My proposals" is personal: fetched again, while it is open, when the proposals changed.
  function syncMine() {
    var sync = document.getElementById("phone-sync");
    var mine = document.getElementById("my-proposals");
    var tab = document.getElementById("tab-mine");
    if (!sync || !mine || !tab || !tab.checked || mine.dataset.fetching) return;
    if (sync.dataset.projects && sync.dataset.projects !== mine.dataset.projects) {
      mine.dataset.fetching = "1";
      htmx.ajax("GET", mine.dataset.url, { source: mine, target: "#my-proposals", swap: "outerHTML" })
        .finally(function () { delete mine.dataset.fetching; });
    }
  }

  // The console is redrawn whole: what the facilitator was typing ([data-keep], by name) stays.
  var keptInputs = {};
  var keptFocus = null;
  function kept(name) { return document.querySelector("[data-keep][name='" + name + "']"); }
  function keepInputs() {
    keptInputs = {};
    document.querySelectorAll("[data-keep][name]").forEach(function (el) {
      keptInputs[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    var active = document.activeElement;
    keptFocus = active && active.name && active.hasAttribute("data-keep") ? active.name : null;
  }
  function restoreInputs() {
    Object.keys(keptInputs).forEach(function (name) {
      var el = kept(name);
      if (!el) return;
      if (el.type === "checkbox") el.checked = keptInputs[name]; else el.value = keptInputs[name];
    });
    var focused = keptFocus && kept(keptFocus);
    if (focused && document.activeElement !== focused) focused.focus();
  }

  document.addEventListener("htmx:wsBeforeMessage", function () { rememberTallies(); keepInputs(); });
  document.addEventListener("htmx:wsAfterMessage", function () { markReveal(); restoreInputs(); syncMine(); tickTimers(); turnPages(); });
  document.addEventListener("htmx:wsOpen", measureClock);
  document.addEventListener("htmx:beforeSwap", keepInputs);
  document.addEventListener("htmx:afterSwap", function () { restoreInputs(); tickTimers(); });
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "tab-mine") syncMine();
  });
  document.addEventListener("DOMContentLoaded", function () { fitScreen(); tickTimers(); turnPages(); measureClock(); });
})();

// --- The phone's long titles, title counters, the confirmation after sending, the + at the cap,
// the per-participant order and the "at least one strategy" warning (issue 12). ---
(function () {
  "use strict";

  // What the server counts against a title's limit (app/text.py clean_title): NFC, no control
  // characters, runs of spaces as one, each line trimmed, no empty lines; then code points.
  var CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\ufeff\ufff9-\ufffb]/g;
  function titleLength(value) {
    var text = value.replace(/\r\n?/g, "\n");
    if (text.normalize) text = text.normalize("NFC");
    text = text.replace(CONTROLS, "");
    var lines = text.split("\n").map(function (line) { return line.replace(/[ \t\u00a0\u3000]+/g, " ").trim(); })
      .filter(function (line) { return line !== ""; });
    return Array.from(lines.join("\n")).length;
  }
  // Grown through its rows, not an inline style (the pages' CSP forbids style attributes, and
  // htmx copies attributes when it swaps).
  function grow(box) {
    if (!box.offsetParent) return;  // not shown (another tab): grown when it is
    box.rows = 2;
    while (box.scrollHeight > box.clientHeight + 1 && box.rows < 40) box.rows += 1;
  }
  function updateCounter(box) {
    var counter = document.querySelector("[data-counter-for='" + box.id + "']");
    if (!counter) return;
    var limit = Number(box.dataset.limit);
    var n = titleLength(box.value);
    var count = counter.querySelector("[data-count]");
    if (count) count.textContent = String(n);
    var over = counter.querySelector(".over");
    var isOver = n > limit;
    counter.classList.toggle("is-over", isOver);
    if (isOver || box.hasAttribute("data-server-invalid")) box.setAttribute("aria-invalid", "true");
    else box.removeAttribute("aria-invalid");
    if (over) over.textContent = isOver ? over.dataset.over.replace("{n}", String(n - limit)) : "";
  }
  function setUpTitles() {
    document.querySelectorAll("textarea.title-input").forEach(function (box) {
      if (!box.dataset.ready) {
        box.dataset.ready = "1";
        if (box.getAttribute("aria-invalid") === "true") box.setAttribute("data-server-invalid", "");
      }
      updateCounter(box);
      grow(box);
    });
  }
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (box.matches && box.matches("textarea.title-input")) {
      box.removeAttribute("data-server-invalid");
      updateCounter(box);
      grow(box);
    }
  });

  // Clamped titles: the "show the whole title" button appears only when lines are hidden; what
  // a person opened stays open across redraws.
  var expanded = {};
  function refreshClamps() {
    // Every change first, then every measure, then the buttons: a measure after each title's
    // change made the browser lay the whole page out again for each title, about a second of a
    // phone's main thread per live message with 20 long titles (Chromium at 360 px).
    var rows = [];
    document.querySelectorAll("[data-clamp][id]").forEach(function (title) {
      var button = title.nextElementSibling;
      if (!button || !button.classList.contains("more-toggle")) return;
      var open = !!expanded[title.id];
      if (title.classList.contains("expanded") !== open) title.classList.toggle("expanded", open);
      var state = open ? "true" : "false";
      if (button.getAttribute("aria-expanded") !== state) button.setAttribute("aria-expanded", state);
      var label = open ? button.dataset.less : button.dataset.more;
      if (button.textContent !== label) button.textContent = label;
      rows.push({ title: title, button: button, open: open });
    });
    rows.forEach(function (row) { row.hide = !row.open && row.title.scrollHeight <= row.title.clientHeight + 1; });
    rows.forEach(function (row) { if (row.button.hidden !== row.hide) row.button.hidden = row.hide; });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.more-toggle");
    if (!button) return;
    var id = button.getAttribute("aria-controls");
    if (expanded[id]) delete expanded[id]; else expanded[id] = true;
    refreshClamps();
  });

  // Each phone's own order (data-shuffle-seed): the same hash as app/services/shuffle.py, applied
  // to the lists every phone receives alike.
  function fnv1a(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    return (h ^ (h >>> 16)) >>> 0;
  }
  function applyOrder() {
    var main = document.getElementById("phone-main");
    var seed = main && main.dataset.shuffleSeed;
    if (!seed) return;
    ["proposal-list", "ballot"].forEach(function (id) {
      var list = document.getElementById(id);
      if (!list) return;
      var items = Array.prototype.slice.call(list.querySelectorAll(":scope > li[data-project-id]"));
      if (items.length < 2) return;
      var key = function (li) {
        return [li.hasAttribute("data-pinned") ? 0 : 1, fnv1a(seed + ":" + li.dataset.projectId), Number(li.dataset.projectId)];
      };
      var sorted = items.slice().sort(function (a, b) {
        var ka = key(a), kb = key(b);
        for (var i = 0; i < 3; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
        return 0;
      });
      if (sorted.some(function (li, i) { return li !== items[i]; })) {
        sorted.forEach(function (li) { list.appendChild(li); });
      }
    });
  }

  // + after a tap: the answer redraws that project's control and #budget; the other +s follow the
  // budget here (disabled, with the reason, once every dot is used).
  var lastPlus = null;
  function syncPluses() {
    var budget = document.getElementById("budget");
    if (!budget || budget.dataset.remaining === undefined) return;
    var spent = Number(budget.dataset.remaining) <= 0;
    document.querySelectorAll("#ballot .vote[data-at-cap]").forEach(function (control) {
      if (control.dataset.atCap === "1") return;
      var plus = control.querySelector("button.plus");
      var why = control.querySelector(".cap-reason");
      if (!plus) return;
      plus.disabled = spent;
      plus.classList.toggle("spent", spent);
      if (why) why.textContent = spent ? budget.dataset.spentReason : "";
    });
    // A + that just became disabled cannot keep the focus: give it to its −.
    if (lastPlus) {
      var plus = document.getElementById(lastPlus);
      if (plus && plus.disabled && (document.activeElement === document.body || document.activeElement === plus)) {
        var minus = document.getElementById(lastPlus.replace("plus-", "minus-"));
        if (minus) minus.focus();
      }
      lastPlus = null;
    }
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail && event.detail.elt;
    if (el && el.classList && el.classList.contains("plus")) lastPlus = el.id;
  });

  // After sending a proposal the note replaces the form's top: bring it into view and focus it.
  function showSentNote() {
    var note = document.querySelector(".sent-note:not([data-shown])");
    if (!note) return;
    note.dataset.shown = "1";
    note.scrollIntoView({ block: "start" });
    note.focus({ preventScroll: true });
  }

  // "At least one strategy": the first send without one is held and the warning shown.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-require-strategy")) return;
    var warning = form.querySelector("[data-strategy-warning]");
    if (!warning || form.querySelector("input[name=strategy_ids]:checked") || form.dataset.warned === "1") return;
    event.preventDefault();
    event.stopImmediatePropagation();
    form.dataset.warned = "1";
    warning.hidden = false;
    warning.focus();
  }, true);
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[name=strategy_ids]") || !box.checked) return;
    var warning = box.form && box.form.querySelector("[data-strategy-warning]");
    if (warning) warning.hidden = true;
  });

  function refresh() {
    setUpTitles();
    applyOrder();
    refreshClamps();
    syncPluses();
  }
  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSettle", function (event) {
    refresh();
    showSentNote();
  });
  document.addEventListener("htmx:oobAfterSwap", function () { syncPluses(); refreshClamps(); });
  document.addEventListener("htmx:wsAfterMessage", refresh);
  document.addEventListener("change", function (event) {
    if (event.target && event.target.classList && event.target.classList.contains("tab-radio")) {
      refreshClamps();
      document.querySelectorAll("textarea.title-input").forEach(grow);
    }
  });
  window.addEventListener("resize", refreshClamps);
})();
