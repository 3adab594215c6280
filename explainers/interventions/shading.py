"""Background interventions rendered once per image: the geometry is shared by every point.

Changing a scene's background colour changes none of the animal's pixels, its coverage or its
shadow (:mod:`explainers.synthetic.render` blends a background evaluated at output resolution
by the pooled coverage), so an intervention path on ``background`` needs the animal rendered
once per image and only the final blend per point. :func:`render_background_path` does that
with the generator's own steps, in the renderer's order; its images equal
``render(intervened_scenes(base, "background", values))`` bit for bit
(``tests/test_property_gradients_shading.py``), for 1/N of the ray casting and shading.

The renderer itself is unchanged: its code version (``explainers.synthetic.code_version``)
keys every cached stimulus, so the shared part is read here through its public pieces.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from explainers.models.cpu_threads import map_on_cpu
from explainers.synthetic import FACTOR_RANGES, SceneBatch
from explainers.synthetic.colors import animal_rgb, background_rgb
from explainers.synthetic.lighting import LIGHT, background_light, shade_blocks
from explainers.synthetic.render import SHADOW_DARKNESS, SHADOW_DOWNSCALE, default_chunk_size
from explainers.synthetic.tiles import Scene, nearest_hits, soft_shadow


def _animal(batch: SceneBatch, size: int, supersample: int):
    """The animal's colour, coverage and shadow, ``explainers.synthetic.render``'s steps before
    the background blend (``_render_chunk``), unchanged."""
    n = len(batch)
    res = size * supersample
    scene = Scene.from_batch(batch)
    hits = nearest_hits(scene, res)
    color = shade_blocks(scene, hits, animal_rgb(batch.color))
    plane = res * res
    spare = n * 4 * plane
    pixel = hits.index.reshape(n, 1, -1)
    offset = (torch.arange(n, device=batch.device) * 4)[:, None, None] + torch.arange(
        4, device=batch.device
    )[None, :, None]
    index = torch.where(hits.visible.reshape(n, 1, -1), offset * plane + pixel, spare)
    src = torch.cat([color, hits.visible.reshape(n, 1, -1).to(color.dtype)], 1)
    buffer = torch.zeros(spare + 1, device=batch.device)
    buffer.scatter_(0, index.reshape(-1), src.reshape(-1))
    obj = buffer[:spare].view(n, 4, res, res)
    if supersample > 1:
        obj = F.avg_pool2d(obj, supersample)
    shadow_res = max(-(-size // SHADOW_DOWNSCALE), 8)
    shadow = soft_shadow(scene, shadow_res, LIGHT)
    shadow = F.interpolate(shadow, size=(size, size), mode="bilinear", align_corners=False)
    return obj[:, :3], obj[:, 3:], shadow


def _blend(batch: SceneBatch, values: torch.Tensor, size: int, supersample: int) -> torch.Tensor:
    """``[len(batch) * len(values), 3, size, size]``, image ``i`` with background ``values[j]``
    at row ``i * len(values) + j``."""
    animal, coverage, shadow = _animal(batch, size, supersample)
    n, k = len(batch), len(values)
    rgb = background_rgb(values.repeat(n))  # [n*k, 3], scene i's k backgrounds in a row
    light = background_light(size, batch.device)
    bg = rgb.view(n, k, 3)[:, :, :, None, None] * light  # the renderer's product, per point
    bg = bg * (1 - SHADOW_DARKNESS * shadow[:, None])
    images = (animal[:, None] + (1 - coverage[:, None]) * bg).clamp_(0, 1)
    return images.reshape(n * k, 3, size, size)


@torch.no_grad()
def render_background_path(base: SceneBatch, values, *, size: int, device=None,
                           supersample: int = 2, chunk_size: int | None = None) -> torch.Tensor:
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
    if len(values) == 0 or bool(((values < lo - 1e-5) | (values > hi + 1e-5)
                                 | ~torch.isfinite(values)).any()):
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
