// The built-in 1:1 video room: WebRTC between the citizen ("guest") and the official ("host"),
// signalling through our own server (/video/<key>/signal/, polled about once a second).
// No third-party code; works on localhost without STUN/TURN (host candidates only).
//
// Protocol (messages are stored by the server until the session ends):
//   hello     sent on every page load; the server drops the sender's older messages.
//   offer     the guest always makes the offer; {gen, sdp}. `gen` names one peer connection,
//             so answers and candidates of an earlier attempt are recognised and dropped.
//   answer    the host's answer to the offer of generation `gen`; {gen, sdp}.
//   candidate ICE candidate of generation `gen`; {gen, candidate}.
//   bye       the sender hung up.
// A guest that is already connected (it has an answer) and sees a host "hello" — the host
// reloaded — starts over with a new generation; a host that sees an offer of a new generation
// drops its old connection and answers. Either side may thus reload at any time.
(function () {
  "use strict";

  var root = document.getElementById("videoroom");
  if (!root) { return; }

  var role = root.getAttribute("data-role");
  var signalUrl = root.getAttribute("data-signal-url");
  var iceServers = readJson("ice-servers", []);
  var T = readJson("room-texts", {});
  var csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var csrf = csrfInput ? csrfInput.value : "";

  var statusEl = document.getElementById("room-status");
  var errorEl = document.getElementById("room-error");
  var localVideo = document.getElementById("local-video");
  var remoteVideo = document.getElementById("remote-video");
  var btnMic = document.getElementById("btn-mic");
  var btnCam = document.getElementById("btn-cam");
  var btnHangup = document.getElementById("btn-hangup");
  var btnRejoin = document.getElementById("btn-rejoin");

  var isGuest = role === "guest";
  var localStream = null;
  var pc = null;
  var gen = null;
  var lastId = 0;
  var finished = false;
  var pollTimer = null;
  var sendChain = Promise.resolve();   // POSTs go out strictly in order
  var workChain = Promise.resolve();   // received messages are handled strictly in order
  var pendingCandidates = [];

  function readJson(id, fallback) {
    var el = document.getElementById(id);
    if (!el) { return fallback; }
    try { return JSON.parse(el.textContent); } catch (e) { return fallback; }
  }

  function say(text) { if (text) { statusEl.textContent = text; } }

  function showError(text) {
    errorEl.textContent = text;
    errorEl.hidden = false;
  }

  function send(type, payload) {
    sendChain = sendChain.then(function () {
      return fetch(signalUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRFToken": csrf },
        body: JSON.stringify({ type: type, payload: payload || {} })
      }).then(function (response) {
        if (response.status === 410 || response.status === 404) { endedByServer(); }
      });
    }).catch(function () { /* offline for a moment: the next poll tells us more */ });
    return sendChain;
  }

  function newGeneration() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  function closePeer() {
    pendingCandidates = [];
    if (pc) {
      pc.onicecandidate = null;
      pc.ontrack = null;
      pc.oniceconnectionstatechange = null;
      pc.close();
      pc = null;
    }
    remoteVideo.srcObject = null;
  }

  function makePeer(generation) {
    closePeer();
    gen = generation;
    var peer = new RTCPeerConnection({ iceServers: iceServers });
    localStream.getTracks().forEach(function (track) { peer.addTrack(track, localStream); });
    peer.onicecandidate = function (event) {
      if (event.candidate) {
        send("candidate", { gen: generation, candidate: event.candidate.toJSON() });
      }
    };
    peer.ontrack = function (event) {
      if (event.streams && event.streams[0] && remoteVideo.srcObject !== event.streams[0]) {
        remoteVideo.srcObject = event.streams[0];
      }
    };
    peer.oniceconnectionstatechange = function () {
      if (pc !== peer) { return; }
      var state = peer.iceConnectionState;
      if (state === "connected" || state === "completed") { say(T.connected); }
      else if (state === "disconnected") { say(T.reconnecting); }
      else if (state === "failed") {
        // The guest makes the offers, so the guest retries; the host waits for that offer.
        if (isGuest) { say(T.failed); startOffer(); } else { say(T.waiting_guest); }
      }
    };
    pc = peer;
    return peer;
  }

  function startOffer() {
    var generation = newGeneration();
    var peer = makePeer(generation);
    return peer.createOffer()
      .then(function (offer) { return peer.setLocalDescription(offer); })
      .then(function () { send("offer", { gen: generation, sdp: peer.localDescription.sdp }); });
  }

  function flushCandidates() {
    var queued = pendingCandidates;
    pendingCandidates = [];
    return Promise.all(queued.map(function (c) {
      return pc.addIceCandidate(c).catch(function () {});
    }));
  }

  function onOffer(payload) {
    // Host: a (new) offer from the citizen.
    var peer = makePeer(payload.gen);
    say(T.connecting);
    return peer.setRemoteDescription({ type: "offer", sdp: payload.sdp })
      .then(flushCandidates)
      .then(function () { return peer.createAnswer(); })
      .then(function (answer) { return peer.setLocalDescription(answer); })
      .then(function () { send("answer", { gen: payload.gen, sdp: peer.localDescription.sdp }); });
  }

  function onAnswer(payload) {
    // Guest: only the answer to the current offer counts.
    if (!pc || payload.gen !== gen || pc.signalingState !== "have-local-offer") {
      return Promise.resolve();
    }
    say(T.connecting);
    return pc.setRemoteDescription({ type: "answer", sdp: payload.sdp }).then(flushCandidates);
  }

  function onCandidate(payload) {
    if (!pc || payload.gen !== gen || !payload.candidate) { return Promise.resolve(); }
    if (!pc.remoteDescription) {
      pendingCandidates.push(payload.candidate);
      return Promise.resolve();
    }
    return pc.addIceCandidate(payload.candidate).catch(function () {});
  }

  function onHello() {
    if (isGuest) {
      // The official (re)entered. If we were already answered, that was another page of
      // theirs: start over. Otherwise our pending offer will be answered.
      if (!pc || pc.remoteDescription) {
        say(T.peer_back);
        return startOffer();
      }
      return Promise.resolve();
    }
    // The citizen (re)loaded the page: a new offer follows.
    closePeer();
    say(T.connecting);
    return Promise.resolve();
  }

  function onBye() {
    closePeer();
    say(T.peer_left);
    return Promise.resolve();
  }

  function handle(message) {
    var payload = message.payload || {};
    switch (message.type) {
      case "hello": return onHello();
      case "offer": return isGuest ? Promise.resolve() : onOffer(payload);
      case "answer": return isGuest ? onAnswer(payload) : Promise.resolve();
      case "candidate": return onCandidate(payload);
      case "bye": return onBye();
      default: return Promise.resolve();
    }
  }

  function poll() {
    if (finished) { return; }
    var full = false;
    fetch(signalUrl + "?since=" + lastId, {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 410 || response.status === 404) { endedByServer(); return null; }
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data || !data.messages) { return; }
      full = data.messages.length >= 100;
      data.messages.forEach(function (message) {
        lastId = Math.max(lastId, message.id);
        workChain = workChain.then(function () { return handle(message); })
          .catch(function () { /* a broken message must not stop the room */ });
      });
    }).catch(function () { /* network hiccup: try again */ })
      .then(function () {
        if (!finished) { pollTimer = window.setTimeout(poll, full ? 0 : 1000); }
      });
  }

  function stopMedia() {
    if (localStream) { localStream.getTracks().forEach(function (t) { t.stop(); }); }
  }

  function finish(text) {
    finished = true;
    window.clearTimeout(pollTimer);
    closePeer();
    stopMedia();
    [btnMic, btnCam, btnHangup].forEach(function (b) { b.disabled = true; });
    say(text);
  }

  function endedByServer() {
    if (finished) { return; }
    finish(T.ended);
  }

  function toggle(button, kind, offText, onText) {
    var pressed = button.getAttribute("aria-pressed") !== "true";
    var tracks = kind === "audio" ? localStream.getAudioTracks() : localStream.getVideoTracks();
    tracks.forEach(function (track) { track.enabled = !pressed; });
    button.setAttribute("aria-pressed", pressed ? "true" : "false");
    say(pressed ? offText : onText);
  }

  btnMic.addEventListener("click", function () { toggle(btnMic, "audio", T.mic_off, T.mic_on); });
  btnCam.addEventListener("click", function () { toggle(btnCam, "video", T.cam_off, T.cam_on); });
  btnHangup.addEventListener("click", function () {
    send("bye", {});
    finish(T.you_left);
    btnRejoin.hidden = false;
    btnRejoin.focus();
  });

  // Closing the tab or navigating away: tell the other side right away (keepalive lets the
  // request outlive the page) instead of leaving it to notice a dead connection.
  window.addEventListener("pagehide", function () {
    if (finished || !localStream) { return; }
    try {
      fetch(signalUrl, {
        method: "POST", keepalive: true, credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ type: "bye", payload: { reason: "pagehide" } })
      });
    } catch (e) { /* the page is going away anyway */ }
  });

  function getMedia() {
    return navigator.mediaDevices.getUserMedia({ audio: true, video: true })
      .catch(function (error) {
        var name = error && error.name;
        if (name === "NotFoundError" || name === "OverconstrainedError" ||
            name === "NotReadableError") {
          // No (usable) camera: take part with sound only.
          return navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
            say(T.audio_only);
            btnCam.hidden = true;
            return stream;
          });
        }
        throw error;
      });
  }

  function start() {
    if (!window.RTCPeerConnection || !navigator.mediaDevices ||
        !navigator.mediaDevices.getUserMedia) {
      say("");
      showError(T.unsupported);
      return;
    }
    say(T.preparing);
    getMedia().then(function (stream) {
      localStream = stream;
      localVideo.srcObject = stream;
      [btnMic, btnCam, btnHangup].forEach(function (b) { b.disabled = false; });
      send("hello", {});
      say(isGuest ? T.waiting_host : T.waiting_guest);
      if (isGuest) { startOffer(); }
      poll();
    }).catch(function (error) {
      var name = error && error.name;
      if (name === "NotAllowedError" || name === "SecurityError" ||
          name === "PermissionDeniedError") {
        showError(T.denied);
      } else if (name === "NotFoundError") {
        showError(T.no_devices);
      } else {
        showError(T.media_error);
      }
      statusEl.textContent = "";
      btnRejoin.hidden = false;
    });
  }

  start();
})();
