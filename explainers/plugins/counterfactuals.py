"""INN counterfactuals (paper section 4): each row moves one hidden start image along ``w``.

Same 10x5 layout and logit range as the baseline. Row ``r`` starts from a validation image drawn
at random (its logit inside the range; the image itself is not shown) and shows
``phi^-1(phi(x) + alpha w)`` for the five column centres as target logits. Each alpha is found
by a search on the image as shown (clamped to the valid pixel range and rounded to 8 bit; at most
``refine_steps`` corrections, see :func:`explainers.models.counterfactual`) until its logit is
within 0.1% of the logit range of the target; the logit the displayed image really has is the
cell's ``logit``; target, alpha and the start image are in ``extra``.

A grid never shows a column that does not hold what it claims, nor the inverse's artefacts: a
start image whose row misses any target by more than ``max_error`` (a fraction of the logit
range, default 1%), or has a cell where the inverse put more than ``max_clipped`` (default 1%) of
the pixel values outside [0, 1] before clamping (the inverse of a flow can produce coloured
noise far from the data, see research/model-runs/README.md), is rejected and the next random start image
is tried. Rejected start images are counted in ``meta``, by reason; if
``max_starts`` start images give fewer than ``rows`` good rows, the render fails with a clear
:class:`CounterfactualError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from explainers.models import counterfactual

from .base import Cell, Explainer, ParamError, Stimulus, StimulusError, as_uint8_image
from .baseline import BinnedParams
from .layout import COLUMN_LABELS, bin_centres, bin_edges, bin_of, logit_range
from .needs import Need


@dataclass(frozen=True)
class CounterfactualParams(BinnedParams):
    refine_steps: int = 16
    max_error: float = 0.01
    max_starts: int = 200
    max_clipped: float = 0.01

    def check(self):
        super().check()
        if not 0 <= self.refine_steps <= 50:
            raise ParamError(f"refine_steps must be between 0 and 50, got {self.refine_steps}")
        if not 0 < self.max_error <= 1:
            raise ParamError(f"max_error must lie in (0, 1], got {self.max_error}")
        if not 0 <= self.max_clipped <= 1:
            raise ParamError(f"max_clipped must lie in [0, 1], got {self.max_clipped}")
        if self.max_starts < self.rows:
            raise ParamError(f"max_starts must be at least rows ({self.rows})")


class CounterfactualError(StimulusError):
    """Too few start images give clean counterfactuals that reach every column's logit."""


class INNCounterfactuals(Explainer):
    name = "inn"
    version = "2"  # 2: alpha searched on the shown 8-bit image
    Params = CounterfactualParams
    needs = frozenset({Need.LOGITS, Need.INVERTIBLE})

    def render(self, model, data, *, rng: torch.Generator, **params) -> Stimulus:
        p = self.params(**params)
        pool = data.pool()
        logits = pool.logits(model)
        lo, hi = logit_range(logits, p.percentiles)
        edges = bin_edges(lo, hi)
        centres = bin_centres(edges)
        inside = np.flatnonzero(bin_of(logits, edges) >= 0)
        candidates = inside[torch.randperm(len(inside), generator=rng).numpy()][: p.max_starts]
        rows, tried, worst, missed, clipped_out = [], 0, 0.0, 0, 0
        while len(rows) < p.rows and tried < len(candidates):
            # twice the rows still missing (most start images give a good row); rows are taken
            # in candidate order, so the batch size never changes which rows are shown
            batch = candidates[tried : tried + max(4, 2 * (p.rows - len(rows)))]
            tried += len(batch)
            x = pool.float_images(batch, model.device)
            target = torch.as_tensor(np.tile(centres, (len(batch), 1)), dtype=torch.float32)
            images, shown, alphas, steps, clipped = _reach(model, x, target, p.refine_steps,
                                                           tol=1e-3 * (hi - lo))
            miss = np.abs(shown - centres[None, :]).max(axis=1) / (hi - lo)
            worst = max(worst, float(miss.max()))
            reaches, clean = miss <= p.max_error, clipped.max(axis=1) <= p.max_clipped
            missed += int((~reaches).sum())
            clipped_out += int((reaches & ~clean).sum())
            rows += [(batch[i], images[i], shown[i], alphas[i], steps[i], clipped[i])
                     for i in np.flatnonzero(reaches & clean)]
        if len(rows) < p.rows:
            raise CounterfactualError(
                f"only {len(rows)} of {tried} start images give counterfactuals within "
                f"{p.max_error:.2%} of the logit range of all five columns (worst miss "
                f"{worst:.2%}) with at most {p.max_clipped:.2%} of pixel values clamped "
                f"({missed} missed a target, {clipped_out} more were clamped); {p.rows} rows "
                "are needed. The model's inverse is not reliable that far along w: use a "
                "better-trained checkpoint, or raise max_starts, max_error or max_clipped."
            )
        accepted, rows = len(rows), rows[: p.rows]
        cells = [
            [
                Cell(
                    image=images[c],
                    logit=shown[c],
                    scene=pool.scene(start),
                    extra={
                        "start_index": int(start),
                        "start_logit": float(logits[start]),
                        "target_logit": float(centres[c]),
                        "alpha": float(alphas[c]),
                        "clipped": float(clipped[c]),
                        "bin": [float(edges[c]), float(edges[c + 1])],
                        "logit_range": [lo, hi],
                    },
                )
                for c in range(len(centres))
            ]
            for start, images, shown, alphas, _, clipped in rows
        ]
        errors = np.array([[abs(cell.logit - centres[c]) for c, cell in enumerate(row)]
                           for row in cells])
        meta = {"logit_range": [lo, hi], "percentiles": list(p.percentiles),
                "bin_edges": edges.tolist(), "targets": centres.tolist(),
                "start_indices": [int(r[0]) for r in rows], "starts_tried": tried,
                "starts_rejected": tried - accepted, "starts_missing_a_target": missed,
                "starts_clamped": clipped_out,
                "largest_clipped": float(max(r[5].max() for r in rows)),
                "largest_miss": float(errors.max()), "refinements": [int(r[4]) for r in rows]}
        return Stimulus(cells, [""] * p.rows, list(COLUMN_LABELS), meta)


@torch.no_grad()
def _reach(model, x: torch.Tensor, target: torch.Tensor, refine_steps: int, *, tol: float):
    """Counterfactual images (uint8 [R, K, H, W, 3]) as shown, their logits, the alphas, the
    search steps used per row and the share of each image's pixel values that were clamped."""
    result = counterfactual(model, x, target.to(model.device), search_steps=refine_steps,
                            tol=tol, quantize=True)
    images = np.stack([[as_uint8_image(im) for im in row] for row in result.images.cpu()])
    return (images, result.achieved_logits.double().cpu().numpy(),
            result.alphas.float().cpu().numpy(), result.steps.amax(dim=1).cpu().numpy(),
            result.clipped.double().cpu().numpy())
