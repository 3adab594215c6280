"""Transformation robustness (Olah et al. 2017): each step the network sees the image jittered,
scaled and rotated by a random choice, so the optimum cannot rely on exact pixel positions.

Borowski et al. (2021) used ``jitter(16), random_scale((1, .975, 1.025, .95, 1.05)),
random_rotate(-5..5 degrees), jitter(8)`` on 224 + 2 x 16 pixel images. Each transform draws
one choice per step for the whole batch (as lucid's TensorFlow ops do) from a seeded
``random.Random``, so a run is reproducible.
"""

from __future__ import annotations

import dataclasses
import math
import random

import torch
from torch.nn import functional as F


def jitter(images: torch.Tensor, pixels: int, rng: random.Random) -> torch.Tensor:
    """A random crop ``pixels`` smaller in each dimension (lucid's ``jitter``)."""
    if pixels <= 0:
        return images
    h, w = images.shape[-2:]
    dy, dx = rng.randint(0, pixels), rng.randint(0, pixels)
    return images[..., dy : dy + h - pixels, dx : dx + w - pixels]


def scale(images: torch.Tensor, factor: float) -> torch.Tensor:
    """Bilinear resize by ``factor`` (lucid's ``random_scale`` for one chosen factor)."""
    if factor == 1:
        return images
    h, w = images.shape[-2:]
    size = (max(1, round(h * factor)), max(1, round(w * factor)))
    return F.interpolate(images, size=size, mode="bilinear", align_corners=False)


def rotate(images: torch.Tensor, degrees: float) -> torch.Tensor:
    """Bilinear rotation about the centre, zeros outside (lucid's ``random_rotate``)."""
    if degrees == 0:
        return images
    a = math.radians(degrees)
    theta = torch.tensor(
        [[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0]],
        dtype=images.dtype, device=images.device,
    ).expand(images.shape[0], 2, 3)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


@dataclasses.dataclass(frozen=True)
class Robustness:
    """jitter(first) -> scale -> rotate -> jitter(second), one random choice each per call."""

    jitter: tuple[int, int] = (16, 8)
    scales: tuple[float, ...] = (1.0, 0.975, 1.025, 0.95, 1.05)
    angles: tuple[float, ...] = tuple(range(-5, 6))

    def __call__(self, images: torch.Tensor, rng: random.Random) -> torch.Tensor:
        images = jitter(images, self.jitter[0], rng)
        images = scale(images, rng.choice(self.scales))
        images = rotate(images, rng.choice(self.angles))
        return jitter(images, self.jitter[1], rng)
