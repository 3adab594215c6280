"""Integrated Gradients (Sundararajan et al. 2017; captum's ``IntegratedGradients``): the
attribution of the evidence, integrated along the straight path from a ``baseline`` image
(``black`` or mid-``grey``) in ``n_steps`` steps (Gauss-Legendre), summed over the colour
channels (path steps are evaluated eight at a time per image); the positive part is shown in the attribution grid of :mod:`.attribution`. Each
overlay cell records captum's completeness error (attributions' sum minus the evidence
difference between image and baseline) in ``extra["convergence_delta"]``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from captum.attr import IntegratedGradients as CaptumIG

from .attribution import AttributionParams, render_attribution, signed_forward
from .base import Explainer, ParamError, Stimulus
from .needs import Need

BASELINES = {"black": 0.0, "grey": 0.5}


@dataclass(frozen=True)
class IGParams(AttributionParams):
    n_steps: int = 32
    baseline: Literal["black", "grey"] = "black"

    def check(self):
        super().check()
        if not 2 <= self.n_steps <= 512:
            raise ParamError(f"n_steps must be between 2 and 512, got {self.n_steps}")


class IntegratedGradients(Explainer):
    name = "integrated_gradients"
    version = "1"
    Params = IGParams
    needs = frozenset({Need.LOGITS, Need.GRADIENTS})

    def render(self, model, data, *, rng: torch.Generator, **params) -> Stimulus:
        p = self.params(**params)
        deltas = []

        def attribute(x, sign):
            ig = CaptumIG(signed_forward(model, sign))
            attr, delta = ig.attribute(x, baselines=torch.full_like(x, BASELINES[p.baseline]),
                                       n_steps=p.n_steps, internal_batch_size=len(x) * 8,
                                       return_convergence_delta=True)
            deltas.extend(delta.detach().cpu().tolist())
            return attr.sum(dim=1).detach().cpu().numpy()

        stimulus = render_attribution(self, model, data, rng, p, attribute,
                                      label="integrated gradients",
                                      meta={"method": "captum.attr.IntegratedGradients",
                                            "n_steps": p.n_steps, "baseline": p.baseline,
                                            "channels": "sum"})
        overlays = [cell for r, c, cell in stimulus if r % 2 == 1]
        for cell, delta in zip(overlays, deltas, strict=True):
            cell.extra["convergence_delta"] = float(delta)
        stimulus.meta["max_abs_convergence_delta"] = max(abs(d) for d in deltas)
        return stimulus
