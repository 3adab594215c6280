// Dashboard: refresh the counts every 5 seconds from the JSON endpoint.
(function () {
  "use strict";
  var table = document.getElementById("counts");
  function refresh() {
    fetch(table.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        data.conditions.forEach(function (c) {
          var row = table.querySelector('tr[data-condition="' + c.name + '"]');
          if (!row) return;
          row.querySelector('[data-field="held"]').textContent = c.held;
          row.querySelector('[data-field="done"]').textContent = c.done;
          Object.keys(c.by_status).forEach(function (s) {
            var cell = row.querySelector('[data-status="' + s + '"]');
            if (cell) cell.textContent = c.by_status[s];
          });
          var r = data.render[c.name];
          row.querySelector('[data-field="render"]').textContent = r ? r.published + " / " + r.expected : "–";
        });
        document.getElementById("render-error").textContent = data.render_error || "";
        document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
      }).catch(function () {});
  }
  refresh();
  setInterval(refresh, 5000);
})();
