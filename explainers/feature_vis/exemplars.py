"""Natural exemplars: the most and least activating images of a unit in an image source.

:meth:`ActivationIndex.build` runs the model once over the source in batches and keeps, for
each requested layer, the spatial mean of every channel for every image (``[N, C]``), the same
scalar per image and unit as Borowski et al. (2021) sorted ImageNet's validation set by. The
index is cached as ``activations-<hash>.npz`` in ``cache_dir``, the hash taken over the model's
weights, the source's content key and the input size; a later build with more layers computes
only the missing ones (again in one pass) and rewrites the file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .layers import layer_outputs

_LAYER_PREFIX = "layer:"


def model_fingerprint(model: nn.Module) -> str:
    """SHA-256 over the model's class and every tensor of its state dict."""
    h = hashlib.sha256(f"{type(model).__module__}.{type(model).__qualname__}\n".encode())
    for name, tensor in model.state_dict().items():
        t = tensor.detach().cpu().contiguous()
        h.update(f"{name} {t.dtype} {tuple(t.shape)}\n".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


@dataclasses.dataclass(frozen=True)
class Exemplars:
    """Source positions and activations, most activating first / least activating first."""

    layer: str
    unit: int
    max_indices: list[int]
    max_values: list[float]
    min_indices: list[int]
    min_values: list[float]


@dataclasses.dataclass
class ActivationIndex:
    key: str
    ids: list[str]
    layers: dict[str, np.ndarray]  # layer -> [N, C] float32 spatial means
    path: Path | None = None

    @classmethod
    def build(
        cls,
        model: nn.Module,
        source,
        layers: Sequence[str],
        *,
        cache_dir: Path | str | None = None,
        batch_size: int = 64,
        forward: Callable[[torch.Tensor], object] | None = None,
        input_size: int | None = None,
    ) -> ActivationIndex:
        layers = list(dict.fromkeys(layers))
        if not layers:
            raise ValueError("name at least one layer")
        key = hashlib.sha256(
            f"{model_fingerprint(model)} {source.key} {input_size}".encode()
        ).hexdigest()
        path = Path(cache_dir) / f"activations-{key[:24]}.npz" if cache_dir else None
        ids = list(source.ids)
        known: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path, allow_pickle=False) as data:
                if str(data["key"]) == key and list(data["ids"]) == ids:
                    known = {name[len(_LAYER_PREFIX):]: data[name] for name in data.files
                             if name.startswith(_LAYER_PREFIX)}
        missing = [layer for layer in layers if layer not in known]
        if missing:
            known.update(_one_pass(model, source, missing, len(ids), batch_size, forward, input_size))
            if path is not None:
                _save(path, key, ids, known)
        return cls(key=key, ids=ids, layers={name: known[name] for name in layers}, path=path)

    def values(self, layer: str, unit: int) -> np.ndarray:
        if layer not in self.layers:
            raise KeyError(f"the index has no layer {layer!r}; it has {sorted(self.layers)}")
        table = self.layers[layer]
        if not isinstance(unit, int) or not 0 <= unit < table.shape[1]:
            raise ValueError(f"layer {layer!r} has units 0..{table.shape[1] - 1}, got {unit!r}")
        return table[:, unit]


@torch.no_grad()
def _one_pass(model, source, layers, n, batch_size, forward, input_size) -> dict[str, np.ndarray]:
    was_training = model.training
    model.eval()
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    parts: dict[str, list[np.ndarray]] = {layer: [] for layer in layers}
    try:
        for start in range(0, n, batch_size):
            images = source.images(range(start, min(start + batch_size, n))).to(device)
            if input_size is not None and tuple(images.shape[-2:]) != (input_size, input_size):
                images = F.interpolate(images, size=(input_size, input_size), mode="bilinear",
                                       align_corners=False)
            outputs = layer_outputs(model, layers, images, forward=forward)
            for layer, out in outputs.items():
                if out.ndim != 4:
                    raise ValueError(f"layer {layer!r} is not convolutional: {tuple(out.shape)}")
                parts[layer].append(out.mean(dim=(2, 3)).float().cpu().numpy())
    finally:
        model.train(was_training)
    return {layer: np.concatenate(chunks) for layer, chunks in parts.items()}


def _save(path: Path, key: str, ids: list[str], layers: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp.npz")
    arrays = {f"{_LAYER_PREFIX}{name}": table for name, table in layers.items()}
    np.savez(tmp, key=np.array(key), ids=np.array(ids), **arrays)
    os.replace(tmp, path)


def natural_exemplars(index: ActivationIndex, layer: str, unit: int, *, k: int = 9) -> Exemplars:
    """The ``k`` most and ``k`` least activating images of ``unit`` (ties broken by position)."""
    values = index.values(layer, unit)
    if not isinstance(k, int) or not 0 < k <= len(values) // 2:
        raise ValueError(f"k must be 1..{len(values) // 2} for {len(values)} images, got {k!r}")
    order = np.argsort(values, kind="stable")
    top = np.argsort(-values, kind="stable")[:k]
    bottom = order[:k]
    return Exemplars(
        layer=layer, unit=unit,
        max_indices=[int(i) for i in top], max_values=[float(values[i]) for i in top],
        min_indices=[int(i) for i in bottom], min_values=[float(values[i]) for i in bottom],
    )
