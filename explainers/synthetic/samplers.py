"""Samplers: small declarative dataclasses with one distribution per factor (paper, Listing 1).

The class label is drawn first (50/50); then the factors in ``FACTORS`` order, each from its
declared distribution, which may look at the label and at factors drawn before it (the legs
position comes first). A new bias is a subclass that overrides one field::

    @dataclasses.dataclass
    class RotationBiasSampler(UnbiasedSampler):
        yaw: Distribution = ByLabel(peeky=Uniform(-math.pi / 4, 0), stretchy=Uniform(0, math.pi / 4))
"""

from __future__ import annotations

import dataclasses
import math

import torch

from .batch import SceneBatch
from .distributions import (
    ColorBias,
    Distribution,
    LegsByLabel,
    ShapeBias,
    TruncatedNormal,
    Uniform,
)
from .factors import FACTOR_RANGES, FACTORS


@dataclasses.dataclass
class Sampler:
    """Base sampler: subclasses declare one ``Distribution`` field per factor."""

    name = "base"

    def sample(self, n: int, *, generator: torch.Generator, device="cpu") -> SceneBatch:
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise ValueError(f"number of scenes must be a positive integer, got {n!r}")
        device = torch.device(device)
        if generator.device.type != device.type:
            raise ValueError(f"generator is on {generator.device}, scenes requested on {device}")
        coin = torch.rand(n, generator=generator, device=device)
        scene: dict[str, torch.Tensor] = {"label": (coin < 0.5).to(torch.int64)}
        for factor in FACTORS:
            distribution: Distribution = getattr(self, factor)
            values = distribution.sample(n, scene=scene, generator=generator, device=device)
            lo, hi = FACTOR_RANGES[factor]
            scene[factor] = values.clamp(lo, hi).to(torch.float32)
        return SceneBatch(**scene)

    def describe(self) -> dict:
        """JSON-able description (name and every distribution) for manifests."""
        out = {"name": self.name, "class": type(self).__name__}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.describe() if isinstance(value, Distribution) else value
        return out


@dataclasses.dataclass
class UnbiasedSampler(Sampler):
    """Table 5 of the paper without the shape and colour biases (shape and colour uniform)."""

    name = "unbiased"

    legs_position: Distribution = LegsByLabel()
    color: Distribution = Uniform(0.0, 1.0)
    shape: Distribution = Uniform(0.0, 1.0)
    background: Distribution = Uniform(0.05, 0.95)
    yaw: Distribution = Uniform(-math.pi, math.pi)
    roll: Distribution = TruncatedNormal(0.0, 0.03 * math.pi / 4, -math.pi / 4, math.pi / 4)
    pitch: Distribution = TruncatedNormal(0.0, math.pi / 8, -math.pi / 6, math.pi / 6)
    bending: Distribution = TruncatedNormal(0.0, math.pi / 20, -math.pi / 10, math.pi / 10)
    position_x: Distribution = Uniform(-0.8, 0.0)
    position_y: Distribution = Uniform(-0.8, 0.0)


@dataclasses.dataclass
class StudySampler(UnbiasedSampler):
    """The study's dataset: shape biased but non-predictive, colour predictive (paper, section 3).

    ``shape_strength`` / ``color_strength`` set how strongly the biased factors pile up at one
    end (0 = no bias); ``color_falloff`` is the legs distance from the overlap at which the colour
    becomes uniform. Passing ``shape=`` or ``color=`` distributions directly overrides them.
    """

    name = "study"

    shape_strength: float = 3.0
    color_strength: float = 3.0
    color_falloff: float = 0.3
    shape: Distribution | None = None
    color: Distribution | None = None

    def __post_init__(self):
        for label, value in (
            ("shape_strength", self.shape_strength),
            ("color_strength", self.color_strength),
        ):
            if not value >= 0:
                raise ValueError(f"{label} must be >= 0, got {value!r}")
        if not self.color_falloff > 0:
            raise ValueError(f"color_falloff must be > 0, got {self.color_falloff!r}")
        if self.shape is None:
            self.shape = ShapeBias(strength=float(self.shape_strength))
        if self.color is None:
            self.color = ColorBias(strength=float(self.color_strength), falloff=self.color_falloff)


SAMPLERS: dict[str, type[Sampler]] = {
    UnbiasedSampler.name: UnbiasedSampler,
    StudySampler.name: StudySampler,
}


def get_sampler(name: str, **params) -> Sampler:
    """Instantiate the registered sampler ``name`` (``params`` go to its constructor)."""
    try:
        cls = SAMPLERS[name]
    except KeyError:
        known = ", ".join(sorted(SAMPLERS))
        raise ValueError(f"unknown sampler {name!r}; known samplers: {known}") from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise ValueError(f"bad parameters for sampler {name!r}: {exc}") from None
