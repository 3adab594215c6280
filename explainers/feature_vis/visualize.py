"""Activation maximisation and minimisation of one unit (a channel of a named layer) of any
torch CNN, by the recipe of Olah et al. (2017) as Borowski et al. (2021) used it (see
:mod:`.recipe`)::

    vis = FeatureVisualization(model, "layer3")
    result = vis.visualize(unit=5, direction="max", recipe=Recipe.for_size(64), seed=0)
    result.images        # [9, 3, 64, 64] in [0, 1]
    result.activations   # [9] spatial mean of unit 5 for each image as it is shown
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import random
from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from .fourier import FourierImage
from .layers import find_layer, layer_output
from .objectives import channel_mean, diversity
from .recipe import PAPER, Recipe
from .relu import redirected_relu


class Direction(enum.StrEnum):
    MAX = "max"
    MIN = "min"


@dataclasses.dataclass(frozen=True)
class Visualization:
    """The optimised images of one unit and what they do to it."""

    layer: str
    unit: int
    direction: Direction
    images: torch.Tensor  # [N, 3, size, size] float in [0, 1], padding cropped off
    activations: torch.Tensor  # [N] channel mean of ``unit`` for ``images`` (no transforms)
    trace: torch.Tensor  # [steps] batch mean of the channel objective under the transforms
    recipe: Recipe
    seed: int


@contextlib.contextmanager
def _frozen(model: nn.Module):
    """Evaluation mode and no parameter gradients while optimising the input; restored after."""
    was_training = model.training
    flags = [(p, p.requires_grad) for p in model.parameters()]
    model.eval()
    for p, _ in flags:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)
        model.train(was_training)


def _device(model: nn.Module) -> torch.device:
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


class FeatureVisualization:
    """Feature visualisations of the channels of ``layer`` of ``model``.

    ``model`` reads float [0, 1] images ``[N, 3, H, W]``; ``forward`` runs it (default
    ``model(x)``); ``input_size`` resizes what the network sees to a fixed size, for models that
    accept only one (default: the transformed image as it is, for fully convolutional ones).
    """

    def __init__(
        self,
        model: nn.Module,
        layer: str,
        *,
        forward: Callable[[torch.Tensor], object] | None = None,
        input_size: int | None = None,
    ):
        find_layer(model, layer)
        self.model, self.layer, self.forward, self.input_size = model, layer, forward, input_size

    def _activations(self, images: torch.Tensor) -> torch.Tensor:
        if self.input_size is not None and tuple(images.shape[-2:]) != (self.input_size,) * 2:
            images = F.interpolate(
                images, size=(self.input_size,) * 2, mode="bilinear", align_corners=False
            )
        return layer_output(self.model, self.layer, images, forward=self.forward)

    def visualize(
        self,
        unit: int,
        *,
        direction: Direction | str = Direction.MAX,
        recipe: Recipe = PAPER,
        seed: int = 0,
    ) -> Visualization:
        """``recipe.n_images`` images that maximise (``max``) or minimise (``min``) the spatial
        mean of channel ``unit``, optimised jointly with the diversity term."""
        try:
            direction = Direction(direction)
        except ValueError:
            raise ValueError(f"direction must be 'max' or 'min', got {direction!r}") from None
        sign = 1.0 if direction is Direction.MAX else -1.0
        device = _device(self.model)
        rng = random.Random(seed)
        generator = torch.Generator().manual_seed(seed)
        side = recipe.size + 2 * recipe.padding
        param = FourierImage(
            batch=recipe.n_images, height=side, sd=recipe.sd,
            decay_power=recipe.decay_power, generator=generator,
        ).to(device)
        optimizer = torch.optim.Adam(param.parameters(), lr=recipe.learning_rate)
        robustness = recipe.robustness
        trace = torch.empty(recipe.steps)
        relu = redirected_relu() if recipe.redirect_relu else contextlib.nullcontext()
        with _frozen(self.model), relu:
            for step in range(recipe.steps):
                optimizer.zero_grad(set_to_none=True)
                activations = self._activations(robustness(param(), rng))
                if step == 0:
                    self._check_unit(unit, activations)
                per_image = channel_mean(activations, unit)
                objective = sign * per_image.mean()
                if recipe.n_images > 1 and recipe.diversity_weight > 0:
                    objective = objective - recipe.diversity_weight * diversity(activations)
                (-objective).backward()
                optimizer.step()
                trace[step] = per_image.detach().mean()
            with torch.no_grad():
                pad = recipe.padding
                images = param()[..., pad : pad + recipe.size, pad : pad + recipe.size]
                final = channel_mean(self._activations(images), unit)
        return Visualization(
            layer=self.layer, unit=unit, direction=direction, images=images.detach().cpu(),
            activations=final.detach().cpu(), trace=trace, recipe=recipe, seed=seed,
        )

    def _check_unit(self, unit: int, activations: torch.Tensor) -> None:
        channels = activations.shape[1] if activations.ndim == 4 else 0
        if activations.ndim != 4:
            raise ValueError(
                f"layer {self.layer!r} is not convolutional (output {tuple(activations.shape)})"
            )
        if not isinstance(unit, int) or isinstance(unit, bool) or not 0 <= unit < channels:
            raise ValueError(f"layer {self.layer!r} has units 0..{channels - 1}, got {unit!r}")

    def activations(self, images: torch.Tensor, unit: int) -> torch.Tensor:
        """``[N]`` channel mean of ``unit`` for float [0, 1] ``images`` (as the network sees them)."""
        with torch.no_grad(), _frozen(self.model):
            return channel_mean(self._activations(images.to(_device(self.model))), unit).cpu()
