"""What the previews of one change cost in the explorer's scorer, side by side: the page's 18
previews of a fresh scene (all cache misses, 64 px pictures, PNG level 1) in one batch scored by
the model's eager forward pass (the page and scorer before 2026-12-03), in one batch scored by
its frozen TorchScript graph, and in one batch per factor group (3 of 6) with the frozen graph
(what the page asks now; the first group's time is what a participant waits for the first
previews). The modes are alternated change by change (the order rotated); medians and the
median pairwise ratio against the first mode are printed with the load average (one torch
thread, as in a web worker). CPU seconds (``time.process_time``) are printed beside wall time.

    .venv/bin/python benchmarks/explorer_previews.py --changes 24
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from harness import load_average  # noqa: E402

from explainers.explorer import FACTOR_GROUPS, Scorer, sampled_scenes  # noqa: E402
from explainers.explorer.inference import PREVIEW_SIZE  # noqa: E402
from explainers.explorer.scenes import scene_key  # noqa: E402
from explainers.models import load_checkpoint  # noqa: E402
from studies.explorer import session  # noqa: E402

MODES = ("batch_eager", "batch_frozen", "groups_frozen")
GROUPS = list(FACTOR_GROUPS)


def changed_scenes(scenes, n):
    """``n`` distinct current scenes: a starting scene with one group from another."""
    for i in range(n):
        selected = i % len(scenes)
        source = (selected + 1 + i // len(scenes)) % len(scenes)
        action = session.Action("mix", group=GROUPS[i % len(GROUPS)], source=source)
        yield selected, session._edited({"current": scenes[selected]}, scenes, action)


def run(scorer, mode, shown, items) -> dict:
    """One change's previews in ``mode``: wall and CPU ms until all (and the first batch) are
    computed; every distinct scene must be a miss (fresh scenes)."""
    scorer.clear()
    misses = scorer.misses
    batches = [shown] if mode != "groups_frozen" else [
        [scene for scene, item in zip(shown, items, strict=True) if item.group == group]
        for group in GROUPS]
    t0, c0, first = time.perf_counter(), time.process_time(), None
    for batch in batches:
        scorer.probe_many(batch, size=PREVIEW_SIZE)
        first = first or (time.perf_counter() - t0) * 1000
    out = {"wall": (time.perf_counter() - t0) * 1000, "cpu": (time.process_time() - c0) * 1000,
           "first": first}
    distinct = len({scene_key(scene) for scene in shown})
    if scorer.misses - misses != distinct:
        raise SystemExit(f"{mode}: {distinct - (scorer.misses - misses)} previews were cached")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=24)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    model = load_checkpoint()
    scorers = {m: Scorer(model, logit_scale=9.9, forward="eager" if m == "batch_eager" else "frozen") for m in MODES}
    scenes = sampled_scenes(sampler="study", seed=7, count=6)
    order = list(range(len(scenes)))
    times = {m: [] for m in MODES}
    load_before = os.getloadavg()
    for k, (selected, current) in enumerate(changed_scenes(scenes, args.changes)):
        action = session.Action(kind="previews", items=session.page_previews(selected, order))
        shown = session.preview_scenes({"selected": selected, "current": current}, scenes,
                                       action)
        for mode in MODES[k % 3:] + MODES[:k % 3]:  # rotate the order
            times[mode].append(run(scorers[mode], mode, shown, action.items))
    first = times[MODES[0]]

    def median(mode, what):
        return round(statistics.median(t[what] for t in times[mode]), 1)

    print(json.dumps({
        "previews_per_change": len(shown), "changes": args.changes,
        "median_wall_ms_all_shown": {m: median(m, "wall") for m in MODES},
        "median_wall_ms_first_batch_shown": {m: median(m, "first") for m in MODES},
        "median_cpu_ms": {m: median(m, "cpu") for m in MODES},
        f"median_ratio_{MODES[0]}_to_mode_wall": {m: round(statistics.median(
            o["wall"] / n["wall"] for o, n in zip(first, v, strict=True)), 2)
            for m, v in times.items()},
        "load_average_1_5_15min": load_average(load_before),
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
