"""Held-out evaluation: accuracy, logit statistics, bits per dimension, reconstruction error."""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from .classifier import FlowClassifier


@torch.no_grad()
def evaluate_set(model: FlowClassifier, data, *, batch_size: int = 256) -> dict:
    """Metrics of ``model`` on a :class:`~explainers.models.training_data.RenderedSet`."""
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
    from .training_data import render_set

    data = render_set(sampler, n, seed=seed, image_size=model.image_size, device=model.device,
                      sampler_kwargs=sampler_kwargs, desc="held-out data", progress=progress)
    result = evaluate_set(model, data)
    result.update(sampler=sampler, seed=seed, checkpoint_hash=model.bundle_hash)
    return result


@torch.no_grad()
def counterfactual_check(model, *, n: int = 200, seed: int = 9, search_steps: int = 16,
                         sampler: str = "study") -> dict:
    """How far re-encoded counterfactuals land from their target logits, relative to the span.

    Two sets of targets per image: ``"span"``, five evenly spaced over the central 99% of the
    logits of ``n`` fresh images (the harshest: the ends are the 0.5% and 99.5% quantiles), and
    ``"columns"``, the study grid's five column centres (1st-99th percentile range cut into five
    bins). Each is measured three ways: the exact inverse re-encoded without clamping
    (``"unclamped"``; equal to the target up to float32 saturation of pixels far outside
    [0, 1]), the inverse clamped and rounded to 8 bit as shown with the closed-form alpha
    (``"shown_closed_form"``), and as shown with alpha searched (``"shown_searched"``,
    tolerance 0.1% of the span, ``search_steps`` corrections at most).
    """
    from .counterfactual import counterfactual
    from .training_data import render_set

    data = render_set(sampler, n, seed=seed, image_size=model.image_size, device=model.device,
                      desc="counterfactual check")
    x = data.images.float() / 255
    enc = model.encode(x)
    logits = model.logit_from_z(enc.z).cpu().double().numpy()
    lo, hi = np.quantile(logits, [0.005, 0.995])
    sets = {"span": (np.linspace(lo, hi, 5), hi - lo), "columns": _column_centres(logits)}
    out = {"n": n, "seed": seed, "sampler": sampler, "search_steps": search_steps}
    for name, (centres, width) in sets.items():
        targets = torch.as_tensor(centres, dtype=torch.float32,
                                  device=model.device).expand(n, len(centres))
        wide = enc.repeat_interleave(len(centres))
        alphas = (targets.flatten() - model.logit_from_z(wide.z)) / (model.w @ model.w)
        raw = model.decode(wide.with_z(wide.z + alphas[:, None] * model.w), clamp=False)
        runs = {"unclamped": model.logit(raw).view(n, -1),
                "shown_closed_form": counterfactual(model, x, targets, quantize=True),
                "shown_searched": counterfactual(model, x, targets, search_steps=search_steps,
                                                 tol=1e-3 * width, quantize=True)}
        result = {"targets": [float(t) for t in centres], "width": float(width)}
        for how, res in runs.items():
            achieved = res if isinstance(res, torch.Tensor) else res.achieved_logits
            err = ((achieved - targets).abs() / width).cpu()
            # float32 saturates far from the data (sigmoid -> 0 or 1, whose logit is infinite):
            # such a logit counts as a miss, and the error figures are over the finite ones
            finite = torch.isfinite(err)
            hit = finite & (err < 0.01)
            result[how] = {"within_1pct": float(hit.float().mean()),
                           "rows_within_1pct": float(hit.all(1).float().mean()),
                           "within_1pct_by_column": [float(v) for v in hit.float().mean(0)],
                           "not_finite": float((~finite).float().mean()),
                           "relative_error_median": float(err[finite].median()),
                           "relative_error_p99": float(err[finite].quantile(0.99)),
                           "relative_error_max": float(err[finite].max())}
        out[name] = result
    return out


@torch.no_grad()
def examples_picture(model, path, *, n: int = 12, seed: int = 9, search_steps: int = 16,
                     pool: int = 400) -> str:
    """PNG of ``n`` held-out start images and their searched counterfactuals at the study grid's
    five column centres (range: p1-p99 of ``pool`` fresh study images)."""
    from .counterfactual import counterfactual
    from .plots import counterfactual_examples
    from .training_data import render_set

    data = render_set("study", pool, seed=seed, image_size=model.image_size,
                      device=model.device, desc="examples")
    x = data.images.float() / 255
    centres, width = _column_centres(model.logit(x).cpu().double().numpy())
    targets = torch.as_tensor(centres, dtype=torch.float32, device=model.device).expand(n, 5)
    res = counterfactual(model, x[:n], targets, search_steps=search_steps, tol=1e-3 * width,
                         quantize=True)
    counterfactual_examples(x[:n], res, centres, width, path)
    return str(path)


def _column_centres(logits: np.ndarray) -> tuple[np.ndarray, float]:
    """The study grid's five column centres (the p1-p99 range of ``logits`` cut into fifths, as
    ``explainers.plugins.layout`` does it) and the width of that range."""
    lo, hi = np.percentile(logits, [1, 99])
    edges = np.linspace(lo, hi, 6)
    return (edges[:-1] + edges[1:]) / 2, float(hi - lo)


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
    p.add_argument("--search-steps", type=int, default=16,
                   help="alpha corrections of the searched counterfactuals in that check")
    p.add_argument("--examples", metavar="PNG",
                   help="also draw 12 start images with their searched counterfactuals at the "
                        "study grid's column centres")
    a = p.parse_args(argv)
    model = load_checkpoint(a.checkpoint, device=a.device)
    result = evaluate_model(model, n=a.n, sampler=a.sampler, seed=a.seed)
    if a.counterfactuals:
        result["counterfactuals"] = counterfactual_check(model, n=a.counterfactuals,
                                                         search_steps=a.search_steps)
    if a.examples:
        result["examples"] = examples_picture(model, a.examples, search_steps=a.search_steps)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
