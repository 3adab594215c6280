"""Counterfactual-lever probes (issue #21): which lever makes the INN's rows change the factors
the model relies on, as the observer reads them?

Each probe prints one row (and appends one JSON object to ``--jsonl``): held-out accuracy, the
observer's ``cf_max_change`` per factor along counterfactual rows (all rows and the clean rows,
as ``explainers.models.feature_importance`` measures it: 11 targets over the central 99% of the
logits of a pool of study scenes, alpha searched on the 8-bit image), the share of cells that
reach their target within 1% of the span, and a cheap ground-truth pattern check (R^2 of every
factor on ``--n-truth`` scenes: legs > color > shape, every other factor < 0.05; at n 500 the
R^2 of a factor near 0.05 is noisy, about +-0.02).

    # the logit span of the grid: no training, on a stored bundle (the cheapest lever)
    python benchmarks/cf_levers.py span --checkpoint checkpoints/study --scales 1 1.5 2 3
    # a small flow trained for a fixed number of steps with one lever changed, then measured
    python benchmarks/cf_levers.py train --lever base --steps 400 --out /tmp/cfl/base
    python benchmarks/cf_levers.py train --lever beta=0.25 --steps 400 --out /tmp/cfl/beta
    # a bundle trained further: --resume with more steps (the cosine schedule is re-spread)
    python benchmarks/cf_levers.py train --lever base --steps 800 --out /tmp/cfl/base --resume
    python benchmarks/cf_levers.py measure --checkpoint DIR
    # a trained model's full checks against the issue: target met, everything kept? (exit 1 if not)
    python benchmarks/cf_levers.py verdict --ground-truth DIR/ground_truth.json --eval eval.json

Levers (``--lever``, one per probe): ``base`` (the small flow below), ``beta=B`` (the BCE's
weight; a smaller beta is a larger share for the NLL), ``image_size=32`` (the same flow without
its last level, at 32x32), ``classifier_level=L``, ``split_prior=false``, or any other
``model.``/``train.`` key of the config as ``key=value``. The steps are fixed, not the minutes,
so probes measured on a loaded machine stay comparable.

The observer (``checkpoints/study/observer``) reads 64x64 images; a 32x32 model's images are
upsampled to 64 bilinearly before it reads them, and the probe reports the observer's error on
32x32 renders so upsampled, next to its error on 64x64 renders, so that one can see whether the
legs stay readable. Nothing this script writes is meant to ship; a model that might ship is
trained with ``explainers.models.train`` and measured by ``feature_importance``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RELIED_ON = ("legs_position", "color", "shape")
TARGET = {"legs_position": 0.33, "color": 0.22, "shape": 0.31}  # half of the paper's Table 6
SHIPPED_OBSERVER = ROOT / "checkpoints" / "study" / "observer"

BASE = {
    "model": {"image_size": 64, "steps": [1, 2, 3, 2, 1], "hidden": [16, 32, 48, 48, 32],
              "classifier_level": 2, "activation_layer": "2.1", "classifier_norm": 20.0,
              "split_prior": True},
    "train": {"sampler": "study", "train_size": 0, "val_size": 200, "batch_size": 32,
              "lr": 1e-3, "warmup_steps": 50, "beta": 1.0, "epochs": 1, "max_steps": 300,
              "checkpoint_every": 100000, "log_every": 50, "data_seed": 12345,
              "grad_clip": 50.0},
}


def lever_config(lever: str, steps: int) -> dict:
    """BASE with one lever changed (``base`` or ``key=value``) and ``steps`` training steps."""
    import copy

    cfg = copy.deepcopy(BASE)
    cfg["train"]["max_steps"] = steps
    if lever == "base":
        return cfg
    key, sep, raw = lever.partition("=")
    if not sep:
        raise ValueError(f"lever {lever!r}: use 'base' or KEY=VALUE")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    if key == "image_size":
        if value != 32:
            raise ValueError("image_size: only 32 is a probe (the flow without its last level)")
        m = cfg["model"]
        m.update(image_size=32, steps=m["steps"][:-1], hidden=m["hidden"][:-1])
        return cfg
    for part in ("model", "train"):
        if key in cfg[part] or key in _fields(part):
            cfg[part][key] = value
            return cfg
    raise ValueError(f"lever {lever!r}: {key!r} is neither a model nor a train key")


def _fields(part: str) -> set[str]:
    import dataclasses

    from explainers.models.config import ModelConfig, TrainConfig

    return {f.name for f in dataclasses.fields(ModelConfig if part == "model" else TrainConfig)}


class Upsampled(nn.Module):
    """The 64 px observer reading a smaller model's images, upsampled bilinearly."""

    def __init__(self, observer: nn.Module, size: int):
        super().__init__()
        self.observer, self.size = observer, size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.size:
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear",
                              align_corners=False)
        return self.observer(x)


def observer_for(model, folder=SHIPPED_OBSERVER):
    from explainers.models.observer import load_observer

    obs, meta = load_observer(folder, device=model.device)
    return (obs if model.image_size == meta["image_size"]
            else Upsampled(obs, meta["image_size"]).eval())


