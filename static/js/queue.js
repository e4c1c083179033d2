// The citizen's waiting-room page: polls GET /api/queue/<token>/ every 2 s with
// If-None-Match (an unchanged answer is a bodyless 304), updates the position in place (a
// polite live region), and announces the call: an alert region, the join button, the page
// title and - unless switched off - a chime made with the Web Audio API (no audio file).
// Without JavaScript the server-rendered page and its "refresh" link do the same, slower.
// A ticket forwarded to another office (new number, new office - possibly between two polls,
// right after a call) reloads the page, which then says so.
(function () {
  "use strict";
  var root = document.getElementById("queue");
  if (!root || !window.fetch) { return; }
  var api = root.dataset.api;
  var status = root.dataset.status;
  var etag = null;
  var POLL_MS = 2000;
  var FINAL = { done: 1, left: 1, expired: 1, no_show: 1 };
  var CHIME_KEY = "vbb-queue-chime";

  var note = document.getElementById("live-note");
  if (note) { note.hidden = false; }

  // --- forwarded to another office ----------------------------------------------------------
  var MOVED_KEY = "vbb-queue-moved:" + api;
  function rememberMove() {
    try { window.sessionStorage.setItem(MOVED_KEY, root.dataset.number); } catch (e) { /* private mode */ }
  }
  (function showMove() {
    var old = null;
    try {
      old = window.sessionStorage.getItem(MOVED_KEY);
      window.sessionStorage.removeItem(MOVED_KEY);
    } catch (e) { return; }
    var moved = document.getElementById("moved-note");
    if (!old || !moved || old === root.dataset.number) { return; }
    moved.textContent = moved.dataset.text
      .replace("{office}", moved.dataset.office)
      .replace("{number}", root.dataset.number)
      .replace("{old}", old);
    moved.hidden = false;
  })();

  // --- chime -------------------------------------------------------------------------------
  var controls = document.getElementById("chime-controls");
  var toggle = document.getElementById("chime-toggle");
  var audio = null;
  function chimeWanted() { return !toggle || toggle.checked; }
  function audioContext() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return null; }
    if (!audio) { audio = new Ctx(); }
    if (audio.state === "suspended") { audio.resume(); }
    return audio;
  }
  function chime() {
    var ctx = audioContext();
    if (!ctx) { return; }
    // Two soft bell-like tones, a fifth apart, each fading out.
    [[659.25, 0], [987.77, 0.28]].forEach(function (tone) {
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      var start = ctx.currentTime + tone[1];
      osc.type = "sine";
      osc.frequency.setValueAtTime(tone[0], start);
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.3, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.9);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 1);
    });
  }
  if (controls && toggle) {
    controls.hidden = false;
    try { toggle.checked = window.localStorage.getItem(CHIME_KEY) !== "off"; } catch (e) { /* private mode */ }
    toggle.addEventListener("change", function () {
      try { window.localStorage.setItem(CHIME_KEY, toggle.checked ? "on" : "off"); } catch (e) { /* ignore */ }
      if (toggle.checked) { audioContext(); }
    });
    var test = document.getElementById("chime-test");
    if (test) { test.addEventListener("click", chime); }
  }
  // Browsers only let a page make sound after the user interacted with it: unlock the audio
  // context on the first click or key press.
  function unlock() {
    if (chimeWanted()) { audioContext(); }
    document.removeEventListener("click", unlock);
    document.removeEventListener("keydown", unlock);
  }
  document.addEventListener("click", unlock);
  document.addEventListener("keydown", unlock);

  // --- rendering -----------------------------------------------------------------------------
  function setField(name, value) {
    var el = root.querySelector('[data-field="' + name + '"]');
    if (el && el.textContent !== value) { el.textContent = value; }
  }
  function estimateText(minutes) {
    if (minutes === null || minutes === undefined) { return root.dataset.textWaitUnknown; }
    if (minutes === 0) { return root.dataset.textWaitNow; }
    return root.dataset.textWaitMinutes.replace("{n}", String(minutes));
  }
  function announceCall(data) {
    var alertBox = document.getElementById("call-alert");
    var waiting = document.getElementById("when-waiting");
    var called = document.getElementById("when-called");
    if (waiting) { waiting.hidden = true; }
    if (called) { called.hidden = false; }
    if (alertBox) {
      var p = document.createElement("p");
      p.className = "call-text";
      p.textContent = root.dataset.textCalled;
      alertBox.textContent = "";
      alertBox.appendChild(p);
    }
    var join = document.getElementById("join-button");
    if (join && data.join_url) { join.href = data.join_url; }
    root.className = root.className.replace(/queue-\w+/, "queue-called");
    document.title = root.dataset.textCalledTitle + " " + document.title;
    if (chimeWanted()) { chime(); }
  }
  function render(data) {
    if (data.number !== root.dataset.number || data.office !== root.dataset.office) {
      // Forwarded: new number, new office, maybe no longer called. The server renders it all.
      rememberMove();
      window.location.reload();
      return false;
    }
    if (data.status === "waiting") {
      setField("position", data.position === null ? "–" : String(data.position));
      setField("people_ahead", data.people_ahead === null ? "–" : String(data.people_ahead));
      setField("estimate", estimateText(data.estimated_wait_minutes));
    }
    if (data.status !== status) {
      var previous = status;
      status = data.status;
      root.dataset.status = status;
      if (status === "called" && previous === "waiting") {
        announceCall(data);
      } else {
        // Any other change (in session, done, expired, ...): the server renders the words.
        window.location.reload();
        return false;
      }
    }
    return !FINAL[status];
  }

  // --- polling -------------------------------------------------------------------------------
  function poll() {
    var headers = { Accept: "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(api, { headers: headers, cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (response.status === 304) { return { again: true, delay: POLL_MS }; }
        if (response.status === 404) { return { again: false }; }
        if (!response.ok) { return { again: true, delay: POLL_MS * 3 }; }
        etag = response.headers.get("ETag");
        return response.json().then(function (data) {
          return { again: render(data), delay: POLL_MS };
        });
      })
      .catch(function () { return { again: true, delay: POLL_MS * 3 }; })  // offline a moment
      .then(function (next) {
        if (next && next.again) { window.setTimeout(poll, next.delay); }
      });
  }
  if (!FINAL[status]) { window.setTimeout(poll, POLL_MS); }
})();
