"""The shared part of the attribution explainers (saliency, Integrated Gradients, Grad-CAM).

Images are drawn as in the baseline (``rows`` per column of the 10x5 logit-binned layout, five
logit columns labelled with the model's class names). Every drawn image is shown twice, the
original above and its attribution map laid over it below, so the grid has ``2 * rows`` rows
(labelled ``image`` and the method's name). ``target`` says what is attributed: ``predicted``
(default) the evidence for the class the model predicts for that image (the logit times its
sign), ``logit`` the logit itself (evidence for the positive class). The map shown is the
attribution smoothed by a Gaussian of ``smooth_sigma`` pixels (pixel-level maps are speckled;
0 shows them raw; Grad-CAM's upsampled maps are smooth already and default to 0), its positive
part normalised per image to [0, 1] by its ``clip_percentile``
percentile (so one bright pixel does not wash out the rest), laid over the image with the
colour map ``cmap`` at opacity ``alpha`` where the map is high; the grid's colour scale (in
``meta["colour_scale"]``) explains the colours. Each overlay cell records the raw attribution
sum, the normalisation scale and the logit. Nothing here imports Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from scipy.ndimage import gaussian_filter

from .base import Cell, ParamError, Stimulus
from .heatmap import heat_overlay
from .layout import bin_edges, column_labels, draw_binned, logit_range

CMAPS = ("inferno", "magma", "viridis", "jet", "turbo")


@dataclass(frozen=True)
class AttributionParams:
    rows: int = 5
    percentiles: tuple[float, float] = (1.0, 99.0)
    target: Literal["predicted", "logit"] = "predicted"
    alpha: float = 0.6
    clip_percentile: float = 99.0
    cmap: Literal["inferno", "magma", "viridis", "jet", "turbo"] = "inferno"
    batch_size: int = 25
    smooth_sigma: float = 1.5

    def check(self):
        if not 1 <= self.rows <= 25:
            raise ParamError(f"rows must be between 1 and 25, got {self.rows}")
        lo, hi = self.percentiles
        if not 0 <= lo < hi <= 100:
            raise ParamError(f"percentiles must satisfy 0 <= lo < hi <= 100, got {self.percentiles}")
        if not 0 < self.alpha <= 1:
            raise ParamError(f"alpha must lie in (0, 1], got {self.alpha}")
        if not 50 <= self.clip_percentile <= 100:
            raise ParamError(f"clip_percentile must lie in [50, 100], got {self.clip_percentile}")
        if not 0 <= self.smooth_sigma <= 8:
            raise ParamError(f"smooth_sigma must lie in [0, 8] pixels, got {self.smooth_sigma}")
        if not 1 <= self.batch_size <= 500:
            raise ParamError(f"batch_size must be between 1 and 500, got {self.batch_size}")


def signed_forward(model, sign: torch.Tensor):
    """``x -> sign * logit(x)``: the evidence each image's ``sign`` asks for (captum's
    ``forward_func``; one scalar per image, so no ``target`` is needed). Integrated Gradients
    stacks whole batches of path steps (step-major), so ``sign`` repeats along them."""
    def forward(x):
        repeats, rest = divmod(x.shape[0], len(sign))
        if rest:
            raise ValueError(f"a batch of {x.shape[0]} inputs for {len(sign)} images")
        return model.logit(x) * sign.to(x.device).repeat(repeats)
    return forward


def normalise(heat: np.ndarray, percentile: float) -> tuple[np.ndarray, float]:
    """Positive part of ``heat`` divided by its ``percentile`` percentile, clipped to [0, 1]."""
    positive = np.maximum(heat, 0)
    scale = float(np.percentile(positive, percentile))
    if scale <= 0:
        scale = float(positive.max())
    return (np.clip(positive / scale, 0, 1) if scale > 0 else positive), scale


def render_attribution(explainer, model, data, rng: torch.Generator, p: AttributionParams,
                       attribute, *, label: str, meta: dict) -> Stimulus:
    """The grid of originals and overlays; ``attribute(x, sign) -> [n, H, W]`` (numpy) gives
    the attribution maps of float images ``x`` for the evidence ``sign * logit``."""
    pool = data.pool()
    logits = pool.logits(model)
    lo, hi = logit_range(logits, p.percentiles)
    edges = bin_edges(lo, hi)
    chosen = draw_binned(logits, edges, p.rows, rng)
    flat = chosen.reshape(-1)
    device = next(model.parameters()).device
    heats = []
    for start in range(0, len(flat), p.batch_size):
        index = flat[start : start + p.batch_size]
        x = pool.float_images(index, device).requires_grad_()
        if p.target == "predicted":
            sign = torch.where(torch.as_tensor(logits[index]) >= 0, 1.0, -1.0).float()
        else:
            sign = torch.ones(len(index))
        heats.append(attribute(x, sign))
    heats = np.concatenate(heats).reshape(*chosen.shape, *heats[0].shape[1:])
    rows, row_labels = [], []
    for r in range(p.rows):
        originals, overlays = [], []
        for c in range(chosen.shape[1]):
            i = int(chosen[r, c])
            image = pool.images[i].permute(1, 2, 0).numpy()
            shown = heats[r, c]
            if p.smooth_sigma > 0:  # pixel attributions are speckled: smooth them for display
                shown = gaussian_filter(shown.astype(np.float64), p.smooth_sigma, mode="nearest")
            heat, scale = normalise(shown, p.clip_percentile)
            extra = {"pool_index": i, "bin": [float(edges[c]), float(edges[c + 1])],
                     "logit_range": [lo, hi]}
            originals.append(Cell(image, logits[i], pool.scene(i), {**extra, "shows": "image"}))
            overlays.append(Cell(heat_overlay(image, heat, alpha=p.alpha, cmap=p.cmap),
                                 logits[i], pool.scene(i),
                                 {**extra, "shows": label, "attribution_sum":
                                  float(heats[r, c].sum()), "scale": scale}))
        rows += [originals, overlays]
        row_labels += ["image", label]
    meta = {**meta, "explainer": explainer.name, "target": p.target, "logit_range": [lo, hi],
            "bin_edges": edges.tolist(), "pool_size": len(pool),
            "colour_scale": {"cmap": p.cmap, "alpha": p.alpha,
                             "low": "no evidence", "high": f"strongest evidence "
                             f"(its {p.clip_percentile:g}th percentile)",
                             "title": f"{label}: evidence for the "
                             + ("predicted class" if p.target == "predicted" else
                                f"class {model.class_names[1]}")}}
    return Stimulus(rows, row_labels, column_labels(model.class_names), meta)