@torch.no_grad()
def observer_error_at(size: int, folder=SHIPPED_OBSERVER, n: int = 500) -> dict:
    """The observer's test MSE per factor on ``n`` unbiased scenes rendered at ``size`` (and
    upsampled to the observer's size when smaller)."""
    from explainers.models.observer import load_observer, observer_mse
    from explainers.models.training_data import render_set

    obs, meta = load_observer(folder)
    data = render_set("unbiased", n, seed=8, image_size=size, progress=False)
    if size != meta["image_size"]:
        obs = Upsampled(obs, meta["image_size"]).eval()
    return observer_mse(obs, data)


@torch.no_grad()
def cf_changes(model, observer, *, rows: int, scale: float = 1.0, seed: int = 11,
               pool_n: int = 1000) -> dict:
    """``counterfactual_changes`` over the central 99% of a pool's logits (as the ground truth
    measures it), the span widened ``scale`` times around its middle."""
    from explainers.models.ground_truth import logit_range
    from explainers.models.observer import counterfactual_changes
    from explainers.models.training_data import render_set

    pool = render_set("study", max(rows, pool_n), seed=seed, image_size=model.image_size,
                      device=model.device, progress=False)
    logits = torch.cat([model.logit(pool.batch(torch.arange(i, min(i + 250, len(pool))))[0])
                        for i in range(0, len(pool), 250)])
    lo, hi = logit_range(logits.cpu().numpy(), 0.99)
    mid, half = (lo + hi) / 2, (hi - lo) / 2 * scale
    span = (mid - half, mid + half)
    cf = counterfactual_changes(model, observer, pool.batch(torch.arange(rows))[0], span)
    nuisance = [f for f in cf["max_change"] if f not in RELIED_ON]
    out = {"span": [round(s, 2) for s in span], "rows": rows, "clean_rows": cf["clean_rows"],
           "target_within_1pct": cf["target_within_1pct"]}
    for which in ("max_change", "max_change_clean"):
        ch = {f: round(v[0], 4) for f, v in cf[which].items()}
        worst = max(nuisance, key=lambda f: ch[f])
        out[which] = ch
        out[which + "_worst_nuisance"] = [worst, ch[worst]]
    return out


def meets_target(cf: dict) -> bool:
    """Issue #21's target on both the clean and all rows."""
    return all(
        all(cf[w][f] >= t for f, t in TARGET.items())
        and cf[w + "_worst_nuisance"][1] <= cf[w]["legs_position"] / 3
        for w in ("max_change", "max_change_clean"))


def verdict(truth: dict, evaluation: dict) -> dict:
    """Issue #21's target and what it keeps, from a ``feature_importance`` ground truth and an
    ``evaluate --counterfactuals`` result of the same bundle: ``{check: bool}``."""
    factors = truth["factors"]
    if truth["checkpoint_hash"] != evaluation["checkpoint_hash"]:
        raise ValueError("the ground truth and the evaluation are of different bundles")
    checks = {}
    for which in ("cf_max_change", "cf_max_change_clean"):
        ch = {f: v[which] for f, v in factors.items()}
        checks[f"target {which}"] = meets_target({
            "max_change": ch,
            "max_change_worst_nuisance": max(((f, v) for f, v in ch.items()
                                              if f not in RELIED_ON), key=lambda t: t[1]),
            "max_change_clean": ch,
            "max_change_clean_worst_nuisance": max(((f, v) for f, v in ch.items()
                                                    if f not in RELIED_ON), key=lambda t: t[1])})
    r2 = {f: v["r2"] for f, v in factors.items()}
    checks["kept: held-out accuracy >= 97%"] = evaluation["accuracy"] >= 0.97
    checks["kept: R2 legs > color > shape"] = r2["legs_position"] > r2["color"] > r2["shape"]
    checks["kept: every other R2 < 0.05"] = max(
        v for f, v in r2.items() if f not in RELIED_ON) < 0.05
    checks["kept: observer test MSE < 0.005"] = max(truth["observer"]["test_mse"].values()) < 0.005
    shown = evaluation["counterfactuals"]["columns"]["shown_searched"]
    checks["kept: every grid cell reaches its target"] = (
        shown["within_1pct"] == 1.0 and truth["counterfactual_target_within_1pct"] == 1.0)
    return checks


def pattern(model, n: int) -> dict:
    from explainers.models.ground_truth import factor_importance

    r2 = {f: round(v["r2"], 4) for f, v in
          factor_importance(model, n=n, seed=0, progress=False).items()}
    rest = max(v for f, v in r2.items() if f not in RELIED_ON)
    ok = r2["legs_position"] > r2["color"] > r2["shape"] and rest < 0.05
    return {"r2": r2, "pattern_ok": ok, "n_truth": n}


