"""Which units (channels of named layers) a CNN-unit 2AFC study shows: random channels of named
layers drawn with a seed, disjoint from the units already taken (Borowski et al. 2021: one
random feature map per layer and branch, plus hand-picked ones; other maps for practice and
catch trials). No Django; torch only to count a bundle's channels."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

Unit = tuple[str, int]


@lru_cache(maxsize=16)
def _channels(folder: str, bundle_hash: str) -> tuple[tuple[str, int], ...]:
    import torch

    from explainers.models.model_registry import load_model

    model = load_model(folder)
    size = model.info.image_size
    with torch.no_grad():
        out = [(name, int(model.activations(torch.zeros(1, 3, size, size), name).shape[1]))
               for name in model.info.layers]
    return tuple(out)


def layer_channels(bundle: Path | str) -> dict[str, int]:
    """Number of channels of each named layer of the model bundle (one forward pass, cached)."""
    from explainers.models.model_registry import describe_bundle

    info = describe_bundle(bundle)
    return dict(_channels(str(Path(bundle).resolve()), info.bundle_hash))


def draw_units(channels: dict[str, int], layers: Sequence[str], per_layer: int, seed: int,
               taken: Iterable[Unit] = ()) -> list[Unit]:
    """``per_layer`` random channels of each of ``layers`` (seeded per layer), none of
    ``taken``; raises ValueError when a layer is unknown or has too few channels left."""
    taken = set(taken)
    out = []
    for layer in layers:
        if layer not in channels:
            raise ValueError(f"the model has no layer {layer!r} (layers: {', '.join(channels)})")
        free = [u for u in range(channels[layer]) if (layer, u) not in taken]
        if len(free) < per_layer:
            raise ValueError(f"layer {layer!r} has {len(free)} channels left, {per_layer} wanted")
        picked = sorted(random.Random(f"{seed}:{layer}").sample(free, per_layer))
        out += [(layer, u) for u in picked]
        taken.update((layer, u) for u in picked)
    return out
