// Staff console: refreshes the office's waiting list every 5 s from
// GET /api/staff/offices/<slug>/queue/ (which also keeps the official's presence fresh) and
// announces newcomers in a polite live region. Everything else is plain forms that work
// without JavaScript.
(function () {
  "use strict";
  var section = document.getElementById("office-queue");
  if (!section || !window.fetch) { return; }
  var api = section.dataset.api;
  var rows = document.getElementById("queue-rows");
  var count = document.getElementById("waiting-count");
  var live = document.getElementById("queue-live");
  var note = document.getElementById("staff-live-note");
  var POLL_MS = 5000;
  if (note) { note.hidden = false; }
  var known = {};
  Array.prototype.forEach.call(rows.querySelectorAll("tr[data-ticket]"), function (tr) {
    known[tr.dataset.ticket] = true;
  });

  function cell(text) {
    var td = document.createElement("td");
    td.textContent = text;
    return td;
  }
  function since(iso) {
    var minutes = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
    return section.dataset.textMinutes.replace("{n}", String(minutes));
  }
  function clock(iso) {
    var d = new Date(iso);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }
  function render(data) {
    var fresh = [];
    var next = {};
    var body = document.createDocumentFragment();
    data.waiting.forEach(function (t) {
      var tr = document.createElement("tr");
      tr.dataset.ticket = String(t.id);
      tr.appendChild(cell(t.number));
      var td = document.createElement("td");
      var time = document.createElement("time");
      time.dateTime = t.created_at;
      time.textContent = clock(t.created_at);
      td.appendChild(time);
      td.appendChild(document.createTextNode(" (" + since(t.created_at) + ")"));
      tr.appendChild(td);
      tr.appendChild(cell(t.service ? t.service.name : "–"));
      tr.appendChild(cell(t.name || "–"));
      body.appendChild(tr);
      next[t.id] = true;
      if (!known[t.id]) { fresh.push(t.number); }
    });
    if (!data.waiting.length) {
      var empty = document.createElement("tr");
      empty.className = "empty";
      var td0 = cell(section.dataset.textNone);
      td0.colSpan = 4;
      empty.appendChild(td0);
      body.appendChild(empty);
    }
    rows.textContent = "";
    rows.appendChild(body);
    known = next;
    if (count) { count.textContent = String(data.waiting.length); }
    if (fresh.length && live) { live.textContent = section.dataset.textNew + " " + fresh.join(", "); }
    // Show when "my" called citizen has joined the video.
    data.active.forEach(function (t) {
      var item = document.querySelector('.mine [data-ticket="' + t.id + '"] [data-joined]');
      if (item) { item.hidden = !t.joined_at; }
    });
  }
  function poll() {
    fetch(api, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { render(data); } })
      .catch(function () { /* offline for a moment: keep what is shown */ })
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }
  window.setTimeout(poll, POLL_MS);
})();
