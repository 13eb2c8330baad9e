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
  function syncPhone() {
    var sync = document.getElementById("phone-sync");
    var main = document.getElementById("phone-main");
    var shell = document.getElementById("phone-shell");
    if (!sync || !main || !shell) return;
    if (sync.dataset.version !== main.dataset.version && !shell.dataset.fetching) {
      shell.dataset.fetching = "1";
      htmx.ajax("GET", shell.dataset.mainUrl, { target: "#phone-main", swap: "outerHTML" })
        .finally(function () { delete shell.dataset.fetching; syncPhone(); });
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

  // A live message carries every part of its view; a page takes the parts it shows (by id).
  // A phone still drawing the previous phase gets the next phase's parts for a moment before
  // it redraws: dropping them there avoids htmx's "no target" errors.
  htmx.defineExtension("live-parts", {
    transformResponse: function (text, xhr) {
      if (xhr) return text;  // only websocket messages: normal answers are left alone
      var template = document.createElement("template");
      template.innerHTML = text;
      Array.prototype.slice.call(template.content.children).forEach(function (part) {
        if (!part.id || !document.getElementById(part.id)) part.remove();
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

  document.addEventListener("htmx:wsOpen", function () { setConnection("open"); });
  document.addEventListener("htmx:wsClose", function () { setConnection("closed"); });
  document.addEventListener("htmx:wsError", function () { setConnection("closed"); });
  document.addEventListener("htmx:wsBeforeMessage", rememberState);
  document.addEventListener("htmx:wsAfterMessage", function () {
    syncPhone();
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
  document.addEventListener("click", function (event) {
    var input = event.target.closest && event.target.closest("input.secret-link");
    if (input) input.select();
  });
  document.addEventListener("DOMContentLoaded", function () {
    var label = document.getElementById("connection");
    if (label) {
      label.dataset.connecting = label.textContent;
    }
    applyFilters();
  });
})();
