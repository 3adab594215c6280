"""What the previews of one change cost in the explorer's scorer, side by side: the page's 18
previews of a fresh scene (all cache misses) computed as the page asked them before (one probe
each, 128 px pictures, PNG level 6), in one batch with 128 px pictures (PNG level 1), and in
one batch with the model's own 64 px picture (what the page asks now). The modes are
alternated change by change; medians and the median pairwise ratio against the old way are
printed with the load average (one torch thread, as in a web worker).

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

import torch  # noqa: E402

from explainers.explorer import FACTOR_GROUPS, Scorer, inference, sampled_scenes  # noqa: E402
from explainers.explorer.inference import PREVIEW_SIZE  # noqa: E402
from explainers.models import load_checkpoint  # noqa: E402
from studies.explorer import session  # noqa: E402

MODES = ("one_by_one_128px_png6", "batch_128px_png1", "batch_64px_png1")
GROUPS = list(FACTOR_GROUPS)


def changed_scenes(scenes, n):
    """``n`` distinct current scenes: a starting scene with one group from another."""
    for i in range(n):
        selected = i % len(scenes)
        source = (selected + 1 + i // len(scenes)) % len(scenes)
        action = session.Action("mix", group=GROUPS[i % len(GROUPS)], source=source)
        yield selected, session._edited({"current": scenes[selected]}, scenes, action)


def run(mode, model, shown) -> float:
    scorer = Scorer(model, logit_scale=9.9)  # empty cache: every preview a miss
    t0 = time.perf_counter()
    if mode == MODES[0]:
        inference.PNG_LEVEL = 6
        for scene in shown:
            scorer.probe(scene)
    else:
        inference.PNG_LEVEL = 1
        scorer.probe_many(shown, size=128 if mode == MODES[1] else PREVIEW_SIZE)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=24)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    model = load_checkpoint()
    scenes = sampled_scenes(sampler="study", seed=7, count=6)
    order = list(range(len(scenes)))
    times = {m: [] for m in MODES}
    load_before = os.getloadavg()
    for k, (selected, current) in enumerate(changed_scenes(scenes, args.changes)):
        action = session.Action(kind="previews", items=session.page_previews(selected, order))
        shown = session.preview_scenes({"selected": selected, "current": current}, scenes,
                                       action)
        for mode in MODES[k % 3:] + MODES[:k % 3]:  # rotate the order
            times[mode].append(run(mode, model, shown))
    inference.PNG_LEVEL = 1
    old = times[MODES[0]]
    print(json.dumps({
        "previews_per_change": len(shown), "changes": args.changes,
        "median_ms": {m: round(statistics.median(v) * 1000, 1) for m, v in times.items()},
        "median_ratio_old_to_mode": {m: round(statistics.median(
            o / n for o, n in zip(old, v, strict=True)), 2) for m, v in times.items()},
        "load_average_1_5_15min": {"before": [round(x, 1) for x in load_before],
                                   "after": [round(x, 1) for x in os.getloadavg()]},
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
