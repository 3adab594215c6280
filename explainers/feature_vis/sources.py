"""Image sources for natural exemplars: a fixed, ordered set of images with a content key.

A source has ``key`` (a hash of everything that determines its pixels), ``ids`` (one name per
image, in order) and ``images(indices) -> [n, 3, S, S]`` float in [0, 1]. Two are here: Two4Two
scenes drawn and rendered from a seed, and a folder of image files.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


class SourceError(ValueError):
    """An image source that cannot be read."""


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


@dataclasses.dataclass(frozen=True)
class ImageFolder:
    """The image files directly in ``path`` (sorted by name), centre-cropped to a square and
    resized to ``size`` px."""

    path: Path
    size: int = 64

    @functools.cached_property
    def files(self) -> list[Path]:
        folder = Path(self.path)
        if not folder.is_dir():
            raise SourceError(f"image folder {folder} does not exist")
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise SourceError(f"image folder {folder} holds no {'/'.join(IMAGE_SUFFIXES)} files")
        return files

    @property
    def key(self) -> str:
        h = hashlib.sha256(f"folder size={self.size}\n".encode())
        for file in self.files:
            h.update(f"{file.name} {hashlib.sha256(file.read_bytes()).hexdigest()}\n".encode())
        return h.hexdigest()

    @property
    def ids(self) -> list[str]:
        return [file.name for file in self.files]

    def images(self, indices: Sequence[int]) -> torch.Tensor:
        from PIL import Image

        out = []
        for i in indices:
            file = self.files[i]
            try:
                with Image.open(file) as im:
                    im = im.convert("RGB")
                    side = min(im.size)
                    left, top = (im.width - side) // 2, (im.height - side) // 2
                    im = im.crop((left, top, left + side, top + side))
                    im = im.resize((self.size, self.size), Image.Resampling.BILINEAR)
                    out.append(np.asarray(im, dtype=np.uint8))
            except OSError as exc:
                raise SourceError(f"cannot read image {file}: {exc}") from exc
        return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).float() / 255.0
