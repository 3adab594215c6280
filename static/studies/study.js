// Every participant page: the one beacon helper, focus-loss beacons, client reaction times,
// minimum time on a page.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("study-config").textContent);
  var form = document.getElementById("step-form");
  var shownAt = performance.now();
  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }
  // Reports go to the study's one beacon endpoint (config.beacon), stamped with the browser's
  // clock and naming the page (step, nonce). Focus reports go by navigator.sendBeacon (it
  // survives the page unloading); studyBeacon(kind, fields) is for a step's own events (the
  // kinds its step type declares in StepType.events, with numeric fields) and answers with the
  // server's reply.
  // Sent urlencoded (URLSearchParams), not as multipart FormData: the server reads every
  // report's fields for its CSRF check, and Django's multipart parser costs ten times as much.
  function send(kind, fields, answered) {
    var data = new URLSearchParams();
    data.append("csrfmiddlewaretoken", csrf());
    data.append("kind", kind);
    data.append("step", config.step);
    data.append("nonce", config.nonce || "");
    data.append("t", String(Date.now()));
    Object.keys(fields || {}).forEach(function (k) { data.append(k, String(fields[k])); });
    if (!answered && navigator.sendBeacon) {
      navigator.sendBeacon(config.beacon, data);
      return Promise.resolve(null);
    }
    // The server's answer; {stale: true} for a page already left or reloaded (204); null when
    // the report did not arrive (no connection, a server error): the caller may try again.
    return fetch(config.beacon, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 204) return { stale: true };
        return r.ok ? r.json() : null;
      }).catch(function () { return null; });
  }
  window.studyBeacon = function (kind, fields) { return send(kind, fields, true); };
  // Focus loss. A page that is being left (Continue, a link, a reload) is hidden while it
  // unloads: that is not a loss of attention, so no report once leaving has begun.
  var leaving = false;
  function leave() { leaving = true; }
  if (form) form.addEventListener("submit", leave);
  window.addEventListener("beforeunload", leave);
  window.addEventListener("pagehide", leave);
  window.addEventListener("pageshow", function (event) { if (event.persisted) leaving = false; });
  function focusReport(kind, fields) {
    if (!leaving) send(kind, fields, false);
  }
  document.addEventListener("visibilitychange", function () {
    focusReport(document.hidden ? "focus_lost" : "focus_back");
  });
  window.addEventListener("blur", function () { focusReport("focus_lost", { via: "blur" }); });
  window.addEventListener("focus", function () { focusReport("focus_back", { via: "focus" }); });
  // Reaction times: an input with data-rt="X" writes ms since display into the hidden field X.
  document.querySelectorAll("[data-rt]").forEach(function (el) {
    el.addEventListener("input", function () {
      var target = document.getElementById(el.getAttribute("data-rt"));
      if (target) target.value = String(Math.round(performance.now() - shownAt));
    });
  });
  document.querySelectorAll("button.pick").forEach(function (button) {
    button.addEventListener("click", function () {
      var rt = document.getElementById("rt_ms");
      if (rt) rt.value = String(Math.round(performance.now() - shownAt));
    });
  });
  // Minimum time on a page (the server enforces it too).
  if (form) {
    var wait = parseFloat(form.getAttribute("data-wait-s") || "0");
    var button = document.getElementById("continue");
    if (wait > 0 && button) {
      var note = document.getElementById("wait-note");
      var secs = document.getElementById("wait-seconds");
      var until = performance.now() + wait * 1000;
      button.disabled = true;
      if (note) note.hidden = false;
      var timer = setInterval(function () {
        var left = Math.ceil((until - performance.now()) / 1000);
        if (secs) secs.textContent = String(Math.max(left, 0));
        if (left <= 0) {
          clearInterval(timer);
          button.disabled = false;
          if (note) note.hidden = true;
        }
      }, 250);
    }
  }
})();