def measure(model, *, rows: int, scales=(1.0,), n_truth: int = 500, n_acc: int = 1000,
            skip_truth: bool = False) -> dict:
    from explainers.models.evaluate import evaluate_model

    model.eval()
    observer = observer_for(model)
    out = {"bundle_hash": model.bundle_hash[:12], "image_size": model.image_size,
           "accuracy": evaluate_model(model, n=n_acc, seed=1, progress=False)["accuracy"],
           "n_acc": n_acc}
    if not skip_truth:
        out.update(pattern(model, n_truth))
    out["cf"] = {str(s): cf_changes(model, observer, rows=rows, scale=s) for s in scales}
    out["meets_target"] = {s: meets_target(c) for s, c in out["cf"].items()}
    return out


def row(label: str, result: dict) -> str:
    """One line per span: legs / color / shape (all rows; clean rows), worst nuisance, reach."""
    lines = []
    for scale, cf in result["cf"].items():
        a, c = cf["max_change"], cf["max_change_clean"]
        lines.append(
            f"{label:<22} x{float(scale):<4g} acc {result['accuracy']:.3f}  "
            f"all {a['legs_position']:.3f}/{a['color']:.3f}/{a['shape']:.3f}  "
            f"clean({cf['clean_rows']}/{cf['rows']}) {c['legs_position']:.3f}/{c['color']:.3f}/"
            f"{c['shape']:.3f}  nuisance {cf['max_change_worst_nuisance'][0]} "
            f"{cf['max_change_worst_nuisance'][1]:.3f}  reach {cf['target_within_1pct']:.3f}  "
            f"pattern {result.get('pattern_ok', '-')}")
    return "\n".join(lines)


def emit(label: str, result: dict, jsonl) -> None:
    print(row(label, result))
    if jsonl:
        with open(jsonl, "a") as fh:
            fh.write(json.dumps({"probe": label, **result}) + "\n")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mode", choices=["span", "train", "measure", "observer", "verdict"])
    p.add_argument("--ground-truth", help="verdict: a feature_importance ground_truth.json")
    p.add_argument("--eval", help="verdict: evaluate --counterfactuals JSON of the same bundle")
    p.add_argument("--checkpoint", help="span/measure: the bundle to measure")
    p.add_argument("--lever", default="base", help="train: base or KEY=VALUE")
    p.add_argument("--steps", type=int, default=400, help="train: training steps (fixed)")
    p.add_argument("--out", help="train: the probe's bundle folder")
    p.add_argument("--resume", action="store_true", help="train: go on from --out's state")
    p.add_argument("--scales", type=float, nargs="+", default=[1.0],
                   help="widen the central-99%% span this many times (1: as the ground truth)")
    p.add_argument("--rows", type=int, default=30, help="counterfactual rows (start images)")
    p.add_argument("--n-truth", type=int, default=500, help="scenes of the R^2 pattern check")
    p.add_argument("--skip-truth", action="store_true", help="no R^2 pattern check")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--jsonl", help="append each probe's result to this file")
    p.add_argument("--label", help="the probe's name in the row (default: the lever)")
    a = p.parse_args(argv)
    if a.mode in ("span", "measure") and not a.checkpoint:
        p.error(f"{a.mode} needs --checkpoint")
    if a.mode == "verdict":
        if not (a.ground_truth and a.eval):
            p.error("verdict needs --ground-truth and --eval")
        checks = verdict(json.loads(Path(a.ground_truth).read_text()),
                         json.loads(Path(a.eval).read_text()))
        for name, ok in checks.items():
            print(f"{'PASS' if ok else 'FAIL'}  {name}")
        return 0 if all(checks.values()) else 1
    if a.mode == "train" and not a.out:
        p.error("train needs --out")
    if a.rows < 1 or a.steps < 1 or min(a.scales) <= 0:
        p.error("--rows, --steps and --scales must be positive")
    if a.mode == "train":
        try:
            cfg_dict = lever_config(a.lever, a.steps)
        except ValueError as exc:
            p.error(str(exc))
    torch.set_num_threads(a.threads)
    from explainers.models.checkpoint import load_checkpoint

    if a.mode == "observer":
        for size in (64, 32):
            mse = observer_error_at(size)
            print(json.dumps({"observer_at_px": size, "upsampled_to_64": size != 64,
                              "mse": {k: round(v, 5) for k, v in mse.items()}}))
        return 0
    t0 = time.perf_counter()
    extra = {}
    if a.mode == "train":
        from explainers.models.config import config_from_dict
        from explainers.models.train import train

        metrics = train(config_from_dict(cfg_dict), a.out, resume=a.resume, progress=False)
        extra = {"lever": a.lever, "steps": metrics["steps"],
                 "train_s": round(time.perf_counter() - t0, 1),
                 "val_bpd": round(metrics["val"]["bits_per_dim"], 3), "config": cfg_dict}
        checkpoint = a.out
    else:
        checkpoint = a.checkpoint
    model = load_checkpoint(checkpoint)
    t1 = time.perf_counter()
    result = measure(model, rows=a.rows, scales=a.scales, n_truth=a.n_truth,
                     skip_truth=a.skip_truth or a.mode == "span")
    result.update(extra, measure_s=round(time.perf_counter() - t1, 1), threads=a.threads)
    label = a.label or (a.lever + (f"@{a.steps}" if a.mode == "train" else "")
                        if a.mode == "train" else Path(checkpoint).name)
    emit(label, result, a.jsonl)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
