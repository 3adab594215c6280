"""Grad-CAM (Selvaraju et al. 2017; captum's ``LayerGradCam``): the named convolutional
``layer``'s channels weighted by their mean gradient of the evidence, ReLU'd, upsampled
bilinearly to the image (``LayerAttribution.interpolate``) and shown in the attribution grid of
:mod:`.attribution`. ``layer`` defaults to the model's default layer; it must be one of the
model's convolutional layers (``load_study`` checks it)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from captum.attr import LayerAttribution, LayerGradCam

from .attribution import AttributionParams, render_attribution, signed_forward
from .base import Explainer, Stimulus
from .needs import Need


@dataclass(frozen=True)
class GradCAMParams(AttributionParams):
    layer: str | None = None
    smooth_sigma: float = 0.0


class GradCAM(Explainer):
    name = "gradcam"
    version = "1"
    Params = GradCAMParams
    needs = frozenset({Need.LOGITS, Need.GRADIENTS, Need.CONV_LAYERS})

    def render(self, model, data, *, rng: torch.Generator, **params) -> Stimulus:
        p = self.params(**params)
        layer = p.layer or model.default_layer
        module = model.layer(layer)
        maps_shape = []

        def attribute(x, sign):
            cam = LayerGradCam(signed_forward(model, sign), module).attribute(
                x, relu_attributions=True)
            maps_shape[:] = list(cam.shape[-2:])
            up = LayerAttribution.interpolate(cam, tuple(x.shape[-2:]), interpolate_mode="bilinear")
            return up[:, 0].detach().cpu().numpy()

        stimulus = render_attribution(self, model, data, rng, p, attribute, label="Grad-CAM",
                                      meta={"method": "captum.attr.LayerGradCam",
                                            "layer": layer, "upsampling": "bilinear"})
        stimulus.meta["layer_map_size"] = maps_shape
        return stimulus
