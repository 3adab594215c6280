"""Explorer load benchmark: E concurrent explorers on the explorer page, each doing something every
2-5 s, while P other participants walk study 2's shipped flow as browsers do (benchmarks/load.py's
bots and server set-up, ``--flow small`` for its 5-step study; benchmarks/harness.py's entry
links, timed requests and printout).

One gunicorn (the checkout's studyserver/gunicorn.conf.py) serves two studies in a fresh
PostgreSQL database: load.py's static study and a small explorer study (consent, one explorer
step of six scenes, completion). Each explorer enters, opens the explorer page, selects a scene
and then, every 2-5 s (uniform), does what a participant does (``DOINGS``): moves a slider (the
page asks that one preview) or changes the scene (mix, interpolate, select, undo, reset), after
which the page asks all its previews: one request per factor group (``--page groups``, as
static/studies/explorer.js does), all in one request (``--page batched``, as it did before
2026-12-03) or one request each (``--page single``, as it did before that; run them side by
side to compare). Requests of one explorer run one at a time and a 429 is asked again after 2 s,
as the page does. Every request is timed by the client whatever its answer (a connection error
is status 0 with its time); the server's compute time and cache hits are read from the action
log afterwards; the static participants' answers are checked in the database (load.verify).
Before measuring, every worker is warmed (the model loaded, the mix closure and the starting
sliders pinned: studies/explorer/warm.py, about 20 s of a core each) and left ``--settle-s``
(40 s) to finish.

    .venv/bin/python benchmarks/explorer_load.py   # 50 explorers, 200 static, ~8 min

Targets (issue #19): preview p95 < 150 ms (every request that asks previews), 0 errors, page
p95 < 300 ms for the static participants, all of whom complete with nothing lost. On a machine
shared with other work the figures are not idle-machine figures: the load average before and
after is printed with them, and the client's own CPU (its threads share the cores).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402 - benchmarks/load.py, next to this file
from harness import (  # noqa: E402
    CONNECTION_ERRORS,
    browser_session,
    entry_url,
    free_port,
    load_average,
    ms,
    new_pid,
    report,
    run_all,
    timed_request,
)

REPO = load.REPO
EXPLORER_SPEC = """
slug: explorer-load
title: "Explorer load benchmark"
seed: 2
time_limit_minutes: 60
prolific:
  codes: {completion: CEXPLOK, screened_out: CEXPLSO, no_consent: CEXPLNC}
payment: {base: 1.00, bonus_per_correct: 0.10}
conditions:
  - {name: explorer, explainer: none, target: 500}
steps:
  - {id: consent, type: consent, text: "A load test."}
  - id: explore
    type: explorer
    scenes: {sampler: study, seed: 7, count: 6}
    answer_key: {legs: relevant, color: relevant, background: irrelevant, shape: relevant,
                 rotation: irrelevant}
  - {id: completion, type: completion}
