// Staff console: refreshes the office's waiting list every 5 s from
// GET /api/staff/offices/<slug>/queue/ (which also keeps the official's presence fresh) and
// announces newcomers in a polite live region. It keeps the buttons of "my calls" in step with
// each call's phase (called / joined / in session: the forms say in data-phases when they
// apply) and offers "call next" only while the official has no call. A call that ended or
// began elsewhere (webhook, another tab) reloads the page. Everything else is plain forms that
// work without JavaScript; the server refuses what does not fit the phase anyway.
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
    return renderMine(data);
  }
  function renderMine(data) {
    if (!data.mine) { return true; }
    var list = document.querySelector(".mine");
    var shown = list ? list.querySelectorAll("li[data-ticket]") : [];
    var byId = {};
    data.mine.forEach(function (t) { byId[t.id] = t; });
    if (shown.length !== data.mine.length) { window.location.reload(); return false; }
    for (var i = 0; i < shown.length; i++) {
      var li = shown[i];
      var t = byId[li.dataset.ticket];
      if (!t) { window.location.reload(); return false; }
      if (li.dataset.phase === t.phase) { continue; }
      li.dataset.phase = t.phase;
      var label = li.querySelector("[data-phase-label]");
      var text = list.getAttribute("data-text-" + t.phase);
      if (label && text) { label.textContent = text; }
      Array.prototype.forEach.call(li.querySelectorAll("form[data-phases]"), function (form) {
        form.hidden = form.dataset.phases.split(" ").indexOf(t.phase) < 0;
      });
      if (live && text) { live.textContent = t.number + ": " + text; }
    }
    var callNext = document.getElementById("call-next");
    var blocked = document.getElementById("call-next-blocked");
    if (callNext) { callNext.hidden = !!data.call_in_progress; }
    if (blocked) { blocked.hidden = !data.call_in_progress; }
    return true;
  }
  function poll() {
    fetch(api, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { return data ? render(data) : true; })
      .catch(function () { return true; /* offline for a moment: keep what is shown */ })
      .then(function (again) { if (again !== false) { window.setTimeout(poll, POLL_MS); } });
  }
  window.setTimeout(poll, POLL_MS);
})();
