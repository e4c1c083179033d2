// Live office status: refreshes the status badges (and, on the overview, the waiting line and
// its estimate) in place every 15 s from GET /api/offices/. Without JavaScript the
// server-rendered status and the "refresh" button still work.
// The texts come translated from the page: the script tag carries them as data-text-*
// attributes (templates/offices/_status_texts.html), one per availability - free, all_busy,
// nobody_serving, no_video, closed, and full for a full waiting room - and for the waiting
// line ({n} stands for a number). The same choices as templates/offices/_status.html.
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-text-closed]");
  var text = (script && script.dataset) || {};
  var byKey = {
    free: text.textFree,
    all_busy: text.textAll_busy,
    nobody_serving: text.textNobody_serving,
    no_video: text.textNo_video,
    closed: text.textClosed,
    full: text.textFull
  };
  function badgeKey(o) {
    if (o.status !== "closed" && o.waiting_room_full) { return "full"; }
    return o.availability;
  }
  function waitingText(o) {
    var line = o.waiting_count === 1
      ? text.textWaitingOne
      : (text.textWaitingOther || "").replace("{n}", String(o.waiting_count));
    if (o.waiting_room_full) { return line; }
    var wait;
    if (o.estimated_wait_minutes === null || o.estimated_wait_minutes === undefined) {
      wait = text.textWaitUnknown;
    } else if (o.estimated_wait_minutes === 0) {
      wait = text.textWaitNone;
    } else {
      wait = (text.textWaitMinutes || "").replace("{n}", String(o.estimated_wait_minutes));
    }
    return line + ", " + wait;
  }
  function refresh() {
    fetch("/api/offices/", { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (offices) {
        if (!offices) { return; }
        offices.forEach(function (o) {
          document.querySelectorAll('[data-office="' + o.slug + '"]').forEach(function (el) {
            var badge = el.querySelector(".status");
            var key = badgeKey(o);
            if (badge && (badge.dataset.status !== o.status || badge.dataset.availability !== key)) {
              badge.dataset.status = o.status;
              badge.dataset.availability = key;
              badge.className = "status status-" + o.status;
              if (byKey[key]) { badge.textContent = byKey[key]; }
            }
            var waiting = el.querySelector(".waiting");
            if (waiting) {
              waiting.hidden = o.status === "closed" || !o.video_enabled;
              var line = waitingText(o);
              if (waiting.textContent !== line) { waiting.textContent = line; }
            }
          });
        });
      })
      .catch(function () { /* offline for a moment: keep what is shown */ });
  }
  setInterval(refresh, 15000);
})();
