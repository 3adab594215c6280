"""Time a property-gradient run by part: rendering, forward passes, the permutation test.

    python benchmarks/property_gradients.py                       # CPU: samples, then projects
    python benchmarks/property_gradients.py --sample 0            # run all 110 000 renders/forwards
    python benchmarks/property_gradients.py --device cuda --sample 0

The issue's size: all 10 factors, 1000 images, 11 points (110 000 renders and forward passes)
and 10 000 permutations, target < 60 s. The permutation test always runs at full size (on
outputs of the right shape, as it costs the same for any values). Rendering and forward passes
run on ``--sample`` intervened scenes (0 = all) and are projected to the full count from the
measured rate. Prints the load average before and after (the machine is shared), each part's
seconds and the total; ``--json FILE`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from explainers.interventions.paths import intervention_paths  # noqa: E402
from explainers.interventions.permutation import permutation_test  # noqa: E402
from explainers.models import DEFAULT_CHECKPOINT  # noqa: E402
from explainers.models.model_registry import load_model  # noqa: E402
from explainers.synthetic import FACTORS, get_sampler  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--points", type=int, default=11)
    p.add_argument("--permutations", type=int, default=10_000)
    p.add_argument("--sample", type=int, default=440, help="scenes rendered and read (0 = all)")
    p.add_argument("--batch-size", type=int, default=220)
    p.add_argument("--device", default="cpu")
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    load_before = os.getloadavg()
    model = load_model(a.checkpoint or DEFAULT_CHECKPOINT, device=a.device).eval()
    total = a.n * len(FACTORS) * a.points
    scenes = total if a.sample == 0 else min(a.sample, total)
    n_base = max(1, scenes // (len(FACTORS) * a.points))
    base = get_sampler("study").sample(n_base, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():  # warm-up: first-call allocations are not throughput
        model.logit(torch.rand(2, 3, model.image_size, model.image_size, device=a.device))
    paths = intervention_paths(model, base, points=a.points, batch_size=a.batch_size,
                               device=a.device)
    measured = n_base * len(FACTORS) * a.points
    scale = total / measured
    y = np.random.default_rng(0).random((a.n, len(FACTORS), a.points))
    t0 = time.perf_counter()
    permutation_test(y, permutations=a.permutations)
    test_s = time.perf_counter() - t0
    render_s, forward_s = paths.seconds["render"] * scale, paths.seconds["forward"] * scale
    figures = {
        "device": a.device, "torch_threads": torch.get_num_threads(), "cpus": os.cpu_count(),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "size": {"images": a.n, "factors": len(FACTORS), "points": a.points,
                 "permutations": a.permutations, "scenes": total},
        "measured_scenes": measured,
        "render_img_per_s": round(measured / paths.seconds["render"], 1),
        "forward_img_per_s": round(measured / paths.seconds["forward"], 1),
        "render_s": round(render_s, 1), "forward_s": round(forward_s, 1),
        "permutation_test_s": round(test_s, 2),
        "total_s": round(render_s + forward_s + test_s, 1),
        "projected": scale > 1,
    }
    what = "projected from" if scale > 1 else "measured on"
    print(f"load average before {figures['load_before']}, after {figures['load_after']} "
          f"({os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, {a.device})")
    print(f"rendering       {render_s:8.1f} s  ({figures['render_img_per_s']} img/s, {what} "
          f"{measured} scenes)")
    print(f"forward passes  {forward_s:8.1f} s  ({figures['forward_img_per_s']} img/s)")
    print(f"permutation test{test_s:8.2f} s  ({a.n} x {len(FACTORS)} paths of {a.points}, "
          f"{a.permutations} permutations, local + global)")
    print(f"total           {figures['total_s']:8.1f} s  (target < 60 s)")
    if a.json:
        Path(a.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
