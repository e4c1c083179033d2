// Live office status: refreshes the status badges in place every 15 s. Without JavaScript
// the server-rendered status and the "refresh" button still work.
(function () {
  "use strict";
  var labels = {
    de: { open: "Geöffnet – jetzt frei", busy: "Geöffnet – alle im Gespräch", closed: "Geschlossen" },
    en: { open: "Open – someone is free", busy: "Open – everyone is in a call", closed: "Closed" }
  };
  var lang = (document.documentElement.lang || "de").slice(0, 2);
  var text = labels[lang] || labels.de;
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
              badge.textContent = text[o.status];
            }
          });
        });
      })
      .catch(function () { /* offline for a moment: keep what is shown */ });
  }
  setInterval(refresh, 15000);
})();
