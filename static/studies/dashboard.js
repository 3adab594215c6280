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
        (data.render_blocks || []).forEach(function (b) {
          var span = document.querySelector('[data-block="' + b.step + '"]');
          if (span) span.textContent = b.step + " " + b.published + " / " + b.expected;
        });
        document.getElementById("render-error").textContent = data.render_error || "";
        document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
      }).catch(function () {});
  }
  refresh();
  setInterval(refresh, 5000);
})();

// Live view: funnel, time per step, gates and accuracies (studies), exclusions (analysis).
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) return;
  function fill(id, rows, cells) {
    var table = document.getElementById(id);
    if (!table) return;
    var body = table.tBodies[0];
    body.textContent = "";
    rows.forEach(function (row) {
      var tr = body.insertRow();
      cells(row).forEach(function (value) {
        var td = tr.insertCell();
        td.textContent = value === null || value === undefined ? "–" : value;
      });
    });
  }
  function get(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); });
  }
  function refresh() {
    get(live.getAttribute("data-url")).then(function (data) {
      fill("live-steps", data.steps, function (r) {
        return [r.index, r.step, r.type, r.reached, r.ended_here, r.median_s, r.timed];
      });
      if (data.gates.length) {
        fill("live-gates", data.gates, function (g) { return [g.step, g.attempts, g.failed, g.screened_out]; });
      }
      if (data.accuracy && data.accuracy.length) {
        fill("live-accuracy", data.accuracy, function (a) { return [a.condition, a.n, a.accuracy]; });
      }
    }).catch(function () {});
    get(live.getAttribute("data-exclusions-url")).then(function (data) {
      var summary = document.getElementById("live-exclusions-summary");
      if (data.error) {
        summary.textContent = data.error;
        fill("live-exclusions", [], function () { return []; });
        return;
      }
      summary.textContent = data.collected + " participants so far, " + data.included +
        " meet no rule" + (data.locked ? "" : " (preregistration not locked yet)");
      fill("live-exclusions", data.rules, function (r) { return [r.reason, r.first, r.any]; });
    }).catch(function () {});
  }
  refresh();
  setInterval(refresh, 10000);
})();
