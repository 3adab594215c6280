"""Time a property-gradient run by part: rendering, forward passes, the permutation test.

    python benchmarks/property_gradients.py                       # CPU: samples, then projects
    python benchmarks/property_gradients.py --sample 0            # run all 110 000 renders/forwards
    python benchmarks/property_gradients.py --device cuda --sample 0
    python benchmarks/property_gradients.py --checkpoint checkpoints/cnn --compare 5

``--compare R`` measures the levers side by side instead, on the same ``--sample`` scenes, R
rounds with the variants alternating inside each round (the machine is shared: medians and
ratios to the first variant, with the load average, mean more than seconds): the forward pass
eager / eager channels-last / frozen TorchScript / frozen channels-last, with the largest
difference of each from the eager logits; the renderer with 32 / 64 / 128 scenes per internal
chunk (64 is the CPU default at 64 px), with the largest pixel difference; colour and
background paths with every scene rendered against the geometry computed once per image
(``explainers.interventions.shading``).

The issue's size: all 10 factors, 1000 images, 11 points (110 000 renders and forward passes)
and 10 000 permutations, target < 60 s. The permutation test always runs at full size (on
outputs of the right shape, as it costs the same for any values). Rendering and forward passes
run on ``--sample`` intervened scenes (0 = all) and are projected to the full count from the
measured rate (on the CPU the batches are rendered and read two at a time, one per thread, and
the two parts split the wall time in the proportion of the threads' time in each). Prints the load average before and after (the machine is shared), each part's
seconds and the total; ``--json FILE`` writes the figures.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from explainers.interventions.paths import (  # noqa: E402
    intervened_scenes,
    intervention_grid,
    intervention_paths,
    read_on_cpu,
)
from explainers.interventions.permutation import permutation_test  # noqa: E402
from explainers.interventions.shading import SHADING_FACTORS, render_shading_path  # noqa: E402
from explainers.models import DEFAULT_CHECKPOINT  # noqa: E402
from explainers.models.frozen import frozen_logit  # noqa: E402
from explainers.models.model_registry import load_model  # noqa: E402
from explainers.synthetic import FACTORS, SceneBatch, get_sampler, render  # noqa: E402


def _median(values):
    return float(np.median(values))


def compare(model, base, *, points, rounds, device) -> dict:
    """The levers side by side on the same scenes (see the module's docstring)."""
    scenes = SceneBatch.cat(
        [intervened_scenes(base, f, intervention_grid(f, points)) for f in FACTORS]
    )
    size = model.image_size
    cl = torch.channels_last
    eager_cl = copy.deepcopy(model).to(memory_format=cl)
    t0 = time.perf_counter()
    frozen = frozen_logit(model)
    trace_s = time.perf_counter() - t0
    frozen_cl = frozen_logit(model, channels_last=True)
    forward = {
        "eager": model.logit,
        "eager channels-last": lambda x: eager_cl.logit(x.contiguous(memory_format=cl)),
        "frozen": frozen,
        "frozen channels-last": frozen_cl,
    }
    renders = {f"chunk {c}": c for c in (64, 32, 128)}
    shading = {}  # a colour / background path: every scene rendered, or the geometry once
    for f in SHADING_FACTORS:
        grid = intervention_grid(f, points)
        shading[f] = {
            f"{f}, every scene": lambda f=f, grid=grid: (
                render(intervened_scenes(base, f, grid), size=size, device=device).images
            ),
            f"{f}, geometry once": lambda f=f, grid=grid: render_shading_path(
                base, f, grid, size=size, device=device
            ),
        }
    paths = {k: v for group in shading.values() for k, v in group.items()}
    times = {k: [] for k in (*forward, *renders, *paths)}
    outputs, images = {}, {}
    with torch.inference_mode():
        for _ in range(rounds):
            for name, chunk in renders.items():
                t = time.perf_counter()
                images[name] = render(scenes, size=size, device=device, chunk_size=chunk).images
                times[name].append(time.perf_counter() - t)
            for name, draw in paths.items():
                t = time.perf_counter()
                images[name] = draw()
                times[name].append(time.perf_counter() - t)
            x = images["chunk 64"]
            for name, read in forward.items():
                t = time.perf_counter()
                outputs[name] = read_on_cpu(read, x) if x.device.type == "cpu" else read(x)
                times[name].append(time.perf_counter() - t)
    n = len(scenes)
    rows = {}
    groups = [(forward, "eager", outputs), (renders, "chunk 64", images)]
    groups += [(shading[f], f"{f}, every scene", images) for f in SHADING_FACTORS]
    for group, first, results in groups:
        count = n if group is forward or group is renders else len(base) * points
        for k in group:
            rows[k] = {
                "median_s": round(_median(times[k]), 3),
                "img_per_s": round(count / _median(times[k]), 1),
                "ratio_to_" + first: round(_median(times[first]) / _median(times[k]), 2),
                "max_abs_difference": float((results[k] - results[first]).abs().max()),
            }
    return {"scenes": n, "rounds": rounds, "frozen_trace_s": round(trace_s, 2), "variants": rows}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--points", type=int, default=11)
    p.add_argument("--permutations", type=int, default=10_000)
    p.add_argument("--sample", type=int, default=440, help="scenes rendered and read (0 = all)")
    p.add_argument("--batch-size", type=int, default=220)
    p.add_argument("--device", default="cpu")
    p.add_argument("--forward", default="frozen", choices=["frozen", "eager"])
    p.add_argument(
        "--compare",
        type=int,
        default=0,
        metavar="R",
        help="measure the levers side by side in R alternating rounds instead",
    )
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    if a.compare < 0:
        p.error(f"--compare must be 0 or a positive number of rounds, got {a.compare}")
    load_before = os.getloadavg()
    model = load_model(a.checkpoint or DEFAULT_CHECKPOINT, device=a.device).eval()
    total = a.n * len(FACTORS) * a.points
    scenes = total if a.sample == 0 else min(a.sample, total)
    n_base = max(1, scenes // (len(FACTORS) * a.points))
    base = get_sampler("study").sample(n_base, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():  # warm-up: first-call allocations are not throughput
        model.logit(torch.rand(2, 3, model.image_size, model.image_size, device=a.device))
    if a.compare:
        figures = compare(model, base, points=a.points, rounds=a.compare, device=a.device)
        figures["load_before"] = [round(x, 2) for x in load_before]
        figures["load_after"] = [round(x, 2) for x in os.getloadavg()]
        print(
            f"load average before {figures['load_before']}, after {figures['load_after']} "
            f"({os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, {a.device}); "
            f"{figures['scenes']} scenes, {a.compare} rounds, medians; frozen trace "
            f"{figures['frozen_trace_s']} s"
        )
        for name, row in figures["variants"].items():
            ratio = next(v for k, v in row.items() if k.startswith("ratio"))
            print(
                f"  {name:22s} {row['median_s']:8.3f} s  {row['img_per_s']:8.1f} img/s  "
                f"x{ratio:<5}  max |difference| {row['max_abs_difference']:.2e}"
            )
        if a.json:
            Path(a.json).write_text(json.dumps(figures, indent=2) + "\n")
        return 0
    paths = intervention_paths(
        model, base, points=a.points, batch_size=a.batch_size, device=a.device, forward=a.forward
    )
    measured = n_base * len(FACTORS) * a.points
    scale = total / measured
    y = np.random.default_rng(0).random((a.n, len(FACTORS), a.points))
    t0 = time.perf_counter()
    permutation_test(y, permutations=a.permutations)
    test_s = time.perf_counter() - t0
    render_s, forward_s = paths.seconds["render"] * scale, paths.seconds["forward"] * scale
    setup_s = paths.seconds["setup"]  # once per run (the frozen model's trace): not projected
    figures = {
        "device": a.device,
        "forward": a.forward,
        "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "size": {
            "images": a.n,
            "factors": len(FACTORS),
            "points": a.points,
            "permutations": a.permutations,
            "scenes": total,
        },
        "measured_scenes": measured,
        "render_img_per_s": round(measured / paths.seconds["render"], 1),
        "forward_img_per_s": round(measured / paths.seconds["forward"], 1),
        "render_s": round(render_s, 1),
        "forward_s": round(forward_s, 1),
        "setup_s": round(setup_s, 2),
        "permutation_test_s": round(test_s, 2),
        "total_s": round(render_s + forward_s + setup_s + test_s, 1),
        "projected": scale > 1,
    }
    what = "projected from" if scale > 1 else "measured on"
    print(
        f"load average before {figures['load_before']}, after {figures['load_after']} "
        f"({os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, {a.device})"
    )
    print(
        f"rendering       {render_s:8.1f} s  ({figures['render_img_per_s']} img/s, {what} "
        f"{measured} scenes)"
    )
    print(f"forward passes  {forward_s:8.1f} s  ({figures['forward_img_per_s']} img/s)")
    print(f"set-up          {setup_s:8.2f} s  (once: --forward {a.forward}'s trace, not projected)")
    print(
        f"permutation test{test_s:8.2f} s  ({a.n} x {len(FACTORS)} paths of {a.points}, "
        f"{a.permutations} permutations, local + global)"
    )
    print(f"total           {figures['total_s']:8.1f} s  (target < 60 s)")
    if a.json:
        Path(a.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
