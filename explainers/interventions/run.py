"""One property-gradient run: sample images, intervene, test, write CSVs and figures.

``python -m explainers.interventions.run --n 1000 --points 11 --permutations 10000 --out DIR``
(also ``manage.py property_gradients``). Writes ``property_gradients.csv`` (one row per factor:
factor, score, p, significant, ...), ``local_scores.csv`` (one row per image and factor, with
the image's scene factors), ``paths.npz`` (the outputs along every intervention),
``property_gradients.png``, ``local_bias.png`` and ``run.json`` (settings, model hash, timings).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from explainers.synthetic import FACTORS, code_version, get_sampler, intervene
from explainers.synthetic.distributions import ColorBias

from . import plots
from .paths import intervention_grid, intervention_paths
from .permutation import (
    DEFAULT_ALPHA,
    DEFAULT_PERMUTATIONS,
    check_test_settings,
    permutation_test,
)

DEFAULT_POINTS = 11


def run(model, *, out, n: int, points: int = DEFAULT_POINTS,
        permutations: int = DEFAULT_PERMUTATIONS, alpha: float = DEFAULT_ALPHA, seed: int = 0,
        sampler: str = "study", output: str = "probability", factors=FACTORS,
        batch_size: int = 256, device=None, progress=None, legs_grid: bool = False,
        forward: str = "frozen") -> dict:
    """Run and write every file to ``out``; returns ``run.json``'s content.

    ``forward``: ``"frozen"`` (default) reads a frozen TorchScript copy of the model (logits
    equal up to float32 rounding, faster), ``"eager"`` the model itself
    (:func:`~explainers.interventions.paths.model_output`).

    ``legs_grid``: the base images' legs positions are set to ``n`` equidistant values over
    ``[0, 1]`` (everything else as sampled), so that the local scores can be read against the
    legs position evenly, including inside the overlap (the local-bias figure)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"--n must be a positive integer, got {n!r}")
    # every setting is checked before the first render (a bad --alpha must not cost the run)
    check_test_settings(permutations, alpha)
    factors = tuple(factors)
    if not factors or len(set(factors)) != len(factors):
        raise ValueError(f"--factors must be distinct and not empty, got {list(factors)}")
    for factor in factors:
        intervention_grid(factor, points)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"--batch-size must be a positive integer, got {batch_size!r}")
    if forward not in ("eager", "frozen"):
        raise ValueError(f"--forward must be eager or frozen, got {forward!r}")
    draw = get_sampler(sampler)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    base = draw.sample(n, generator=torch.Generator().manual_seed(seed))
    if legs_grid:
        base = intervene(base, "legs_position", value=torch.linspace(0, 1, n))
    paths = intervention_paths(model, base, factors=factors, points=points, output=output,
                               batch_size=batch_size, device=device, forward=forward,
                               progress=progress)
    t1 = time.perf_counter()
    test = permutation_test(paths.outputs, permutations=permutations, alpha=alpha, seed=seed)
    t2 = time.perf_counter()
    table = test.global_frame(paths.factors).sort_values("score", ascending=False)
    table.to_csv(out / "property_gradients.csv", index=False)
    local = test.local_frame(paths.factors)
    scenes = base.to_frame().reset_index(drop=True)
    local = local.join(scenes.add_prefix("scene_"), on="image")
    local.to_csv(out / "local_scores.csv", index=False)
    np.savez_compressed(out / "paths.npz", outputs=paths.outputs,
                        factors=np.array(paths.factors),
                        **{f"grid_{f}": g for f, g in paths.grids.items()})
    name = getattr(model, "bundle_hash", "")
    plots.global_figure(paths, test, out / "property_gradients.png",
                        title=f"Property gradients of model {name[:12]}: {n} {sampler} images, "
                              f"{points} points per factor")
    if "color" in paths.factors:
        strength = ColorBias().strength_at if sampler == "study" else None
        plots.local_bias_figure(
            paths, test, out / "local_bias.png",
            bias_strength=(lambda legs: strength(torch.as_tensor(legs)).numpy())
            if strength else None)
    summary = {
        "model": name, "generator": code_version(), "n": n, "points": points,
        "permutations": permutations, "alpha": alpha, "seed": seed, "sampler": sampler,
        "legs_grid": legs_grid, "output": output, "forward": forward, "scheme": test.scheme, "alternative": test.alternative,
        "grid_spacing": "unit steps (the score is per step of the grid)",
        "seconds": {**{k: round(v, 2) for k, v in paths.seconds.items()},
                    "paths_total": round(t1 - t0, 2), "permutation_test": round(t2 - t1, 2)},
        "ranking": table["factor"].tolist(),
    }
    (out / "run.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def add_options(parser) -> None:
    """The options of ``python -m explainers.interventions.run`` and of ``manage.py
    property_gradients`` (one list for both)."""
    add = parser.add_argument
    add("--checkpoint", default=None, help="bundle folder (default: the study model)")
    add("--n", type=int, default=1000)
    add("--points", type=int, default=DEFAULT_POINTS)
    add("--permutations", type=int, default=DEFAULT_PERMUTATIONS)
    add("--alpha", type=float, default=DEFAULT_ALPHA)
    add("--seed", type=int, default=0)
    add("--sampler", default="study")
    add("--output", default="probability", choices=["probability", "logit"])
    add("--factors", nargs="+", default=list(FACTORS), choices=list(FACTORS))
    add("--legs-grid", action="store_true",
        help="set the images' legs positions to n equidistant values over [0, 1]")
    add("--batch-size", type=int, default=256)
    add("--device", default="cpu")
    add("--forward", default="frozen", choices=["frozen", "eager"],
        help="frozen TorchScript copy of the model (default) or the model itself")
    add("--out", required=True)


def run_from_options(options: dict, *, progress=None) -> dict:
    """Load ``options["checkpoint"]`` (default: the study model) and :func:`run` it with the
    parsed options of :func:`add_options`."""
    from explainers.models import DEFAULT_CHECKPOINT
    from explainers.models.model_registry import load_model

    model = load_model(options["checkpoint"] or DEFAULT_CHECKPOINT,
                       device=options["device"]).eval()
    return run(model, out=options["out"], n=options["n"], points=options["points"],
               permutations=options["permutations"], alpha=options["alpha"],
               seed=options["seed"], sampler=options["sampler"], output=options["output"],
               factors=options["factors"], batch_size=options["batch_size"],
               device=options["device"], legs_grid=options["legs_grid"],
               forward=options["forward"], progress=progress)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Gradual interventions and property gradients.")
    add_options(p)
    a = p.parse_args(argv)

    def progress(done, total):
        print(f"{done}/{total} images rendered and read", file=sys.stderr, flush=True)

    print(json.dumps(run_from_options(vars(a), progress=progress), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
