"""Why the explorer's scorer runs in a process of its own: one factor group's previews (6 cache
misses at 64 px, what one of the page's preview requests computes) timed alone and beside a
thread of the same process that keeps Python busy, as a page's template or Django's ORM does in
a web worker; and the same through :class:`explainers.explorer.service.ScorerProcess` (the
scorer in a child process) beside such a thread. A probe's few hundred small torch operations
each give up the GIL while their kernel runs and wait to take it back: behind a busy thread of
the same process each such wait can last the interpreter's switch interval (5 ms).

Modes are rotated change by change; medians of wall time are printed with the load average.

    .venv/bin/python benchmarks/explorer_convoy.py --changes 12
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from explorer_previews import changed_scenes  # noqa: E402
from harness import load_average  # noqa: E402

from explainers.explorer import Scorer, sampled_scenes  # noqa: E402
from explainers.explorer.inference import PREVIEW_SIZE, recorded_logit_scale  # noqa: E402
from explainers.explorer.scenes import scene_key  # noqa: E402
from explainers.explorer.service import ScorerProcess  # noqa: E402
from explainers.models import load_checkpoint  # noqa: E402
from explainers.models.checkpoint import DEFAULT_CHECKPOINT  # noqa: E402
from studies.explorer import session  # noqa: E402

MODES = ("inline_alone", "inline_beside_busy_thread", "process_beside_busy_thread")


def busy(stop: threading.Event) -> None:
    """Pure Python work that holds the GIL whenever it runs."""
    x = 0
    while not stop.is_set():
        for i in range(200):
            x += i * i


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=12)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    inline = Scorer(load_checkpoint(), logit_scale=recorded_logit_scale(DEFAULT_CHECKPOINT))
    remote = ScorerProcess(DEFAULT_CHECKPOINT)
    scenes = sampled_scenes(sampler="study", seed=7, count=6)
    order = list(range(len(scenes)))
    times: dict[str, list[float]] = {m: [] for m in MODES}
    load_before = os.getloadavg()
    for k, (selected, current) in enumerate(changed_scenes(scenes, args.changes)):
        action = session.Action(kind="previews", items=session.page_previews(selected, order))
        shown = session.preview_scenes({"selected": selected, "current": current}, scenes,
                                       action)
        group = [s for s, item in zip(shown, action.items, strict=True) if item.group == "body"]
        for mode in MODES[k % 3:] + MODES[:k % 3]:
            scorer = remote if mode.startswith("process") else inline
            scorer.clear()
            stop = threading.Event()
            thread = None if mode == "inline_alone" else threading.Thread(target=busy,
                                                                           args=(stop,))
            if thread:
                thread.start()
                time.sleep(0.05)
            t0 = time.perf_counter()
            probes = scorer.probe_many(group, size=PREVIEW_SIZE)
            times[mode].append((time.perf_counter() - t0) * 1000)
            if thread:
                stop.set()
                thread.join()
            if sum(not p.cached for p in probes) != len({scene_key(s) for s in group}):
                raise SystemExit(f"{mode}: a preview came from the cache")
    remote.close()
    print(json.dumps({
        "previews_per_request": len(group), "changes": args.changes,
        "median_wall_ms": {m: round(statistics.median(v), 1) for m, v in times.items()},
        "load_average_1_5_15min": load_average(load_before),
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
