"""The validation data explainers draw from: scenes from the synthetic generator, rendered once.

A :class:`ValidationData` is a small recipe (sampler name, seed, number of images, image size);
its :attr:`~ValidationData.hash` is part of every stimulus key, together with the generator's
``code_version()``, so changing the generator re-renders the stimuli. :meth:`~ValidationData.pool`
generates the images once per process and caches them (and the model's logits on them).
Nothing here imports Django.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from dataclasses import asdict, dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from explainers import synthetic

_POOLS: dict[str, Pool] = {}


@dataclass(frozen=True)
class ValidationData:
    """Recipe of a validation pool. The default seed is kept apart from the training seeds."""

    sampler: str = "study"
    seed: int = 90_001
    n: int = 2000
    size: int = 64
    chunk: int = 250

    def __post_init__(self):
        if self.n < 1 or self.size < 8 or self.chunk < 1:
            raise ValueError(f"invalid validation data recipe: {self}")

    @property
    def hash(self) -> str:
        recipe = {k: v for k, v in asdict(self).items() if k != "chunk"}
        recipe["generator"] = synthetic.code_version()
        return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()

    def pool(self, *, device=None, progress: bool = False) -> Pool:
        """The generated images (cached in this process by :attr:`hash`). ``device`` is where
        they are rendered (a GPU is much faster); they are kept as uint8 on the CPU."""
        key = self.hash
        if key not in _POOLS:
            _POOLS.clear()  # one pool at a time is plenty and bounds memory
            _POOLS[key] = self._generate(device, progress)
        return _POOLS[key]

    def _generate(self, device, progress: bool) -> Pool:
        g = torch.Generator().manual_seed(self.seed)
        batch = synthetic.get_sampler(self.sampler).sample(self.n, generator=g)
        chunks = []
        starts = range(0, self.n, self.chunk)
        for start in tqdm(starts, desc="validation images", disable=not progress):
            part = batch[start : start + self.chunk]
            images = synthetic.render(part, size=self.size, device=device).images
            chunks.append((images.clamp(0, 1) * 255).round().to(torch.uint8).cpu())
        return Pool(torch.cat(chunks), batch.to_frame())

    @classmethod
    def from_dict(cls, spec: dict | None) -> ValidationData:
        spec = dict(spec or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ValueError(
                f"unknown validation data setting(s) {unknown}; known: {sorted(known)}"
            )
        return cls(**spec)


class ArrayData:
    """A fixed set of images (uint8 [N, 3, H, W]) with scene parameters, e.g. for tests or a
    hand-picked pool; its hash covers the bytes."""

    def __init__(self, images: torch.Tensor, scenes: pd.DataFrame):
        self._pool = Pool(images, scenes)
        h = hashlib.sha256(self._pool.images.numpy().tobytes())
        h.update(scenes.to_csv(index=False).encode())
        self.hash = h.hexdigest()

    def pool(self, *, device=None, progress: bool = False) -> Pool:
        return self._pool


class Pool:
    """Validation images (uint8 [N, 3, H, W], CPU) with their scene parameters (a DataFrame)."""

    def __init__(self, images: torch.Tensor, scenes: pd.DataFrame):
        if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"pool images must be uint8 [N, 3, H, W], got {images.dtype} "
                             f"{tuple(images.shape)}")
        if len(scenes) != images.shape[0]:
            raise ValueError(f"{images.shape[0]} images but {len(scenes)} scene rows")
        self.images = images.cpu().contiguous()
        self.scenes = scenes.reset_index(drop=True)
        self._logits: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._activations: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._encodings: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._derived: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __len__(self) -> int:
        return self.images.shape[0]

    def float_images(self, index, device=None) -> torch.Tensor:
        """Images ``index`` as float [0, 1], exactly what the model sees and the grid shows."""
        return self.images[torch.as_tensor(index, dtype=torch.long)].to(device).float() / 255

    def scene(self, i: int) -> dict[str, float | str]:
        """Image ``i``'s factors and label (an image folder's attributes: numbers or text)."""
        row = self.scenes.iloc[int(i)]
        return {k: v if isinstance(v, str) else float(v) for k, v in row.items()}

    def logits(self, model, *, batch_size: int = 256) -> np.ndarray:
        """The model's logit for every pool image (float64, cached per model). For an
        invertible model (one with ``encode``) the same pass keeps the pool's encodings
        (:meth:`encodings`), so its counterfactuals start without encoding again."""
        if model not in self._logits:
            device = _device_of(model)
            out, encodings = [], []
            if hasattr(model, "encode") and device.type == "cpu":
                # batches of 32 in Python threads with single-threaded kernels (the INN search's
                # scheme, explainers.models.cpu_threads): the same numbers to float rounding
                from explainers.models.cpu_threads import map_on_cpu

                encodings = map_on_cpu(lambda idx: model.encode(self.float_images(idx, device)),
                                       _batches(len(self), 32))
                with torch.no_grad():
                    out = [model.logit_from_z(enc.z).float().cpu() for enc in encodings]
            with torch.no_grad():
                for start in range(0, len(self) if not encodings else 0, batch_size):
                    x = self.float_images(list(range(start, min(start + batch_size, len(self)))),
                                          device)
                    if hasattr(model, "encode"):
                        enc = model.encode(x)
                        encodings.append(enc)
                        out.append(model.logit_from_z(enc.z).float().cpu())
                    else:
                        out.append(model.logit(x).float().cpu())
            if encodings:
                self._encodings[model] = type(encodings[0]).cat(encodings)
            self._logits[model] = torch.cat(out).reshape(-1).double().numpy()
        return self._logits[model]

    def encodings(self, model, index):
        """``model.encode`` of the images ``index`` (on the model's device), from the encodings
        :meth:`logits` keeps: the same numbers as encoding them again."""
        self.logits(model)
        return self._encodings[model].select(torch.as_tensor(index, dtype=torch.long,
                                                             device=_device_of(model)))

    def activations(self, model, layer: str | None = None, *, batch_size: int = 128) -> np.ndarray:
        """``model.activations`` of every pool image as float32 [N, h, w, C] (cached per model
        and layer: the concept explainer's variants all draw from it)."""
        cache = self._activations.setdefault(model, {})
        if layer not in cache:
            device = _device_of(model)

            def activations(idx):
                x = self.float_images(idx, device)
                return model.activations(x, layer=layer).float().permute(0, 2, 3, 1).cpu()

            if device.type == "cpu":
                # batches of 32 in Python threads with single-threaded kernels, as Pool.logits
                # (explainers.models.cpu_threads): the same activations to float rounding
                from explainers.models.cpu_threads import map_on_cpu

                out = map_on_cpu(activations, _batches(len(self), 32))
            else:
                with torch.no_grad():
                    out = [activations(idx) for idx in _batches(len(self), batch_size)]
            cache[layer] = torch.cat(out).numpy()
        return cache[layer]

    def derived(self, model, key, compute):
        """``compute()``, once per model and hashable ``key``: a value derived from this pool
        and the model that every variant of a stimulus shares (e.g. the concept explainer's
        factorisation), kept as long as the pool and the model."""
        cache = self._derived.setdefault(model, {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    @cached_property
    def labels(self) -> np.ndarray:
        return self.scenes["label"].to_numpy()


def _batches(n: int, size: int) -> list[list[int]]:
    return [list(range(start, min(start + size, n))) for start in range(0, n, size)]


def _device_of(model) -> torch.device:
    try:
        return next(model.parameters()).device
    except (AttributeError, StopIteration):
        return torch.device("cpu")
