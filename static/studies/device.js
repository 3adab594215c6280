// Device check: report the viewport size and submit.
(function () {
  "use strict";
  var w = Math.round(window.innerWidth || document.documentElement.clientWidth);
  var h = Math.round(window.innerHeight || document.documentElement.clientHeight);
  document.getElementById("viewport_width").value = String(w);
  document.getElementById("viewport_height").value = String(h);
  var status = document.getElementById("device-status");
  status.textContent = "Your browser window is " + w + " × " + h + " pixels.";
  setTimeout(function () { document.getElementById("step-form").submit(); }, 600);
})();
