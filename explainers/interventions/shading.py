"""Background interventions rendered once per image: the geometry is shared by every point.

Changing a scene's background colour changes none of the animal's pixels, its coverage or its
shadow (:mod:`explainers.synthetic.render` blends a background evaluated at output resolution
by the pooled coverage), so an intervention path on ``background`` needs the animal rendered
once per image and only the final blend per point. :func:`render_background_path` does that
with the generator's own steps (:func:`explainers.synthetic.render.animal_layers`,
``animal_color``, ``blend``, which the renderer runs for every scene); its images equal
``render(intervened_scenes(base, "background", values))`` bit for bit
(``tests/test_property_gradients_shading.py``), for 1/N of the ray casting and shading.
"""

from __future__ import annotations

import numpy as np
import torch

from explainers.models.cpu_threads import map_on_cpu
from explainers.synthetic import FACTOR_RANGES, SceneBatch
from explainers.synthetic.render import animal_color, animal_layers, blend, default_chunk_size


def _blend(batch: SceneBatch, values: torch.Tensor, size: int, supersample: int) -> torch.Tensor:
    """``[len(batch) * len(values), 3, size, size]``, image ``i`` with background ``values[j]``
    at row ``i * len(values) + j``."""
    layers = animal_layers(batch, size, supersample)
    k = len(values)
    animal = animal_color(layers, batch.color).repeat_interleave(k, 0)
    return blend(
        animal,
        layers.coverage.repeat_interleave(k, 0),
        layers.shadow.repeat_interleave(k, 0),
        values.repeat(len(batch)),
    )


@torch.no_grad()
def render_background_path(
    base: SceneBatch,
    values,
    *,
    size: int,
    device=None,
    supersample: int = 2,
    chunk_size: int | None = None,
) -> torch.Tensor:
    """Images of every scene of ``base`` with its background set to each of ``values``: row
    ``i * len(values) + j`` is ``render(base[i] with background = values[j]).images[0]``, bit
    for bit, with the animal rendered once per scene. On the CPU the chunks are computed in
    :func:`~explainers.models.cpu_threads.map_on_cpu`'s threads, as the renderer does."""
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    if device is not None:
        base = base.to(device)
    base.check_ranges()
    values = torch.as_tensor(np.asarray(values, dtype=np.float32), device=base.device).reshape(-1)
    lo, hi = FACTOR_RANGES["background"]
    if len(values) == 0 or bool(
        ((values < lo - 1e-5) | (values > hi + 1e-5) | ~torch.isfinite(values)).any()
    ):
        raise ValueError(f"background values must be given and lie in [{lo:g}, {hi:g}]")
    if chunk_size is None:
        chunk_size = default_chunk_size(size, supersample, base.device)
    chunks = [base[start : start + chunk_size] for start in range(0, len(base), chunk_size)]

    def one(chunk):
        return _blend(chunk, values, size, supersample)

    if base.device.type == "cpu":
        parts = map_on_cpu(one, chunks)
    else:
        parts = [one(chunk) for chunk in chunks]
    return torch.cat(parts)
