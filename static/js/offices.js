// Live office status: refreshes the status badges in place every 15 s. Without JavaScript
// the server-rendered status and the "refresh" button still work.
// The badge texts come translated from the page: the script tag carries them as
// data-text-open / data-text-busy / data-text-closed (rendered with {% translate %}).
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-text-closed]");
  var data = (script && script.dataset) || {};
  var text = { open: data.textOpen, busy: data.textBusy, closed: data.textClosed };
  function refresh() {
    fetch("/api/offices/", { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (offices) {
        if (!offices) { return; }
        offices.forEach(function (o) {
          document.querySelectorAll('[data-office="' + o.slug + '"]').forEach(function (el) {
            var badge = el.querySelector(".status");
            if (badge && badge.dataset.status !== o.status) {
              badge.dataset.status = o.status;
              badge.className = "status status-" + o.status;
              if (text[o.status]) { badge.textContent = text[o.status]; }
            }
          });
        });
      })
      .catch(function () { /* offline for a moment: keep what is shown */ });
  }
  setInterval(refresh, 15000);
})();
