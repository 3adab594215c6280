// The explorer (templates/studies/steps/explorer.html): select a scene, preview each factor
// group taken from every other scene (with the score each would get), mix or interpolate,
// reset, undo. Every request names an action and scene numbers; the server keeps the state,
// renders and scores (studies/explorer/endpoint.py). After a change the page asks its
// previews one request per factor group (each computed in one batched pass and shown as it
// comes); requests run one at a time, previews of an older state dropped unasked.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("explorer-config").textContent);
  var root = document.getElementById("explorer");
  var busy = false, queue = [], generation = 0;

  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }
  function scoreText(score) { return (score >= 0 ? "+" : "") + score.toFixed(2); }
  function paint(el, score) {
    el.textContent = scoreText(score);
    el.classList.toggle("pos", score >= 0);
    el.classList.toggle("neg", score < 0);
  }
  function showError(text) {
    var el = document.getElementById("explorer-error");
    el.textContent = text || "";
    el.hidden = !text;
  }

  function request(fields) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf());
    data.append("step", document.querySelector("#step-form input[name=step]").value);
    data.append("nonce", document.querySelector("#step-form input[name=nonce]").value);
    data.append("t_client", String(Date.now()));
    Object.keys(fields).forEach(function (k) { data.append(k, String(fields[k])); });
    return fetch(root.dataset.url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () { return { ok: false, error: "Unexpected answer (" + r.status + ")." }; })
          .then(function (body) { body.status = r.status; return body; });
      }).catch(function () { return { ok: false, error: "No connection; please try again." }; });
  }

  // one request at a time: actions jump the queue, previews of an older state are dropped
  function run() {
    if (busy || !queue.length) return;
    var job = queue.shift();
    if (job.generation !== undefined && job.generation !== generation) { run(); return; }
    busy = true;
    root.setAttribute("aria-busy", "true");
    request(job.fields).then(function (answer) {
      busy = false;
      root.setAttribute("aria-busy", queue.length ? "true" : "false");
      if (answer.status === 429) {  // over the per-session limit: try again shortly
        queue.unshift(job);
        setTimeout(run, 2000);
        return;
      }
      job.done(answer);
      run();
    });
  }
  function enqueue(fields, done, isPreview) {
    var job = { fields: fields, done: done };
    if (isPreview) { job.generation = generation; queue.push(job); }
    else { queue = queue.filter(function (j) { return j.generation === undefined; }); queue.push(job); }
    run();
  }

  function showCurrent(answer) {
    if (!answer.ok) { showError(answer.error); return; }
    showError("");
    document.getElementById("explorer-hint").hidden = true;
    document.getElementById("explorer-selected").hidden = false;
    document.getElementById("explorer-current-image").src = answer.image;
    paint(document.getElementById("explorer-current-score"), answer.score);
    document.getElementById("explorer-current-caption").textContent =
      "Scene " + (answer.selected + 1) + (answer.history.length && answer.history[0].indexOf("select") !== 0 ? " (changed)" : "") +
      ": " + answer.label + ", " + Math.round(answer.confidence * 100) + "% sure";
    root.querySelectorAll(".explorer-scene").forEach(function (b) {
      b.classList.toggle("selected", Number(b.dataset.index) === answer.selected);
    });
    var history = document.getElementById("explorer-history");
    history.innerHTML = "";
    answer.history.forEach(function (line) {
      var li = document.createElement("li");
      li.textContent = line;
      history.appendChild(li);
    });
    document.getElementById("explorer-undo").disabled = !answer.can_undo;
    document.getElementById("explorer-reset").disabled = false;
    root.querySelectorAll(".explorer-group").forEach(function (g) { g.disabled = false; });
    cfg.selected = answer.selected;
    root.querySelectorAll(".explorer-source").forEach(function (select) {
      // interpolating towards the selected scene itself would change nothing
      if (Number(select.value) === answer.selected) {
        var other = cfg.scenes.filter(function (s) { return s.index !== answer.selected; })[0];
        if (other) select.value = String(other.index);
      }
    });
    generation += 1;
    previews();
  }

  function act(fields) { enqueue(fields, showCurrent, false); }

  function previews() {
    cfg.groups.forEach(function (group) {
      var items = [], shows = [];
      var box = root.querySelector(".explorer-previews[data-group='" + group.id + "']");
      box.innerHTML = "";
      cfg.scenes.forEach(function (scene) {
        if (scene.index === cfg.selected) return;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "explorer-preview";
        button.title = "Take the " + group.id + " of scene " + scene.number;
        button.dataset.group = group.id;
        button.dataset.source = scene.index;
        var score = document.createElement("span");
        score.className = "explorer-score";
        score.textContent = "…";
        var img = document.createElement("img");
        img.alt = group.id + " from scene " + scene.number;
        var name = document.createElement("span");
        name.textContent = "from " + scene.number;
        button.appendChild(score); button.appendChild(img); button.appendChild(name);
        button.addEventListener("click", function () { act({ action: "mix", group: group.id, source: scene.index }); });
        box.appendChild(button);
        items.push(group.id + ":" + scene.index);
        shows.push(function (answer) {
          if (!answer.ok) { score.textContent = "!"; return; }
          img.src = answer.image;
          paint(score, answer.score);
        });
      });
      var slider = sliderPreview(group.id);
      items.push(slider.item);
      shows.push(slider.show);
      // a group's previews in one request, computed in one batched pass (endpoint.py); the
      // three groups' requests together are studies/explorer/session.page_previews, the list
      // warmed for the starting scenes. A change made meanwhile drops the groups not yet asked.
      enqueue({ action: "previews", items: items.join(",") }, function (answer) {
        shows.forEach(function (show, k) {
          show(answer.ok ? Object.assign({ ok: true }, answer.previews[k]) : answer);
        });
      }, true);
    });
  }

  function sliderPreview(group) {
    var source = root.querySelector(".explorer-source[data-group='" + group + "']").value;
    var t = root.querySelector(".explorer-t[data-group='" + group + "']").value;
    var out = root.querySelector(".explorer-preview-score[data-group='" + group + "']");
    out.textContent = "…";
    return { item: group + ":" + source + ":" + t, fields: { action: "preview", group: group, source: source, t: t },
             show: function (answer) { if (answer.ok) paint(out, answer.score); else out.textContent = "!"; } };
  }
  function interpolationPreview(group) {
    var slider = sliderPreview(group);
    enqueue(slider.fields, slider.show, true);
  }

  root.querySelectorAll(".explorer-scene").forEach(function (button) {
    var score = button.querySelector(".explorer-score");
    paint(score, Number(button.dataset.score));
    button.addEventListener("click", function () { act({ action: "select", index: button.dataset.index }); });
  });
  // the gallery is sorted by score, highest first (the server sends it sorted; kept on resize)
  root.querySelectorAll(".explorer-t").forEach(function (slider) {
    var group = slider.dataset.group;
    var shown = slider.parentNode.querySelector(".explorer-t-value");
    slider.addEventListener("input", function () { shown.textContent = Number(slider.value).toFixed(2); });
    slider.addEventListener("change", function () { interpolationPreview(group); });
  });
  root.querySelectorAll(".explorer-source").forEach(function (select) {
    select.addEventListener("change", function () { interpolationPreview(select.dataset.group); });
  });
  root.querySelectorAll(".explorer-apply").forEach(function (button) {
    button.addEventListener("click", function () {
      var group = button.dataset.group;
      act({ action: "interpolate", group: group,
            source: root.querySelector(".explorer-source[data-group='" + group + "']").value,
            t: root.querySelector(".explorer-t[data-group='" + group + "']").value });
    });
  });
  document.getElementById("explorer-undo").addEventListener("click", function () { act({ action: "undo" }); });
  document.getElementById("explorer-reset").addEventListener("click", function () { act({ action: "reset" }); });
  if (cfg.current) showCurrent(cfg.current);
})();
