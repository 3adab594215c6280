"""Declarative per-factor distributions used by the samplers.

Each distribution has one method, ``sample(n, *, scene, generator, device)``, where ``scene`` holds
the tensors drawn so far (``label`` first, then factors in ``FACTORS`` order), so a distribution
may depend on the label or on the legs position. ``describe()`` gives a JSON-able summary for
manifests. All randomness comes from the given ``torch.Generator``.
"""

from __future__ import annotations

import dataclasses
import math

import torch

from .factors import PEEKY_LEGS, STRETCHY, STRETCHY_LEGS


def _uniform(n, generator, device) -> torch.Tensor:
    return torch.rand(n, generator=generator, device=device, dtype=torch.float64)


class Distribution:
    """Base class: one method, :meth:`sample`."""

    def sample(self, n: int, *, scene: dict, generator: torch.Generator, device) -> torch.Tensor:
        raise NotImplementedError

    def describe(self) -> dict:
        fields = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            fields[f.name] = value.describe() if isinstance(value, Distribution) else value
        return {"type": type(self).__name__, **fields}


@dataclasses.dataclass(frozen=True)
class Uniform(Distribution):
    low: float
    high: float

    def sample(self, n, *, scene, generator, device):
        return self.low + (self.high - self.low) * _uniform(n, generator, device)

    def cdf(self, x):
        return ((x - self.low) / (self.high - self.low)).clip(0, 1)


@dataclasses.dataclass(frozen=True)
class TruncatedNormal(Distribution):
    """Normal(mean, std) truncated to [low, high], drawn by inverse-CDF sampling."""

    mean: float
    std: float
    low: float
    high: float

    def _phi(self, x):
        return 0.5 * (1 + math.erf((x - self.mean) / (self.std * math.sqrt(2))))

    def sample(self, n, *, scene, generator, device):
        a, b = self._phi(self.low), self._phi(self.high)
        u = a + (b - a) * _uniform(n, generator, device)
        x = self.mean + self.std * torch.special.ndtri(u.clamp(1e-15, 1 - 1e-15))
        return x.clamp(self.low, self.high)

    def cdf(self, x):
        import numpy as np
        from scipy.stats import truncnorm

        a, b = (self.low - self.mean) / self.std, (self.high - self.mean) / self.std
        return truncnorm.cdf(np.asarray(x), a, b, loc=self.mean, scale=self.std)


@dataclasses.dataclass(frozen=True)
class ByLabel(Distribution):
    """A different distribution per class, like Listing 1 of the paper."""

    peeky: Distribution
    stretchy: Distribution

    def sample(self, n, *, scene, generator, device):
        a = self.peeky.sample(n, scene=scene, generator=generator, device=device)
        b = self.stretchy.sample(n, scene=scene, generator=generator, device=device)
        return torch.where(scene["label"] == STRETCHY, b, a)


@dataclasses.dataclass(frozen=True)
class LegsByLabel(ByLabel):
    """The label rule: Peeky legs uniform on [0, 0.52], Stretchy legs uniform on [0.48, 1]."""

    peeky: Distribution = Uniform(*PEEKY_LEGS)
    stretchy: Distribution = Uniform(*STRETCHY_LEGS)


def power_toward(u: torch.Tensor, strength: torch.Tensor | float, *, high: bool):
    """Map uniform ``u`` to ``[0, 1]`` with density piled up at 0 (or at 1 if ``high``).

    ``x = u ** (1 + strength)``; strength 0 is uniform. CDF: ``P(x <= v) = v ** (1/(1+strength))``.
    """
    x = u ** (1 + strength)
    return 1 - x if high else x


@dataclasses.dataclass(frozen=True)
class ShapeBias(Distribution):
    """Study bias for the block shape (biased but non-predictive).

    Legs position below ``low_legs`` (a clear Peeky): shape piled toward 0 (cubes); above
    ``high_legs`` (a clear Stretchy): piled toward 1 (spheres); in between: uniform. The shape only
    depends on the legs position, never on the label, so it adds no class information.
    """

    strength: float = 3.0
    low_legs: float = 0.45
    high_legs: float = 0.55

    def sample(self, n, *, scene, generator, device):
        legs = scene["legs_position"]
        u = _uniform(n, generator, device)
        cubic = power_toward(u, self.strength, high=False)
        round_ = power_toward(u, self.strength, high=True)
        return torch.where(
            legs < self.low_legs, cubic, torch.where(legs > self.high_legs, round_, u)
        )


@dataclasses.dataclass(frozen=True)
class ColorBias(Distribution):
    """Study bias for the animal colour (predictive: adds class information).

    Inside the overlap ``[0.48, 0.52]`` Stretchies are piled toward red (colour 0) and Peekies
    toward blue (colour 1) with ``strength``; outside, the strength decays linearly with the
    distance of the legs position from the overlap and is 0 (uniform colour) beyond ``falloff``.
    """

    strength: float = 3.0
    falloff: float = 0.3

    def strength_at(self, legs: torch.Tensor) -> torch.Tensor:
        lo, hi = STRETCHY_LEGS[0], PEEKY_LEGS[1]
        distance = (lo - legs).clamp(min=0) + (legs - hi).clamp(min=0)
        return self.strength * (1 - distance / self.falloff).clamp(min=0)

    def sample(self, n, *, scene, generator, device):
        k = self.strength_at(scene["legs_position"].to(torch.float64))
        u = _uniform(n, generator, device)
        red = power_toward(u, k, high=False)
        blue = power_toward(u, k, high=True)
        return torch.where(scene["label"] == STRETCHY, red, blue)
