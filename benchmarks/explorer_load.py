"""Explorer load benchmark: E concurrent explorers probing the model every 2-5 s while P other
participants walk the static flow (benchmarks/load.py's bots, its 5-step study (``--flow small``)
and server set-up; benchmarks/harness.py's entry links, timed requests and printout).

One gunicorn (the checkout's studyserver/gunicorn.conf.py) serves two studies in a fresh
PostgreSQL database: load.py's static study and a small explorer study (consent, one explorer
step of six scenes, completion). Each explorer enters, opens the explorer page, selects a scene
and then, every 2-5 s (uniform), sends one action as the page does: mostly previews (a factor
group from another scene, or interpolated at a t on the slider's 0.05 grid), sometimes a mix,
an interpolation, a new selection, an undo or a reset. Every request is timed by the client;
the server's own compute time and cache hits are read from the action log afterwards.

    .venv/bin/python benchmarks/explorer_load.py --explorers 50 --participants 200 --workers 2

Targets (issue #19): preview p95 < 150 ms, 0 errors, page p95 < 300 ms for the static
participants. On a machine shared with other work the figures are not idle-machine figures:
the load average before and after is printed with them.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import signal
import statistics
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


class Explorer:
    def __init__(self, base: str, rng: random.Random, every: tuple[float, float]):
        self.base, self.rng, self.every = base, rng, every
        self.timings: list[tuple[str, float, int]] = []  # (action or GET, seconds, status)
        self.outcome = "not started"

    async def request(self, session, kind, method, url, **kw):
        return await timed_request(self.timings, kind, session, method, url, **kw)

    async def page(self, session, url):
        r = await self.request(session, "GET", "GET", url)
        while r.status in (301, 302, 303):
            r = await self.request(session, "GET", "GET", urljoin(url, r.headers["Location"]))
        form = load.Form()
        form.feed(r.text())
        return r, form

    def action(self, selected: bool) -> dict:
        if not selected:
            return {"action": "select", "index": self.rng.randrange(6)}
        roll = self.rng.random()
        group, source = self.rng.choice(GROUPS), self.rng.randrange(6)
        if roll < 0.70:
            fields = {"action": "preview", "group": group, "source": source}
            if self.rng.random() < 0.3:
                fields["t"] = f"{self.rng.randrange(21) * 0.05:.2f}"
            return fields
        if roll < 0.80:
            return {"action": "mix", "group": group, "source": source}
        if roll < 0.88:
            return {"action": "interpolate", "group": group, "source": source,
                    "t": f"{self.rng.randrange(21) * 0.05:.2f}"}
        if roll < 0.94:
            return {"action": "select", "index": self.rng.randrange(6)}
        return {"action": self.rng.choice(("undo", "reset"))}

    async def run(self, until: float):
        entry = entry_url(self.base, "explorer-load", new_pid(), study_id="cd" * 12)
        try:
            async with browser_session() as session:
                await self.explore(session, entry, until)
        except CONNECTION_ERRORS as exc:
            self.outcome = f"error: {type(exc).__name__}"

    async def explore(self, session, entry: str, until: float):
        r, form = await self.page(session, entry)
        data, _ = load.Bot(self.base, "", self.rng, (0, 0)).fill(form)  # consent: agree
        await self.request(session, "POST", "POST", urljoin(entry, form.action), data=data)
        r, form = await self.page(session, urljoin(entry, form.action))
        explore = urljoin(entry, form.action.replace("/step/", "/explore/"))
        hidden = {k: form.hidden[k] for k in ("step", "nonce", "csrfmiddlewaretoken")}
        selected = False
        while time.monotonic() < until:
            await asyncio.sleep(self.rng.uniform(*self.every))
            fields = self.action(selected)
            r = await self.request(session, fields["action"], "POST", explore,
                                   data={**hidden, **fields, "t_client": str(int(time.time() * 1e3))})
            if r.status == 200:
                selected = True
            elif r.status not in (400, 429):
                self.outcome = f"HTTP {r.status}"
                return
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--explorers", type=int, default=50)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--every", default="2:5", help="seconds between probes, MIN:MAX")
    parser.add_argument("--explore-s", type=float, default=90.0, help="how long explorers probe")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--ramp", type=float, default=20.0)
    parser.add_argument("--think", default="4:10")
    parser.add_argument("--video-s", type=float, default=20.0)
    parser.add_argument("--time-limit", type=float, default=300.0)
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
        spec = Path(tmp) / "explorer-load.yaml"
        spec.write_text(EXPLORER_SPEC)
        subprocess.run([sys.executable, str(REPO / "manage.py"), "load_study", str(spec)],
                       env={**env, "PYTHONPATH": str(REPO)}, cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL)
        port = free_port()
        server = load.start_gunicorn(args, env, port)
        base = f"http://127.0.0.1:{port}"
        rng = random.Random(args.seed)
        walkers = [load.Bot(base, new_pid(), random.Random(rng.random()), think)
                   for _ in range(args.participants)]
        explorers = [Explorer(base, random.Random(rng.random()), every)
                     for _ in range(args.explorers)]
        load_before = os.getloadavg()[0]
        t0 = time.monotonic()
        deadline = t0 + args.time_limit
        try:
            people = [functools.partial(e.run, t0 + args.ramp + args.explore_s)
                      for e in explorers] + [functools.partial(w.run, deadline) for w in walkers]
            rng.shuffle(people)
            asyncio.run(run_all(people, ramp=args.ramp, deadline=deadline))
        finally:
            wall = time.monotonic() - t0
            load_after = os.getloadavg()[0]
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        logged = _action_log(env)

    probes = [t for e in explorers for t in e.timings if t[0] not in ("GET", "POST")]
    previews = [s for kind, s, st in probes if kind == "preview" and st == 200]
    pages = [s for w in walkers for m, s, _ in w.timings if m in ("GET", "POST")]
    errors = Counter(kind for e in explorers for kind, _, st in e.timings if st == 0 or st >= 500)
    errors.update(m for w in walkers for m, _, st in w.timings if st == 0 or st >= 500)
    refused = Counter(st for _, _, st in probes if st in (400, 409, 429))
    figures = {
        "explorers": args.explorers, "participants": args.participants,
        "gunicorn": f"{args.workers} workers x {args.threads} threads", "cpus": os.cpu_count(),
        "wall_s": round(wall, 1),
        "preview_ms": {"n": len(previews), "p50": ms(previews, 0.5), "p95": ms(previews, 0.95),
                       "max": ms(previews, 1.0)},
        "all_actions_ms": {"n": len(probes), "p50": ms([s for _, s, _ in probes], 0.5),
                           "p95": ms([s for _, s, _ in probes], 0.95)},
        "static_pages_ms": {"n": len(pages), "p50": ms(pages, 0.5), "p95": ms(pages, 0.95)},
        "errors": dict(errors), "refused": {str(k): v for k, v in refused.items()},
        "explorer_outcomes": dict(Counter(e.outcome.split(":")[0] for e in explorers)),
        "static_outcomes": dict(Counter(w.outcome.split(":")[0] for w in walkers)),
        **logged,
        "load_average_1min": {"before": round(load_before, 1), "after": round(load_after, 1)},
        "probes_per_s": round(len(probes) / max(1.0, args.explore_s), 1),
        "mean_preview_ms": round(statistics.fmean(previews) * 1000, 1) if previews else 0,
    }
    targets = {"preview p95 < 150 ms": figures["preview_ms"]["p95"] < 150,
               "static page p95 < 300 ms": figures["static_pages_ms"]["p95"] < 300,
               "no errors (5xx or connection)": not errors}
    return report(figures, targets)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
