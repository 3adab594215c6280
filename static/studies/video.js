// Tutorial video: no seeking ahead, progress reported to the server, Continue after the end.
(function () {
  "use strict";
  var video = document.getElementById("tutorial-video");
  var button = document.getElementById("continue");
  var status = document.getElementById("video-status");
  var free = video.getAttribute("data-watched-before") === "1";
  var maxSeen = parseFloat(video.getAttribute("data-resume") || "0") || 0;
  var lastSent = -1;
  var problem = document.getElementById("video-problem");
  var failures = 0;
  var retry = null;
  var SHOW_AFTER = 3;  // failed reports in a row before the page says what to do
  if (maxSeen > 0 && !free) {
    // A cached video may have loaded its metadata before this script ran: seek at once then.
    var resume = function () { video.currentTime = maxSeen; };
    if (video.readyState >= 1) resume();
    else video.addEventListener("loadedmetadata", resume, { once: true });
  }
  // A report that does not arrive is sent again (after 1, 2, 4, then every 8 s; the one sent
  // at the end of the video too), and after three failures in a row the page says what to do.
  function failed() {
    failures += 1;
    lastSent = -1;
    if (failures >= SHOW_AFTER && problem) {
      problem.hidden = false;
      problem.textContent = "Your progress could not be saved: the study server did not " +
        "answer. Please check your internet connection; this page keeps trying. If Continue " +
        "stays disabled, reload the page: the video resumes where the server last saw it.";
    }
    clearTimeout(retry);
    retry = setTimeout(function () { report(video.ended); },
                       1000 * Math.min(8, Math.pow(2, failures - 1)));
  }
  function report(final) {
    var position = video.currentTime;
    if (!final && Math.abs(position - lastSent) < 1) return;
    lastSent = position;
    window.studyBeacon("video", { position: position.toFixed(2) }).then(function (answer) {
      if (!answer) return failed();
      failures = 0;
      clearTimeout(retry);
      if (problem) problem.hidden = true;
      if (answer.stale) {
        status.textContent = "This page is out of date. Please reload it to continue.";
      } else if (answer.complete) {
        button.disabled = false;
        status.textContent = "Thank you for watching. You can continue now.";
      } else if (final) {
        status.textContent = "Please watch the whole video (the server saw " +
          Math.round(answer.accepted) + " s).";
      }
    });
  }
  video.addEventListener("timeupdate", function () {
    if (!video.seeking && video.currentTime > maxSeen && video.currentTime - maxSeen < 2) {
      maxSeen = video.currentTime;
    }
  });
  video.addEventListener("seeking", function () {
    if (!free && video.currentTime > maxSeen + 0.5) {
      video.currentTime = maxSeen;
      status.textContent = "Skipping ahead is disabled; please watch the whole video.";
    }
  });
  video.addEventListener("ratechange", function () {
    if (!free && video.playbackRate > 1) video.playbackRate = 1;
  });
  // While it plays, the position goes to the server every data-report-every-s seconds (the
  // server's setting, studies/steps/video.py), and at once when the player pauses or the page is
  // hidden, so that a reload resumes close to where the participant was (a seek needs none: the
  // server never credits a position behind the one it accepted, and seeking ahead is undone);
  // the end is reported by "ended" (the report that opens Continue), not by the "pause" the
  // player fires just before it.
  // (10 s for a page rendered before it carried the attribute)
  var every = parseFloat(video.getAttribute("data-report-every-s") || "0") || 10;
  setInterval(function () { if (!video.paused) report(false); }, 1000 * every);
  video.addEventListener("pause", function () { if (!video.ended) report(false); });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && !video.ended) report(false);
  });
  video.addEventListener("ended", function () { report(true); });
})();
