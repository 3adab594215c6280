"""INN counterfactuals (paper section 4): each row moves one hidden start image along ``w``.

Same 10x5 layout and logit range as the baseline. Row ``r`` starts from a validation image drawn
at random (its logit inside the range; the image itself is not shown) and shows
``phi^-1(phi(x) + alpha w)`` for the five column centres as target logits. The logit each cell
really reaches (re-encoding the displayed 8-bit image) is its ``logit``; target, alpha and the
start image are in ``extra``. If clamping to the valid pixel range moves a logit away from its
target, alpha is corrected (``refine_steps`` times at most) by the remaining difference, until
every cell is within 0.1% of the logit range of its target. A cell still further than
``max_error`` (default 1% of the range) from its target makes the render fail with a clear
:class:`CounterfactualError` rather than show a column that does not hold what it claims.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from explainers.models import counterfactual

from .base import Cell, Explainer, ParamError, Stimulus, StimulusError, as_uint8_image
from .baseline import BinnedParams
from .layout import COLUMN_LABELS, bin_centres, bin_edges, bin_of, logit_range


@dataclass(frozen=True)
class CounterfactualParams(BinnedParams):
    refine_steps: int = 3
    max_error: float = 0.01

    def check(self):
        super().check()
        if not 0 <= self.refine_steps <= 10:
            raise ParamError(f"refine_steps must be between 0 and 10, got {self.refine_steps}")
        if not 0 < self.max_error <= 1:
            raise ParamError(f"max_error must lie in (0, 1], got {self.max_error}")


class CounterfactualError(StimulusError):
    """Some counterfactuals miss their column's logit by more than ``max_error``."""


class INNCounterfactuals(Explainer):
    name = "inn"
    version = "1"
    Params = CounterfactualParams

    def render(self, model, data, *, rng: torch.Generator, **params) -> Stimulus:
        p = self.params(**params)
        pool = data.pool()
        logits = pool.logits(model)
        lo, hi = logit_range(logits, p.percentiles)
        edges = bin_edges(lo, hi)
        centres = bin_centres(edges)
        inside = np.flatnonzero(bin_of(logits, edges) >= 0)
        order = torch.randperm(len(inside), generator=rng)[: p.rows].numpy()
        starts = inside[order]
        x = pool.float_images(starts, model.device)
        target = torch.as_tensor(np.tile(centres, (p.rows, 1)), dtype=torch.float32)
        images, shown, alphas, steps = _reach(model, x, target, p.refine_steps,
                                              tol=1e-3 * (hi - lo))
        miss = np.abs(shown - centres[None, :]) / (hi - lo)
        if miss.max() > p.max_error:
            r, c = np.unravel_index(miss.argmax(), miss.shape)
            raise CounterfactualError(
                f"{int((miss > p.max_error).sum())} of {miss.size} counterfactuals miss their "
                f"column's logit by more than {p.max_error:.1%} of the logit range (worst "
                f"{miss.max():.1%}, row {r}, column {c}): the model's inverse is not reliable "
                "that far along w. Use a better-trained checkpoint or allow a larger max_error."
            )
        cells = [
            [
                Cell(
                    image=images[r, c],
                    logit=shown[r, c],
                    scene=pool.scene(start),
                    extra={
                        "start_index": int(start),
                        "start_logit": float(logits[start]),
                        "target_logit": float(centres[c]),
                        "alpha": float(alphas[r, c]),
                        "bin": [float(edges[c]), float(edges[c + 1])],
                        "logit_range": [lo, hi],
                    },
                )
                for c in range(len(centres))
            ]
            for r, start in enumerate(starts)
        ]
        meta = {"logit_range": [lo, hi], "percentiles": list(p.percentiles),
                "bin_edges": edges.tolist(), "targets": centres.tolist(),
                "start_indices": starts.tolist(), "refinements": steps,
                "max_error": float(np.abs(shown - target.double().numpy()).max())}
        return Stimulus(cells, [""] * p.rows, list(COLUMN_LABELS), meta)


@torch.no_grad()
def _reach(model, x: torch.Tensor, target: torch.Tensor, refine_steps: int, *, tol: float):
    """Counterfactual images (uint8 [R, K, H, W, 3]), their logits as shown, the alphas and the
    number of corrections made;
    alpha is corrected until every shown logit is within ``tol`` of its target."""
    aim = target.clone()
    for step in range(refine_steps + 1):
        result = counterfactual(model, x, aim.to(model.device))
        images = np.stack(
            [[as_uint8_image(im) for im in row] for row in result.images.cpu()]
        )
        shown_x = torch.as_tensor(images).permute(0, 1, 4, 2, 3).flatten(0, 1).float() / 255
        shown = model.logit(shown_x.to(model.device)).view(target.shape).float().cpu()
        error = target - shown
        if step == refine_steps or error.abs().max() < tol:
            break
        aim = aim + error
    return images, shown.double().numpy(), result.alphas.float().cpu().numpy(), step
