"""Colour and background interventions rendered with the geometry once per image.

Changing a scene's colour or background moves none of its geometry: the ray casting, the
blocks' light, the coverage and the shadow (:func:`explainers.synthetic.render.animal_layers`)
are the same at every point of the path, only the animal's colour
(:func:`~explainers.synthetic.render.animal_color`) or the background it is blended with
(:func:`~explainers.synthetic.render.blend`) differ. :func:`render_shading_path` runs the
geometric steps once per image and the rest per point, with the renderer's own functions; its
images equal ``render(intervened_scenes(base, factor, values))`` bit for bit
(``tests/test_property_gradients_shading.py``). The other factors move blocks (pose, shape,
legs, position) and are rendered point by point.
"""

from __future__ import annotations

import numpy as np
import torch

from explainers.models.cpu_threads import map_on_cpu
from explainers.synthetic import FACTOR_RANGES, SceneBatch
from explainers.synthetic.render import animal_color, animal_layers, blend, default_chunk_size

SHADING_FACTORS = ("color", "background")  # the factors that leave the geometry fixed


def _path(batch: SceneBatch, factor: str, values: torch.Tensor, size: int, supersample: int):
    """``[len(batch) * len(values), 3, size, size]``, image ``i`` with ``factor`` at
    ``values[j]`` at row ``i * len(values) + j``."""
    layers = animal_layers(batch, size, supersample)
    n, k = len(batch), len(values)
    if factor == "background":  # one animal per image, k backgrounds behind it
        animal = animal_color(layers, batch.color).repeat_interleave(k, 0)
        return blend(
            animal,
            layers.coverage.repeat_interleave(k, 0),
            layers.shadow.repeat_interleave(k, 0),
            values.repeat(n),
        )
    out = torch.empty(n, k, 3, size, size, device=batch.device)
    for j in range(k):  # one colour at a time for every image: bounded buffers
        animal = animal_color(layers, values[j].expand(n))
        out[:, j] = blend(animal, layers.coverage, layers.shadow, batch.background)
    return out.view(n * k, 3, size, size)


@torch.no_grad()
def render_shading_path(
    base: SceneBatch,
    factor: str,
    values,
    *,
    size: int,
    device=None,
    supersample: int = 2,
    chunk_size: int | None = None,
) -> torch.Tensor:
    """Images of every scene of ``base`` with ``factor`` (one of :data:`SHADING_FACTORS`) set to
    each of ``values``: row ``i * len(values) + j`` is ``render(base[i] with factor =
    values[j]).images[0]``, bit for bit, with the geometry computed once per scene. On the CPU
    the chunks are computed in :func:`~explainers.models.cpu_threads.map_on_cpu`'s threads, as
    the renderer does."""
    if factor not in SHADING_FACTORS:
        raise ValueError(
            f"{factor!r} moves the geometry; shading paths are for {', '.join(SHADING_FACTORS)}"
        )
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    if device is not None:
        base = base.to(device)
    base.check_ranges()
    values = torch.as_tensor(np.asarray(values, dtype=np.float32), device=base.device).reshape(-1)
    lo, hi = FACTOR_RANGES[factor]
    if len(values) == 0 or bool(
        ((values < lo - 1e-5) | (values > hi + 1e-5) | ~torch.isfinite(values)).any()
    ):
        raise ValueError(f"{factor} values must be given and lie in [{lo:g}, {hi:g}]")
    if chunk_size is None:  # the renderer's (one chunk per thread was slower at load 6)
        chunk_size = default_chunk_size(size, supersample, base.device)
    chunks = [base[start : start + chunk_size] for start in range(0, len(base), chunk_size)]

    def one(chunk):
        return _path(chunk, factor, values, size, supersample)

    if base.device.type == "cpu":
        parts = map_on_cpu(one, chunks)
    else:
        parts = [one(chunk) for chunk in chunks]
    return torch.cat(parts)
