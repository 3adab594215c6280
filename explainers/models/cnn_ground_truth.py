"""Measured ground truth of a model without features (the CNN): per factor flip %, median
|dlogit| and R^2 (:func:`explainers.models.ground_truth.factor_importance`), and the answer key.

``python -m explainers.models.cnn_ground_truth --checkpoint checkpoints/cnn --n 1000``
writes ``ground_truth.json`` (and ``.md``) into the bundle, in the INN's format less the
INN-only parts (feature-change angles, observer, counterfactual changes). Nothing here imports
Django.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd
import torch

from .checkpoint import read_json
from .feature_importance import RULE
from .ground_truth import R2_THRESHOLD, answer_key, factor_importance
from .model_registry import load_model


def run(checkpoint, *, n: int, seed: int = 0, sampler: str = "study",
        threshold: float = R2_THRESHOLD, threads: int = 1) -> dict:
    torch.set_num_threads(threads)
    model = load_model(checkpoint)
    started = time.time()
    factors = factor_importance(model, n=n, sampler=sampler, seed=seed, progress=False)
    result = {"checkpoint_hash": model.bundle_hash,
              "dataset_hash": read_json(checkpoint, "dataset.json").get("hash", ""),
              "model_plugin": model.info.plugin, "sampler": sampler, "n": n, "seed": seed,
              "r2_threshold": threshold, "rule": RULE, "factors": factors,
              "answer_key": answer_key(factors, threshold),
              "seconds": round(time.time() - started, 1), "device": "cpu", "threads": threads}
    out = Path(checkpoint)
    (out / "ground_truth.json").write_text(json.dumps(result, indent=2) + "\n")
    table = pd.DataFrame(factors).T.sort_values("r2", ascending=False)
    table.index.name = "factor"
    lines = ["# Ground truth", "", f"checkpoint `{result['checkpoint_hash'][:16]}`, {n} scenes "
             f"from sampler `{sampler}`, seed {seed}.", "", table.to_markdown(floatfmt=".3f"), "",
             "## Answer key", "", f"{RULE} r2_threshold = {threshold}.", ""]
    lines += [f"- {k}: **{v}**" for k, v in result["answer_key"].items()]
    (out / "ground_truth.md").write_text("\n".join(lines) + "\n")
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Measure a feature-less model's ground truth.")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    result = run(a.checkpoint, n=a.n, seed=a.seed)
    print(json.dumps({"answer_key": result["answer_key"],
                      "r2": {f: round(v["r2"], 4) for f, v in result["factors"].items()}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
