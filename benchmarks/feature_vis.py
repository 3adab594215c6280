"""Time per unit of feature visualisation (9 max + 9 min images, the paper's recipe) on the CPU
(and on CUDA when present): the shipped CNN's architecture at its 64 px input size.

    python benchmarks/feature_vis.py [--model checkpoints/cnn] [--layer layer2] [--steps 48]
                                     [--repeats 3] [--threads 1] [--device cpu]

Optimisation time is linear in the number of steps (every step is the same forward and backward
pass), so it runs ``--steps`` steps per direction ``--repeats`` times, takes the median time per
step and prints the time per unit for the paper's 2560 steps (2 directions x 2560 steps). Without
a bundle it times an untrained SmallResNet of the shipped configuration (the same computation).
The machine's load average is printed before and after, and the process's CPU time beside the
wall time: on a shared CPU the wall time grows with the load, the CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from explainers.feature_vis import FeatureVisualization, Recipe  # noqa: E402
from explainers.models.cnn import CNNConfig, SmallResNet  # noqa: E402

PAPER_STEPS = 2560


def load(model_dir: Path | None, device: str):
    if model_dir is not None and model_dir.is_dir():
        from explainers.models.model_registry import load_model

        model = load_model(model_dir, device=device)
        return model, f"bundle {model_dir} ({model.info.plugin})", model.info.image_size
    model = SmallResNet(CNNConfig()).to(device).eval()
    return model, "untrained SmallResNet, shipped configuration", model.config.image_size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "checkpoints" / "cnn")
    parser.add_argument("--layer", default="layer2")
    parser.add_argument("--unit", type=int, default=0)
    parser.add_argument("--steps", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, what, size = load(args.model, args.device)
    recipe = Recipe.for_size(size, steps=args.steps)
    vis = FeatureVisualization(model, args.layer, forward=model.logit, input_size=size)
    print(f"model: {what}; layer {args.layer}, unit {args.unit}; {size} px + 2 x {recipe.padding}"
          f" padding, {recipe.n_images} images per direction; device {args.device}, "
          f"{args.threads} thread(s)")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} CPUs)")
    vis.visualize(args.unit, recipe=Recipe.for_size(size, steps=2))  # warm-up
    per_step, cpu_per_step = [], []
    for repeat in range(args.repeats):
        for direction in ("max", "min"):
            if args.device.startswith("cuda"):
                torch.cuda.synchronize()
            started, cpu_started = time.perf_counter(), time.process_time()
            vis.visualize(args.unit, direction=direction, recipe=recipe, seed=repeat)
            if args.device.startswith("cuda"):
                torch.cuda.synchronize()
            per_step.append((time.perf_counter() - started) / args.steps)
            cpu_per_step.append((time.process_time() - cpu_started) / args.steps)
    median = statistics.median(per_step)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"time per step (batch of {recipe.n_images}): median {median * 1000:.1f} ms, "
          f"min {min(per_step) * 1000:.1f} ms, max {max(per_step) * 1000:.1f} ms "
          f"over {len(per_step)} runs of {args.steps} steps")
    cpu = statistics.median(cpu_per_step)
    print(f"CPU time per step: median {cpu * 1000:.1f} ms (this process's CPU seconds; close to "
          f"the wall time on an idle machine with --threads 1)")
    print(f"time per unit (9 max + 9 min, {PAPER_STEPS} steps each): "
          f"{2 * PAPER_STEPS * median:.0f} s wall (median), {2 * PAPER_STEPS * min(per_step):.0f} s "
          f"(fastest run), {2 * PAPER_STEPS * cpu:.0f} CPU s")


if __name__ == "__main__":
    main()
