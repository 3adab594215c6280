"""Saliency (Simonyan et al. 2014): the absolute gradient of the evidence w.r.t. each pixel
(captum's ``Saliency``; the maximum over the colour channels), shown in the attribution grid of
:mod:`.attribution`. A variant is a random draw of images, as in the baseline."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from captum.attr import Saliency as CaptumSaliency

from .attribution import AttributionParams, render_attribution, signed_forward
from .base import Explainer, Stimulus
from .needs import Need


@dataclass(frozen=True)
class SaliencyParams(AttributionParams):
    pass


class Saliency(Explainer):
    name = "saliency"
    version = "1"
    Params = SaliencyParams
    needs = frozenset({Need.LOGITS, Need.GRADIENTS})

    def render(self, model, data, *, rng: torch.Generator, **params) -> Stimulus:
        p = self.params(**params)

        def attribute(x, sign):
            grad = CaptumSaliency(signed_forward(model, sign)).attribute(x, abs=True)
            return grad.amax(dim=1).detach().cpu().numpy()

        return render_attribution(self, model, data, rng, p, attribute, label="saliency",
                                  meta={"method": "captum.attr.Saliency", "abs": True,
                                        "channels": "max"})
