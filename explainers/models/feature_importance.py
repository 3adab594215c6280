"""Ground-truth run: factor importance, observer, counterfactual changes -> JSON/CSV/MD/PNG.

``python -m explainers.models.feature_importance --checkpoint DIR --n 5000 --out DIR``.
The observer is read from ``CHECKPOINT/observer/`` when present, else trained here on unbiased
data (and saved there when ``--save-observer`` is given).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .checkpoint import load_checkpoint, read_json
from .ground_truth import R2_THRESHOLD, answer_key, factor_importance, logit_range
from .observer import (
    counterfactual_changes,
    load_observer,
    observer_mse,
    save_observer,
    train_observer,
)
from .plots import counterfactual_curves, importance_bars

RULE = ("An attribute is 'relevant' when at least one of its factors has R^2 >= r2_threshold "
        "(OLS of the factor's change to the logit's change after resampling that factor alone).")


def get_observer(model, *, folder: Path, train_size: int, test_size: int, epochs: int,
                 seed: int, save: bool, progress: bool):
    """The observer in ``folder`` (or one trained here) and its info; ``info["mse"]`` is always
    measured now, on ``test_size`` unbiased scenes of the current generator, so that a stored
    observer trained on another version of the generator cannot report its old figures (they
    are kept as ``stored_mse``)."""
    from explainers.synthetic import code_version

    from .training_data import render_set

    kw = dict(image_size=model.image_size, device=model.device)
    test = render_set("unbiased", test_size, seed=seed + 8, desc="observer test", **kw)
    if (folder / "observer.pt").is_file():
        obs, meta = load_observer(folder, device=model.device)
        info = {k: v for k, v in meta.items() if k not in ("mse", "log")}
        info.update(stored_mse=meta.get("mse"), mse=observer_mse(obs, test), test_size=test_size,
                    test_seed=seed + 8, measured_on_generator=code_version())
        return obs, info
    train = render_set("unbiased", train_size, seed=seed + 7, desc="observer train", **kw)
    obs, info = train_observer(train, test, image_size=model.image_size, epochs=epochs,
                               seed=seed, progress=progress)
    version = code_version()
    info.update(train_size=train_size, test_size=test_size, test_seed=seed + 8, sampler="unbiased",
                generator_version=version, measured_on_generator=version)
    if save:
        save_observer(obs, folder, info)
    return obs, info


def run(checkpoint=None, *, out, n: int = 5000, seed: int = 0, sampler: str = "study",
        device: str = "cpu", threshold: float = R2_THRESHOLD, observer_dir=None,
        observer_train: int = 20000, observer_test: int = 2000, observer_epochs: int = 15,
        save_observer_to_checkpoint: bool = False, n_counterfactuals: int = 100,
        progress: bool = True) -> dict:
    model = load_checkpoint(checkpoint, device=device)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(observer_dir) if observer_dir else model.checkpoint_dir / "observer"
    factors = factor_importance(model, n=n, sampler=sampler, seed=seed, progress=progress)
    observer, obs_info = get_observer(
        model, folder=folder, train_size=observer_train, test_size=observer_test,
        epochs=observer_epochs, seed=seed, save=save_observer_to_checkpoint, progress=progress)
    from .training_data import render_set

    pool = render_set(sampler, max(n_counterfactuals, 1000), seed=seed + 11,
                      image_size=model.image_size, device=model.device, desc="cf pool")
    with torch.no_grad():
        logits = torch.cat([model.logit(pool.batch(torch.arange(i, min(i + 250, len(pool)),
                            device=pool.labels.device))[0]) for i in range(0, len(pool), 250)])
    span = logit_range(logits.cpu().numpy(), 0.99)
    x = pool.batch(torch.arange(n_counterfactuals, device=pool.labels.device))[0]
    cf = counterfactual_changes(model, observer, x, span)
    for f, (mean, std) in cf["max_change"].items():
        factors[f]["cf_max_change"] = mean
        factors[f]["cf_max_change_std"] = std
        factors[f]["cf_max_change_clean"] = cf["max_change_clean"][f][0]
    result = {
        "checkpoint_hash": model.bundle_hash,
        "dataset_hash": read_json(model.checkpoint_dir, "dataset.json").get("hash", ""),
        "sampler": sampler, "n": n, "seed": seed,
        "r2_threshold": threshold, "rule": RULE,
        "factors": factors,
        "answer_key": answer_key(factors, threshold),
        "counterfactual_span": list(span), "n_counterfactuals": n_counterfactuals,
        "counterfactual_search_steps": cf["search_steps"],
        "counterfactual_clean_rows": cf["clean_rows"],
        "counterfactual_max_clipped": cf["max_clipped"],
        "counterfactual_target_within_1pct": cf["target_within_1pct"],
        "observer": {"test_mse": obs_info["mse"],
                     **{k: v for k, v in obs_info.items() if k not in ("mse", "log")}},
    }
    write_outputs(result, cf, out)
    return result


def write_outputs(result: dict, cf: dict | None, out: Path) -> None:
    (out / "ground_truth.json").write_text(json.dumps(result, indent=2) + "\n")
    table = pd.DataFrame(result["factors"]).T.sort_values("r2", ascending=False)
    table.index.name = "factor"
    table.to_csv(out / "ground_truth.csv")
    mse = pd.Series(result["observer"]["test_mse"], name="observer_test_mse")
    lines = ["# Ground truth", "", f"checkpoint `{result['checkpoint_hash'][:16]}`, "
             f"{result['n']} scenes from sampler `{result['sampler']}`, seed {result['seed']}.",
             "", table.to_markdown(floatfmt=".3f"), "", "## Observer test MSE", "",
             mse.to_frame().to_markdown(floatfmt=".5f"), "", "## Answer key", "",
             result["rule"] + f" r2_threshold = {result['r2_threshold']}.", ""]
    lines += [f"- {k}: **{v}**" for k, v in result["answer_key"].items()]
    (out / "ground_truth.md").write_text("\n".join(lines) + "\n")
    importance_bars(result["factors"], out / "importance.png", result["r2_threshold"])
    if cf is not None:
        counterfactual_curves(cf, out / "counterfactual_factors.png")
        np.savez_compressed(out / "counterfactual_curves.npz", targets=cf["targets"],
                            clean=cf["clean"],
                            **cf["curves"])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Measure ground-truth feature importance.")
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--n", type=int, default=5000)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threshold", type=float, default=R2_THRESHOLD)
    p.add_argument("--observer", default=None, help="observer folder (default CHECKPOINT/observer)")
    p.add_argument("--observer-train", type=int, default=20000)
    p.add_argument("--observer-epochs", type=int, default=15)
    p.add_argument("--save-observer", action="store_true")
    p.add_argument("--counterfactuals", type=int, default=100)
    a = p.parse_args(argv)
    result = run(a.checkpoint, out=a.out, n=a.n, seed=a.seed, device=a.device,
                 threshold=a.threshold, observer_dir=a.observer, observer_train=a.observer_train,
                 observer_epochs=a.observer_epochs, save_observer_to_checkpoint=a.save_observer,
                 n_counterfactuals=a.counterfactuals)
    print(json.dumps({"answer_key": result["answer_key"],
                      "r2": {f: round(v["r2"], 4) for f, v in result["factors"].items()}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
