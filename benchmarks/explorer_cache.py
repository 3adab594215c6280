"""How many of the explorer's probes the warm-up answers from the cache, and the CPU the rest
cost, with benchmarks/explorer_load.py's explorer bots (its action mix ``DOINGS``: slider 40 %,
mix 25 %, interpolate 10 %, select 10 %, undo 8 %, reset 7 %; after each change the page's
previews in one request per group, the sliders where the bot left them), in process: no
server, no database, two scorers for the two gunicorn workers (each request sent to one at
random, as the workers take them), each warmed before the bots start as the load benchmark
does. Warm-ups compared (studies/explorer/warm.py's steps), alternated run by run, the order
rotated (seeds differ between rounds, equal within): ``starting`` (the starting scenes'
previews, as warmed before 2026-12-04: ``steps=1``), ``closure`` (the whole mix closure at
both sizes: ``steps=3``) and ``closure_sliders`` (and the starting scenes' slider grid: the
default). The second worker's pins are copied from the first's (an identical warm-up, not
computed twice). One torch thread.

Printed per warm-up, medians over the runs: the share of probes (one per logged action row)
answered from the cache, the share of doings (a slider move, or a change with its previews)
whose every probe hit, the missed probes and the requests with a miss per 1,000 doings, the
CPU seconds of the probe calls that missed per 1,000 doings, the
warm-up's CPU seconds and pinned PNG bytes per process, and the resident memory after.

    .venv/bin/python benchmarks/explorer_cache.py --doings 1000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from explorer_load import draw_doing  # noqa: E402
from harness import load_average  # noqa: E402

from explainers.explorer import FACTOR_GROUPS, Scorer, sampled_scenes  # noqa: E402
from explainers.explorer.inference import PREVIEW_SIZE, recorded_logit_scale  # noqa: E402
from explainers.models import load_checkpoint  # noqa: E402
from explainers.models.checkpoint import DEFAULT_CHECKPOINT  # noqa: E402
from studies.explorer import session, warm  # noqa: E402

GROUPS = tuple(FACTOR_GROUPS)
MODES = {"starting": 1, "closure": 3, "closure_sliders": warm.STEPS}  # warm.plan's steps


class Bot:
    """explorer_load.Explorer's choices, applied to a session state in process."""

    def __init__(self, rng, order):
        self.rng, self.order = rng, order
        self.state: dict = {}
        self.sliders = {g: {"source": order[0], "t": 0.5} for g in GROUPS}

    def doing(self):
        return "select" if self.state.get("current") is None else draw_doing(self.rng)

    def requests(self, scenes):
        """One doing: the list of (scenes, size) requests it sends."""
        name, group = self.doing(), self.rng.choice(GROUPS)
        selected = self.state.get("selected")
        others = [i for i in self.order if i != selected]
        if name == "slide":
            slider = self.sliders[group]
            if self.rng.random() < 0.3:
                slider["source"] = self.rng.choice(others)
            slider["t"] = self.rng.randrange(21) * 0.05
            action = session.Action("preview", group=group, source=slider["source"],
                                    t=round(slider["t"], 2))
            return [([session.apply(self.state, scenes, action)], PREVIEW_SIZE)]
        if name == "select":
            action = session.Action("select", index=self.rng.choice(self.order))
        elif name == "mix":
            action = session.Action("mix", group=group, source=self.rng.choice(others))
        elif name == "interpolate":
            slider = self.sliders[group]
            action = session.Action("interpolate", group=group, source=slider["source"],
                                    t=round(slider["t"], 2))
        elif name == "undo" and not self.state.get("history"):
            action = session.Action("reset")
        else:
            action = session.Action(name)
        out = [([session.apply(self.state, scenes, action)], None)]  # the change: 128 px
        selected = self.state["selected"]
        for slider in self.sliders.values():
            if slider["source"] == selected:
                slider["source"] = next(i for i in self.order if i != selected)
        for g in GROUPS:  # the page's previews, one request per group
            items = [session.Action("preview", group=g, source=j)
                     for j in self.order if j != selected]
            items.append(session.Action("preview", group=g, source=self.sliders[g]["source"],
                                        t=round(self.sliders[g]["t"], 2)))
            out.append((session.preview_scenes(self.state, scenes,
                                               session.Action("previews", items=tuple(items))),
                        PREVIEW_SIZE))
        return out


def run(model, scale, scenes, mode, doings, seed, explorers) -> dict:
    workers = [Scorer(model, logit_scale=scale) for _ in range(2)]
    first = workers[0]  # the page's context: the gallery pinned, then the warm-up
    shown = first.probe_many(scenes, pin=True)
    order = sorted(range(len(scenes)), key=lambda i: -shown[i].score)
    c0 = time.process_time()
    warm.warm(first, scenes, order, steps=MODES[mode])
    warm_cpu = [time.process_time() - c0]
    workers[1]._pinned.update(first._pinned)  # the second worker's identical warm-up
    workers[1]._pinned_logits.update(first._pinned_logits)
    before = [s.stats() for s in workers]
    rng = random.Random(seed)
    bots = [Bot(random.Random(rng.random()), order) for _ in range(explorers)]
    probes = hits = all_hit = miss_calls = 0
    miss_cpu = 0.0
    for _ in range(doings):
        bot = rng.choice(bots)
        every = True
        for batch, size in bot.requests(scenes):
            scorer = rng.choice(workers)
            c0 = time.process_time()
            answered = scorer.probe_many(batch, size=size)
            spent = time.process_time() - c0
            probes += len(answered)
            hit = sum(p.cached for p in answered)
            hits += hit
            if hit < len(answered):
                miss_cpu += spent
                miss_calls += 1
                every = False
        all_hit += every
    return {"probes": probes, "probe_hit_rate": hits / probes, "doings_all_hit": all_hit / doings,
            "missed_probes_per_1000_doings": (probes - hits) * 1000 / doings,
            "requests_with_a_miss_per_1000_doings": miss_calls * 1000 / doings,
            "miss_cpu_s_per_1000_doings": miss_cpu * 1000 / doings,
            "warm_cpu_s_per_process": statistics.mean(warm_cpu),
            "pinned_per_process": statistics.mean(b["pinned"] for b in before),
            "pinned_png_mb_per_process": statistics.mean(b["pinned_png_bytes"]
                                                         for b in before) / 1e6}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--doings", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--explorers", type=int, default=50)
    parser.add_argument("--scenes", type=int, default=6)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    model = load_checkpoint()
    scale = recorded_logit_scale(DEFAULT_CHECKPOINT)
    scenes = sampled_scenes(sampler="study", seed=7, count=args.scenes)
    load_before = os.getloadavg()
    results = {m: [] for m in MODES}
    modes = list(MODES)
    for k in range(args.rounds):
        for mode in modes[k % len(modes):] + modes[:k % len(modes)]:
            results[mode].append(run(model, scale, scenes, mode, args.doings, k,
                                     args.explorers))
            print(mode, k, json.dumps({k: round(v, 3) for k, v in results[mode][-1].items()}),
                  file=sys.stderr, flush=True)
    print(json.dumps({
        "doings_per_run": args.doings, "rounds": args.rounds, "scenes": args.scenes,
        "median": {m: {k: round(statistics.median(r[k] for r in rs), 3) for k in rs[0]}
                   for m, rs in results.items()},
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_average_1_5_15min": load_average(load_before),
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
