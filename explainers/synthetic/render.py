"""Fast, deterministic, fully vectorised torch renderer for Peeky/Stretchy scenes.

Camera: looks down -z at the animal; a background plane sits behind it at ``PLANE_Z``. Rays are
parallel (orthographic) but every block is scaled by ``CAMERA_DISTANCE / (CAMERA_DISTANCE - z)``
around the camera axis ("weak perspective"), so nearer blocks look bigger as in a pinhole camera
and the sign of pitch and roll is visible.

Blocks: each is the intersection of a cube (slab test) and a sphere (quadratic); a ray hits it
between ``max(entries)`` and ``min(exits)``. Each block is only evaluated on a square tile of
pixels around its projection (``tiles.py``); the nearest hit over the 8 blocks (and the plane)
wins through a depth buffer. Blocks are shaded with ambient + sky (hemisphere) + a Lambert key
light + a small specular highlight.

Shadow: the animal casts a soft shadow on the plane. For every plane point each block is sliced
at its centre depth along the light direction; the signed distance to that slice becomes a
penumbra that widens with the block's distance from the plane. Shadows depend only on geometry,
never on colours; being soft they are computed at a quarter of the resolution and upsampled.

Anti-aliasing: the animal is rendered at ``supersample`` x the output size and average-pooled;
the smooth background is evaluated at output resolution and blended by the pooled coverage, so
a pixel fully covered by the animal contains no background colour and a pixel not touched by it
no animal colour. Only the block pixels that win the depth test are lit, shaded and pooled
(``tiles.nearest_hits``, ``antialias.py``): the numbers of lighting every tile and pooling the
whole supersampled image, bit for bit, in 0.55-0.65 of their CPU time. Nothing is random.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import torch
import torch.nn.functional as F

from .antialias import Footprint, footprint, pooled
from .batch import SceneBatch
from .colors import animal_rgb, background_rgb
from .lighting import LIGHT, background_light, block_light, shade
from .tiles import Scene, nearest_hits, soft_shadow

SHADOW_DARKNESS = 0.22
SHADOW_DOWNSCALE = 4


@dataclasses.dataclass
class RenderOutput:
    """Rendered scenes.

    ``images``: float32 ``[N,3,H,W]`` in [0,1]. ``mask``: bool ``[N,1,H,W]``, pixels at least half
    covered by the animal. ``coverage``: float ``[N,1,H,W]``, fraction of each pixel covered by
    the animal (0 = pure background, 1 = pure animal). ``shadow``: float ``[N,1,H,W]``, how much
    the animal's shadow darkens the background there (0 = not at all).
    """

    images: torch.Tensor
    mask: torch.Tensor
    coverage: torch.Tensor
    shadow: torch.Tensor


@dataclasses.dataclass
class AnimalLayers:
    """What a chunk's renders take from the geometry alone (the same for any colours).

    ``gain`` and ``highlight``: ``[M]``, the light of the ``M`` visible block pixels
    (:func:`lighting.block_light`) at the supersampled resolution ``size * supersample``;
    ``scene``: ``[M]``, the scene each lies in; ``where``: where they fall in the output images
    (:class:`antialias.Footprint`); ``coverage`` and ``shadow``: ``[N,1,size,size]`` as in
    :class:`RenderOutput`.
    """

    gain: torch.Tensor
    highlight: torch.Tensor
    scene: torch.Tensor
    where: Footprint
    coverage: torch.Tensor
    shadow: torch.Tensor

    @property
    def supersample(self) -> int:
        return self.where.supersample


def animal_layers(batch: SceneBatch, size: int, supersample: int) -> AnimalLayers:
    """Ray-cast ``batch``, light its visible block pixels and cast its shadow: the renderer's
    geometric steps. :func:`animal_color` and :func:`blend` finish the images for any
    colours."""
    n = len(batch)
    res = size * supersample
    scene = Scene.from_batch(batch)
    pixels = nearest_hits(scene, res)
    gain, highlight = block_light(scene, pixels)  # [M] each
    m = pixels.count
    where = footprint(pixels.scene[:m], pixels.row[:m], pixels.col[:m], n, size, supersample)
    coverage = pooled(where, torch.ones_like(gain)[None])

    shadow_res = max(-(-size // SHADOW_DOWNSCALE), 8)
    shadow = soft_shadow(scene, shadow_res, LIGHT)
    shadow = F.interpolate(shadow, size=(size, size), mode="bilinear", align_corners=False)
    return AnimalLayers(gain, highlight, pixels.scene[:m], where, coverage, shadow)


def animal_color(layers: AnimalLayers, color: torch.Tensor) -> torch.Tensor:
    """The animal's pixels ``[N,3,size,size]`` (0 where no block is seen, anti-aliased) in the
    colours ``color`` ``[N]`` (the ``color`` factor). Only the visible block pixels are shaded
    (any other pixel shades to 0) and pooled (:func:`antialias.pooled`)."""
    albedo = animal_rgb(color).index_select(0, layers.scene)  # [M,3]
    rgb = shade(albedo, layers.gain[:, None], layers.highlight[:, None])
    return pooled(layers.where, rgb.T)


def blend(
    animal: torch.Tensor, coverage: torch.Tensor, shadow: torch.Tensor, background: torch.Tensor
) -> torch.Tensor:
    """The images: the shadowed background (the ``background`` factor ``[N]``) behind the
    animal, blended by its coverage."""
    size = animal.shape[-1]
    bg = background_rgb(background)[:, :, None, None] * background_light(size, animal.device)
    bg = bg * (1 - SHADOW_DARKNESS * shadow)
    return (animal + (1 - coverage) * bg).clamp_(0, 1)


@torch.no_grad()
def _render_chunk(batch: SceneBatch, size: int, supersample: int):
    layers = animal_layers(batch, size, supersample)
    images = blend(
        animal_color(layers, batch.color), layers.coverage, layers.shadow, batch.background
    )
    return images, layers.coverage, layers.shadow


def _render_on_cpu(chunks, size, supersample):
    """Chunks in parallel Python threads, each running single-threaded torch kernels.

    Many small kernels with an OpenMP barrier each are very slow when other processes share the
    cores (every barrier waits for a descheduled thread); whole chunks per thread avoid that.
    Single-threaded kernels also make the pixels independent of the machine's core count. The
    process-wide torch thread count is restored afterwards.
    """
    workers = min(torch.get_num_threads(), len(chunks))
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        if workers <= 1:
            return [_render_chunk(chunk, size, supersample) for chunk in chunks]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda chunk: _render_chunk(chunk, size, supersample), chunks))
    finally:
        torch.set_num_threads(previous)


def default_chunk_size(size: int, supersample: int, device) -> int:
    """Scenes per internal chunk: bounded work tensors (bigger on GPUs)."""
    # small chunks on CPUs keep buffers in reused memory (fewer page faults); big ones on GPUs
    budget = (1 << 27) if torch.device(device).type == "cuda" else (1 << 20)
    return max(1, budget // (size * supersample) ** 2)


def render(
    batch: SceneBatch,
    *,
    size: int = 128,
    device=None,
    supersample: int = 2,
    chunk_size: int | None = None,
) -> RenderOutput:
    """Render ``batch`` into ``size`` x ``size`` images on the batch's device (or ``device``)."""
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    if not isinstance(supersample, int) or isinstance(supersample, bool) or supersample < 1:
        raise ValueError(f"supersample must be a positive integer, got {supersample!r}")
    if device is not None:
        batch = batch.to(device)
    batch.check_ranges()
    if chunk_size is None:
        chunk_size = default_chunk_size(size, supersample, batch.device)
    chunks = [batch[start : start + chunk_size] for start in range(0, len(batch), chunk_size)]
    with torch.no_grad():
        if batch.device.type == "cpu":
            parts = _render_on_cpu(chunks, size, supersample)
        else:
            parts = [_render_chunk(chunk, size, supersample) for chunk in chunks]
    images, coverage, shadow = (torch.cat(p) for p in zip(*parts, strict=True))
    return RenderOutput(images=images, mask=coverage >= 0.5, coverage=coverage, shadow=shadow)
