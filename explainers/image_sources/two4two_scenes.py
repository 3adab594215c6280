"""Two4Two scenes as feature-visualisation exemplars: ``n`` scenes drawn from a seed and
rendered in float (not quantised to 8 bit), with their own content ``key``.

This is the exemplar interface (``key``, ``ids``, ``images(indices)``) that
:mod:`explainers.feature_vis` and :mod:`explainers.unit_images` read; its key recipe is kept
as it was in ``explainers/feature_vis/sources.py`` so published unit images keep their keys. The
image-source plugin for explanations is :class:`explainers.image_sources.two4two.Two4Two`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Sequence

import torch

from .base import ImageSourceError as SourceError


@dataclasses.dataclass(frozen=True)
class Two4TwoScenes:
    """``n`` scenes drawn from sampler ``sampler`` with ``torch.Generator().manual_seed(seed)``
    and rendered at ``size`` px (the generator of :mod:`explainers.synthetic`)."""

    n: int
    seed: int
    size: int = 64
    sampler: str = "study"

    def __post_init__(self):
        if not isinstance(self.n, int) or isinstance(self.n, bool) or self.n <= 0:
            raise SourceError(f"number of scenes must be a positive integer, got {self.n!r}")

    @functools.cached_property
    def _scenes(self):
        from explainers.synthetic import get_sampler

        sampler = get_sampler(self.sampler)
        return sampler.sample(self.n, generator=torch.Generator().manual_seed(self.seed))

    @property
    def key(self) -> str:
        from explainers.synthetic import code_version, get_sampler

        recipe = {"kind": "two4two", "sampler": get_sampler(self.sampler).describe(),
                  "n": self.n, "seed": self.seed, "size": self.size, "code": code_version()}
        return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()

    @property
    def ids(self) -> list[str]:
        return [f"scene-{i:06d}" for i in range(self.n)]

    def images(self, indices: Sequence[int]) -> torch.Tensor:
        from explainers.synthetic import render

        index = torch.as_tensor(list(indices), dtype=torch.int64)
        return render(self._scenes[index], size=self.size).images
