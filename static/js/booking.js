// Appointment pages. Everything works without this script; it only saves a reload:
// - on the manage page of a video appointment it asks the API every 20 s whether the meeting
//   is open and then shows the join button (in a polite live region);
// - after a failed booking it moves the focus to the error summary.
(function () {
  "use strict";
  var problem = document.getElementById("problem");
  if (problem) { problem.focus(); }

  var area = document.getElementById("join-area");
  var url = area && area.getAttribute("data-poll-url");
  if (!url) { return; }
  var timer = null;
  function check() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.join_url) {
          var wait = document.getElementById("join-wait");
          var ready = document.getElementById("join-ready");
          if (wait) { wait.hidden = true; }
          if (ready) { ready.hidden = false; }
          window.clearInterval(timer);
        }
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  timer = window.setInterval(check, 20000);
})();
