"""Measured ground-truth feature importance (paper section 3, Tables 1, 3 and 4).

For every factor, the same base scenes are rendered once as drawn and once with that factor
alone resampled (``explainers.synthetic.intervene``). From the two logits: prediction flip
[%], median absolute logit change, and R^2 of an ordinary least squares fit of the factor's
change to the logit's change. From the classifier features phi(x): length of the change and its
angle with w.
"""

from __future__ import annotations

import numpy as np
import torch

from .progress import progress_bar

R2_THRESHOLD = 0.1


def ols_r2(dx: np.ndarray, dy: np.ndarray) -> float:
    """Coefficient of determination of ``dy ~ a + b dx`` (0 when either side is constant)."""
    dx = np.asarray(dx, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    design = np.column_stack([np.ones_like(dx), dx])
    coef, *_ = np.linalg.lstsq(design, dy, rcond=None)
    ss_res = float(((dy - design @ coef) ** 2).sum())
    ss_tot = float(((dy - dy.mean()) ** 2).sum())
    return 0.0 if ss_tot == 0 else max(0.0, 1.0 - ss_res / ss_tot)


def _features(model, images):
    """(logits, features or None): models without ``encode``/``w`` only give logits."""
    if hasattr(model, "encode") and hasattr(model, "w"):
        z = model.encode(images).z
        return (z @ model.w + model.b).cpu(), z
    return model.logit(images).cpu(), None


@torch.no_grad()
def factor_importance(model, *, n: int = 5000, sampler: str = "study", seed: int = 0,
                      sampler_kwargs: dict | None = None, chunk: int = 250,
                      factors=None, device=None, progress: bool = True) -> dict:
    """Per-factor importance measures of ``model`` (anything with ``logit(x)`` and
    ``image_size``; with ``encode`` and ``w`` the feature-change measures are added too)."""
    from explainers.synthetic import FACTORS, get_sampler, intervene, render

    factors = list(factors or FACTORS)
    device = torch.device(device or getattr(model, "device", "cpu"))
    smp = get_sampler(sampler, **(sampler_kwargs or {}))
    gen = torch.Generator().manual_seed(seed)  # scenes drawn on the CPU: same on every device
    acc = {f: {"dx": [], "l0": [], "l1": [], "norm": [], "angle": [], "abscos": []}
           for f in factors}
    w = model.w.detach() if hasattr(model, "w") else None
    size = model.image_size
    for start in progress_bar(range(0, n, chunk), desc="ground truth",
                              enabled=progress):
        base = smp.sample(min(chunk, n - start), generator=gen)
        l0, z0 = _features(model, render(base.to(device), size=size).images)
        for f in factors:
            changed = intervene(base, f, sampler=smp, generator=gen)
            l1, z1 = _features(model, render(changed.to(device), size=size).images)
            a = acc[f]
            a["dx"].append((getattr(changed, f) - getattr(base, f)).float().cpu())
            a["l0"].append(l0)
            a["l1"].append(l1)
            if z0 is not None:
                dz = z1 - z0
                norm = dz.norm(dim=1)
                cos = (dz @ w) / (norm * w.norm()).clamp_min(1e-12)
                a["norm"].append(norm.cpu())
                a["angle"].append(torch.rad2deg(torch.arccos(cos.clamp(-1, 1))).cpu())
                a["abscos"].append(cos.abs().cpu())
    out = {}
    for f in factors:
        a = {k: torch.cat(v).double().numpy() if v else None for k, v in acc[f].items()}
        dl = a["l1"] - a["l0"]
        row = {
            "prediction_flip_pct": float(100 * ((a["l0"] > 0) != (a["l1"] > 0)).mean()),
            "median_abs_logit_change": float(np.median(np.abs(dl))),
            "r2": ols_r2(a["dx"], dl),
            "n": int(dl.shape[0]),
        }
        if a["norm"] is not None:
            row.update(
                feature_change_norm=float(a["norm"].mean()),
                feature_change_norm_std=float(a["norm"].std()),
                angle_with_w_deg=float(np.nanmean(a["angle"])),
                angle_with_w_deg_std=float(np.nanstd(a["angle"])),
                abs_cos_with_w=float(np.nanmean(a["abscos"])),
            )
        out[f] = row
    return out


def answer_key(factors: dict, threshold: float = R2_THRESHOLD) -> dict[str, str]:
    """attribute -> 'relevant' when any of its factors has R^2 >= ``threshold``."""
    from explainers.synthetic import ATTRIBUTES

    return {
        attr: "relevant"
        if any(factors[f]["r2"] >= threshold for f in members if f in factors)
        else "irrelevant"
        for attr, members in ATTRIBUTES.items()
    }


def logit_range(logits: np.ndarray, coverage: float = 0.99) -> tuple[float, float]:
    """Central ``coverage`` interval of the logit distribution (counterfactual span)."""
    lo = (1 - coverage) / 2
    return float(np.quantile(logits, lo)), float(np.quantile(logits, 1 - lo))
