"""Held-out evaluation: accuracy, logit statistics, bits per dimension, reconstruction error."""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from .classifier import FlowClassifier


@torch.no_grad()
def evaluate_set(model: FlowClassifier, data, *, batch_size: int = 256) -> dict:
    """Metrics of ``model`` on a :class:`~explainers.models.data.RenderedSet`."""
    was_training = model.training
    model.eval()
    logits, bpd, recon = [], [], 0.0
    for start in range(0, len(data), batch_size):
        idx = torch.arange(start, min(start + batch_size, len(data)), device=data.labels.device)
        x, _ = data.batch(idx)
        enc = model.encode(x)
        logits.append(model.logit_from_z(enc.z).cpu())
        recon = max(recon, float((model.decode(enc) - x.to(model.device)).abs().max()))
        bpd.append(model.forward_train(x)[1].cpu())
    model.train(was_training)
    logits = torch.cat(logits).double().numpy()
    labels = data.labels.cpu().double().numpy()
    q = np.quantile(logits, [0.005, 0.05, 0.25, 0.5, 0.75, 0.95, 0.995])
    return {
        "n": int(len(labels)),
        "accuracy": float(((logits > 0) == (labels > 0.5)).mean()),
        "logit_mean": float(logits.mean()),
        "logit_std": float(logits.std()),
        "logit_quantiles": {k: float(v) for k, v in zip(
            ["0.5%", "5%", "25%", "50%", "75%", "95%", "99.5%"], q, strict=True)},
        "bits_per_dim": float(torch.cat(bpd).mean()),
        "max_reconstruction_error": recon,
    }


def evaluate_model(model, *, n: int = 2000, sampler: str = "study", seed: int = 1,
                   sampler_kwargs: dict | None = None, progress: bool = True) -> dict:
    """Evaluate on ``n`` freshly generated scenes (seeded; disjoint from the training seeds as
    long as the seeds differ)."""
    from .data import render_set

    data = render_set(sampler, n, seed=seed, image_size=model.image_size, device=model.device,
                      sampler_kwargs=sampler_kwargs, desc="held-out data")
    result = evaluate_set(model, data)
    result.update(sampler=sampler, seed=seed, checkpoint_hash=model.bundle_hash)
    return result


@torch.no_grad()
def counterfactual_check(model, *, n: int = 200, seed: int = 9, steps: int = 5,
                         sampler: str = "study") -> dict:
    """Counterfactuals spanning the central 99% of the logits of ``n`` fresh images: how far the
    re-encoded logits land from the targets, relative to the span."""
    from .counterfactual import counterfactual
    from .data import render_set
    from .ground_truth import logit_range

    data = render_set(sampler, n, seed=seed, image_size=model.image_size, device=model.device,
                      desc="counterfactual check")
    x = data.images.float() / 255
    lo, hi = logit_range(model.logit(x).cpu().numpy(), 0.99)
    targets = torch.linspace(lo, hi, steps, device=model.device).expand(n, steps)
    res = counterfactual(model, x, targets)
    err = ((res.achieved_logits - targets).abs() / (hi - lo)).flatten().cpu()
    return {"span": [lo, hi], "n": n, "steps": steps,
            "relative_error_max": float(err.max()),
            "relative_error_p99": float(err.quantile(0.99)),
            "relative_error_median": float(err.median()),
            "within_1pct": float((err < 0.01).float().mean())}


def main(argv=None) -> int:
    from .checkpoint import load_checkpoint

    p = argparse.ArgumentParser(description="Evaluate a checkpoint on held-out generated data.")
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--sampler", default="study")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--counterfactuals", type=int, default=0,
                   help="also check N counterfactual rows (target logit reached?)")
    a = p.parse_args(argv)
    model = load_checkpoint(a.checkpoint, device=a.device)
    result = evaluate_model(model, n=a.n, sampler=a.sampler, seed=a.seed)
    if a.counterfactuals:
        result["counterfactuals"] = counterfactual_check(model, n=a.counterfactuals)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
