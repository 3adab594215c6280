"""INN counterfactuals: x' = phi^-1(phi(x) + alpha w) with alpha = (target - f(x)) / (w^T w)."""

from __future__ import annotations

import dataclasses

import torch

from .classifier import FlowClassifier


@dataclasses.dataclass
class CounterfactualResult:
    """``images`` [N, 3, H, W] (or [N, K, 3, H, W] for a [N, K] target), ``achieved_logits``
    (logits of the decoded images, re-encoded), ``alphas`` the step sizes along w, ``clipped``
    the fraction of each image's pixel values that the exact inverse put outside [0, 1] (they are
    clamped; where it is above ~0.1% the counterfactual has left the data and the achieved logit
    can miss the target)."""

    images: torch.Tensor
    achieved_logits: torch.Tensor
    alphas: torch.Tensor
    clipped: torch.Tensor | None = None  # fraction of pixels the inverse put outside [0, 1]


@torch.no_grad()
def counterfactual(model: FlowClassifier, x: torch.Tensor, target_logits) -> CounterfactualResult:
    """Move each image's features along w until the linear classifier outputs ``target_logits``.

    ``target_logits``: a number, ``[N]`` (one target per image) or ``[N, K]`` (K targets per
    image, e.g. one row of a counterfactual grid).
    """
    enc = model.encode(x)
    n = enc.z.shape[0]
    target = torch.as_tensor(target_logits, dtype=torch.float32, device=model.device)
    if target.ndim == 0:
        target = target.expand(n)
    if target.ndim not in (1, 2) or target.shape[0] != n:
        raise ValueError(f"target_logits must be a number, [N] or [N, K] with N={n}")
    grid = target.ndim == 2
    k = target.shape[1] if grid else 1
    w = model.w.detach()
    current = model.logit_from_z(enc.z)
    alphas = (target.reshape(n, k) - current[:, None]) / (w @ w)
    if grid:
        enc = enc.repeat_interleave(k)
    z = enc.z + alphas.reshape(-1, 1) * w
    raw = model.decode(enc.with_z(z), clamp=False)
    clipped = ((raw < 0) | (raw > 1)).float().flatten(1).mean(1)
    images = raw.clamp(0, 1)
    achieved = model.logit(images)
    if grid:
        return CounterfactualResult(
            images=images.view(n, k, *images.shape[1:]),
            achieved_logits=achieved.view(n, k),
            alphas=alphas,
            clipped=clipped.view(n, k),
        )
    return CounterfactualResult(images=images, achieved_logits=achieved, alphas=alphas.view(n),
                                clipped=clipped)