"""
GROUPS = ("body", "appearance", "scene")
# What a participant does every 2-5 s (``--every``), as shares: move a group's slider (one
# preview), click a preview (mix), apply a slider (interpolate), select another scene, undo,
# reset. Every change is followed by the previews the page then asks (static/studies/explorer.js).
DOINGS = (("slide", 0.40), ("mix", 0.25), ("interpolate", 0.10), ("select", 0.10),
          ("undo", 0.08), ("reset", 0.07))


def draw_doing(rng) -> str:
    """One of :data:`DOINGS`, drawn with its share."""
    roll, total = rng.random(), 0.0
    for name, share in DOINGS:
        total += share
        if roll < total:
            return name
    return DOINGS[-1][0]


RETRY_429_S = 2.0  # explorer.js asks again 2 s after a 429
SCENE = re.compile(r'class="explorer-scene" data-index="(\d+)"')


class Explorer:
    """One participant on the explorer page, sending what the page sends: after every change
    the page's previews (``page="groups"``: one ``previews`` request per factor group, as the
    page does now; ``"batched"``: one for all of them; ``"single"``: one request per preview,
    one at a time, as the page did before), a slider move's one
    preview, a 429 asked again after 2 s. Requests of one participant never overlap (the page
    runs one at a time)."""

    def __init__(self, base: str, rng: random.Random, every: tuple[float, float], page: str):
        self.base, self.rng, self.every, self.page_mode = base, rng, every, page
        self.timings: list[tuple[str, float, int]] = []  # (kind, seconds, status)
        self.shown: list[tuple[float, bool]] = []  # a change's previews: (seconds, all answered)
        self.outcome = "not started"
        self.cached: set[str] = set()
        self.order: list[int] = []
        self.selected: int | None = None
        self.can_undo = False
        self.sliders = {g: {"source": 0, "t": "0.5"} for g in GROUPS}

    async def request(self, session, kind, method, url, **kw):
        return await timed_request(self.timings, kind, session, method, url, **kw)

    async def page(self, session, url):
        r = await self.request(session, "GET", "GET", url)
        while r.status in (301, 302, 303):
            url = urljoin(url, r.headers["Location"])
            r = await self.request(session, "GET", "GET", url)
        form = load.Form()
        form.feed(r.text())
        for src in form.statics:  # scripts and styles, once, as a browser caches them
            if src not in self.cached:
                self.cached.add(src)
                await self.request(session, "STATIC", "GET", urljoin(url, src))
        return r, form

    async def post(self, session, kind: str, fields: dict):
        """One request as the page sends it; a 429 is asked again after 2 s (explorer.js);
        a connection error is recorded (status 0) and answered as the page does (an error
        shown, the participant goes on)."""
        while True:
            try:
                r = await self.request(session, kind, "POST", self.url, data={
                    **self.hidden, **{k: str(v) for k, v in fields.items()},
                    "t_client": str(int(time.time() * 1e3))})
            except CONNECTION_ERRORS:
                return None
            if r.status != 429 or time.monotonic() > self.until:
                return r
            await asyncio.sleep(RETRY_429_S)

    def doing(self) -> str:
        return "select" if self.selected is None else draw_doing(self.rng)

    async def change(self, session, name: str) -> None:
        group, others = self.rng.choice(GROUPS), [i for i in self.order if i != self.selected]
        if name == "select":
            fields = {"action": "select", "index": self.rng.choice(self.order)}
        elif name == "mix":
            fields = {"action": "mix", "group": group, "source": self.rng.choice(others)}
        elif name == "interpolate":
            slider = self.sliders[group]
            fields = {"action": "interpolate", "group": group, "source": slider["source"],
                      "t": slider["t"]}
        elif name == "undo" and not self.can_undo:
            fields = {"action": "reset"}  # the page's Undo is disabled: the participant resets
        else:
            fields = {"action": name}
        r = await self.post(session, fields["action"], fields)
        if r is None or r.status != 200:
            return
        answer = r.json()
        self.selected, self.can_undo = answer["selected"], answer["can_undo"]
        for slider in self.sliders.values():  # explorer.js: not towards the selected itself
            if int(slider["source"]) == self.selected:
                slider["source"] = next(i for i in self.order if i != self.selected)
        await self.previews(session)

    async def previews(self, session) -> None:
        """The previews the page asks after a change, timed until all are shown."""
        items = []
        for group in GROUPS:
            items += [(group, j, None) for j in self.order if j != self.selected]
            items.append((group, self.sliders[group]["source"], self.sliders[group]["t"]))
        t0, ok = time.perf_counter(), True
        if self.page_mode in ("batched", "groups"):
            batches = [items] if self.page_mode == "batched" else [
                [item for item in items if item[0] == group] for group in GROUPS]
            for batch in batches:
                r = await self.post(session, "previews", {"action": "previews", "items": ",".join(
                    f"{g}:{j}" if t is None else f"{g}:{j}:{t}" for g, j, t in batch)})
                ok = ok and r is not None and r.status == 200
        else:
            for group, source, t in items:
                fields = {"action": "preview", "group": group, "source": source}
                if t is not None:
                    fields["t"] = t
                r = await self.post(session, "preview", fields)
                ok = ok and r is not None and r.status == 200
        self.shown.append((time.perf_counter() - t0, ok))

    async def slide(self, session) -> None:
        group = self.rng.choice(GROUPS)
        slider = self.sliders[group]
        if self.rng.random() < 0.3:  # "towards scene": another one
            slider["source"] = self.rng.choice([i for i in self.order if i != self.selected])
        slider["t"] = f"{self.rng.randrange(21) * 0.05:.2f}"
        await self.post(session, "slider", {"action": "preview", "group": group,
                                       "source": slider["source"], "t": slider["t"]})

    async def run(self, until: float):
        self.until = until
        try:
            async with browser_session() as session:
                await self.explore(session, until)
        except CONNECTION_ERRORS as exc:
            self.outcome = f"error: {type(exc).__name__}"

    async def explore(self, session, until: float):
        entry = entry_url(self.base, "explorer-load", new_pid(), study_id="cd" * 12)
        r, form = await self.page(session, entry)
        data, _ = load.Bot(self.base, "", self.rng, (0, 0)).fill(form)  # consent: agree
        await self.request(session, "POST", "POST", urljoin(entry, form.action), data=data)
        r, form = await self.page(session, urljoin(entry, form.action))
        self.order = [int(i) for i in SCENE.findall(r.text())]
        if not self.order:
            self.outcome = "no explorer page"
            return
        self.url = urljoin(entry, form.action.replace("/step/", "/explore/"))
        self.hidden = {k: form.hidden[k] for k in ("step", "nonce", "csrfmiddlewaretoken")}
        for slider in self.sliders.values():  # the sliders start towards the first scene
            slider["source"] = self.order[0]
        while time.monotonic() < until:  # a connection error is answered as the page does
            await asyncio.sleep(self.rng.uniform(*self.every))
            name = self.doing()
            if name == "slide":
                await self.slide(session)
            else:
                await self.change(session, name)
        self.outcome = "explored"


ANALYSIS = """
import json, django
django.setup()
from studies.exports import explorer_actions, explorer_summaries
from studies.models import Study
actions = explorer_actions(Study.objects.get(slug="explorer-load"))
summaries = explorer_summaries(actions)
misses = actions.loc[~actions["cached"].astype(bool), "compute_ms"]
columns = [c for c in summaries.columns if c.startswith(("n_", "probes_"))] + ["explore_s"]
print(json.dumps({
    "actions_logged": len(actions),
    "cache_hit_rate": round(float(actions["cached"].astype(bool).mean()), 3),
    "server_compute_ms_on_miss_p50_p95": [round(float(misses.quantile(q)), 1)
                                          for q in (0.5, 0.95)],
    "per_explorer_median": {c: float(summaries[c].median()) for c in columns},
    "score_range_seen": [round(float(actions["score"].min()), 3),
                         round(float(actions["score"].max()), 3)],
}))
"""


def _action_log(env: dict) -> dict:
    """The action log read back through the explorer export (tidy rows + summaries)."""
    out = subprocess.run([sys.executable, "-c", ANALYSIS], env={
        **env, "PYTHONPATH": str(REPO), "DJANGO_SETTINGS_MODULE": "studyserver.settings"},
        cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


async def warm_workers(base: str, workers: int, settle_s: float) -> None:
    """Open the explorer page a few times so that every worker has loaded the model and started
    its warm-up (studies/explorer/warm.py: the mix closure, the starting sliders), then let that
    finish: a deployed
    server does this once, at its first explorer; the benchmark measures the hours after."""
    for _ in range(3 * workers):
        timings: list = []
        async with browser_session() as session:
            entry = entry_url(base, "explorer-load", new_pid(), study_id="ef" * 12)
            r = await timed_request(timings, "GET", session, "GET", entry)
            form = load.Form()
            form.feed(r.text())
            data, _ = load.Bot(base, "", random.Random(0), (0, 0)).fill(form)
            await timed_request(timings, "POST", session, "POST", urljoin(entry, form.action),
                                data=data)
            await timed_request(timings, "GET", session, "GET", urljoin(entry, form.action))
    await asyncio.sleep(settle_s)


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50": ms(values, 0.5), "p95": ms(values, 0.95),
            "max": ms(values, 1.0)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--explorers", type=int, default=50)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--every", default="2:5", help="seconds between a participant's "
                        "actions on the explorer, MIN:MAX")
    parser.add_argument("--explore-s", type=float, default=280.0,
                        help="how long explorers explore (default: about study 2's walk)")
    parser.add_argument("--page", choices=("groups", "batched", "single"), default="groups",
                        help="groups: the page's previews in one request per factor group (as "
                        "the page does); batched: all in one request; single: one request per "
                        "preview (as the page did before), to compare side by side")
    parser.add_argument("--flow", choices=("study2", "small"), default="study2",
                        help="what the static participants walk (load.py's flows)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--ramp", type=float, default=20.0)
    parser.add_argument("--think", default="4:10")
    parser.add_argument("--wrong-first", type=float, default=0.2)
    parser.add_argument("--video-s", type=float, default=None,
                        help="every tutorial video's length (default: load.py's)")
    parser.add_argument("--settle-s", type=float, default=40.0,
                        help="seconds after warming the workers before measuring (each "
                        "worker's warm-up takes about 20 s of a core: studies/explorer/warm.py)")
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--database", default="xai_explorer_load")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--server-log", default=os.path.join(tempfile.gettempdir(),
                                                             "xai-explorer-load-gunicorn.log"))
    args = parser.parse_args(argv)
    args.server_repo = str(REPO)
    every = tuple(float(x) for x in args.every.split(":"))
    think = tuple(float(x) for x in args.think.split(":"))

    with tempfile.TemporaryDirectory(prefix="xai-explorer-load-") as tmp:
        env = load.prepare(args, Path(tmp))
        gates = load.gate_answers(args.spec)
        spec = Path(tmp) / "explorer-load.yaml"
        spec.write_text(EXPLORER_SPEC)
        subprocess.run([sys.executable, str(REPO / "manage.py"), "load_study", str(spec)],
                       env={**env, "PYTHONPATH": str(REPO)}, cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL)
        port = free_port()
        server = load.start_gunicorn(args, env, port)
        base = f"http://127.0.0.1:{port}"
        rng = random.Random(args.seed)
        walkers = [load.Bot(base, new_pid(), random.Random(rng.random()), think, gates=gates,
                            wrong_first=args.wrong_first) for _ in range(args.participants)]
        explorers = [Explorer(base, random.Random(rng.random()), every, args.page)
                     for _ in range(args.explorers)]
        try:
            asyncio.run(warm_workers(base, args.workers, args.settle_s))
        except BaseException:
            os.killpg(server.pid, signal.SIGTERM)
            raise
        load_before = os.getloadavg()
        self_cpu0, server_cpu0 = time.process_time(), load._session_cpu(server.pid)
        t0 = time.monotonic()
        deadline = t0 + args.time_limit
        try:
            people = [functools.partial(e.run, t0 + args.ramp + args.explore_s)
                      for e in explorers] + [functools.partial(w.run, deadline) for w in walkers]
            rng.shuffle(people)
            asyncio.run(run_all(people, ramp=args.ramp, deadline=deadline))
        finally:
            wall = time.monotonic() - t0
            load_after = os.getloadavg()
            client_cpu = time.process_time() - self_cpu0
            server_cpu = load._session_cpu(server.pid) - server_cpu0
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        logged = _action_log(env)
        checks = load.verify(walkers)

    # every request counts, whatever its answer: errors and refusals stay in the latencies
    probes = [t for e in explorers for t in e.timings if t[0] not in ("GET", "POST", "STATIC")]
    # kinds: "previews" a batch of a change's previews (a group's, or all with --page batched),
    # "preview" one of a change's previews (--page single),
    # "slider" a slider move's one preview; the rest are changes
    preview_requests = [s for kind, s, _ in probes if kind in ("preview", "previews", "slider")]
    slider = [s for e in explorers for kind, s, _ in e.timings if kind == "slider"]
    shown = [s for e in explorers for s, _ in e.shown]
    changes = [s for kind, s, _ in probes if kind not in ("preview", "previews", "slider")]
    pages = [s for w in walkers for m, s, _ in w.timings if m in ("GET", "POST")]
    every_static = [t for w in walkers for t in w.timings]
    errors = Counter(kind for e in explorers for kind, _, st in e.timings if st == 0 or st >= 500)
    errors.update(f"static {m}" for m, _, st in every_static if st == 0 or st >= 500)
    refused = Counter(f"{kind} {st}" for kind, _, st in probes if st in (400, 409, 429))
    n_requests = len(every_static) + sum(len(e.timings) for e in explorers)
    figures = {
        "explorers": args.explorers, "participants": args.participants, "page": args.page,
        "static_flow": args.flow, "every_s": args.every,
        "gunicorn": f"{args.workers} workers x {args.threads} threads", "cpus": os.cpu_count(),
        "wall_s": round(wall, 1),
        "preview_requests_ms": summary(preview_requests),
        "previews_of_a_change_shown_ms": summary(shown),
        "previews_of_a_change_all_answered": sum(ok for e in explorers for _, ok in e.shown),
        "slider_preview_ms": summary(slider),
        "changes_ms": summary(changes),
        "static_pages_ms": summary(pages),
        "static_all_requests_ms": summary([s for _, s, _ in every_static]),
        "errors": dict(errors), "refused": dict(refused),
        "explorer_outcomes": dict(Counter(e.outcome.split(":")[0] for e in explorers)),
        "static_outcomes": dict(Counter(w.outcome.split(":")[0] for w in walkers)),
        "static_answers": {k: checks[k] for k in ("answers_sent", "answers_stored", "lost",
                                                  "unexpected", "duplicated")},
        **logged,
        "requests_per_s": round(n_requests / max(1.0, wall), 1),
        "cpu_ms_per_request": {"gunicorn": round(server_cpu * 1000 / max(1, n_requests), 2),
                               "client": round(client_cpu * 1000 / max(1, n_requests), 2)},
        "cpu_cores_busy": {"gunicorn": round(server_cpu / max(1.0, wall), 2),
                           "client": round(client_cpu / max(1.0, wall), 2)},
        "load_average_1_5_15min": load_average(load_before, load_after),
    }
    completed = figures["static_outcomes"].get("completed", 0)
    targets = {"preview p95 < 150 ms (every request that asks previews)":
               figures["preview_requests_ms"]["p95"] < 150,
               "static page p95 < 300 ms": figures["static_pages_ms"]["p95"] < 300,
               "no errors (5xx or connection)": not errors,
               "every explorer explored": figures["explorer_outcomes"] == {
                   "explored": args.explorers},
               "every static participant completed, nothing lost or duplicated":
               completed == args.participants and checks["lost"] == 0
               and checks["duplicated"] == 0 and checks["unexpected"] == 0}
    return report(figures, targets)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
