// Tutorial video: no seeking ahead, progress reported to the server, Continue after the end.
(function () {
  "use strict";
  var video = document.getElementById("tutorial-video");
  var button = document.getElementById("continue");
  var status = document.getElementById("video-status");
  var free = video.getAttribute("data-watched-before") === "1";
  var maxSeen = parseFloat(video.getAttribute("data-resume") || "0") || 0;
  var lastSent = -1;
  if (maxSeen > 0 && !free) {
    // A cached video may have loaded its metadata before this script ran: seek at once then.
    var resume = function () { video.currentTime = maxSeen; };
    if (video.readyState >= 1) resume();
    else video.addEventListener("loadedmetadata", resume, { once: true });
  }
  function report(final) {
    var position = video.currentTime;
    if (!final && Math.abs(position - lastSent) < 1) return;
    lastSent = position;
    window.studyBeacon("video", { position: position.toFixed(2) }).then(function (answer) {
      if (answer && answer.complete) {
        button.disabled = false;
        status.textContent = "Thank you for watching. You can continue now.";
      } else if (final && answer) {
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
  setInterval(function () { if (!video.paused) report(false); }, 2000);
  video.addEventListener("pause", function () { report(false); });
  video.addEventListener("ended", function () { report(true); });
})();
