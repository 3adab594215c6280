"""Ray casting of the eight blocks on small per-block tiles, and the soft shadow on the plane.

Each block covers only a small part of the image, so it is intersected only with the rays of a
``T x T`` tile of pixels around its projection (``T`` from the largest block in the chunk).
Because the rays are parallel, the ray/slab and ray/sphere terms separate into a column part and
a row part, so every tile pixel costs a handful of broadcast additions. Only about a third of
the tile pixels hit their block; those are listed and merged through a depth buffer with
``scatter_reduce``, and the winners (:class:`VisiblePixels`) are lit and drawn alone.
"""

from __future__ import annotations

import dataclasses
import math

import torch

from .batch import SceneBatch
from .camera import CAMERA_DISTANCE, PLANE_Z, RAY_ORIGIN_Z, VIEW_HALF_WIDTH, pixel_centers
from .geometry import block_half, block_poses, sphere_radius

_EPS = 1e-6
_TIE_BREAK = 1e-5  # block b's depth is offset by b * this, so equal depths never tie


@dataclasses.dataclass
class Scene:
    """Blocks as drawn: centres ``[N,8,3]``, rotations ``[N,8,3,3]``, half sides and sphere
    radii ``[N,8]`` (after the weak-perspective scaling)."""

    centers: torch.Tensor
    rotations: torch.Tensor
    half: torch.Tensor
    radius: torch.Tensor

    @classmethod
    def from_batch(cls, batch: SceneBatch) -> Scene:
        centers, rotations = block_poses(batch)
        scale = CAMERA_DISTANCE / (CAMERA_DISTANCE - centers[..., 2])
        centers = torch.cat([centers[..., :2] * scale[..., None], centers[..., 2:]], -1)
        half = block_half(batch.shape)[:, None] * scale
        radius = sphere_radius(batch.shape)[:, None] * scale
        return cls(centers, rotations, half, radius)

    @property
    def bound(self) -> torch.Tensor:
        """Radius of a ball around each block centre that contains the block."""
        return torch.minimum(self.radius, self.half * math.sqrt(3))


# Vectorised CPU kernels handle 2 x 8 (AVX2) or 2 x 16 (AVX-512) floats a step and the last few
# elements of a tensor one by one, where std::pow and the vectorised pow may differ in the last
# bit; the dense tiles ([N,8,T,T], T even) never had such a tail, so neither may the visible
# pixels: their count is rounded up to a multiple of this.
VECTOR_PAD = 64


@dataclasses.dataclass
class VisiblePixels:
    """The tile pixels that win the depth test, in the tiles' order, ``[M]`` each: ``block``
    (flat block index ``n * 8 + b``), the ``scene`` ``n`` and the image ``row`` and ``col`` of the
    pixel, the offsets ``dx`` / ``dy`` from the block's centre and the entry depth ``t`` (with the
    tie break). ``count`` of them are real; the rest (up to a multiple of
    :data:`VECTOR_PAD`) repeat the first one so that pixel-wise kernels see the same vector
    widths as on the tiles, and are dropped after lighting."""

    block: torch.Tensor
    scene: torch.Tensor
    row: torch.Tensor
    col: torch.Tensor
    dx: torch.Tensor
    dy: torch.Tensor
    t: torch.Tensor
    count: int


def _tile_hits(scene: Scene, res: int):
    """The dense step on every block's ``T x T`` tile: the entry depth ``t_in`` and whether the
    ray hits the block inside the image, ``[N,8,T,T]``; the tile's image rows and columns and
    their offsets ``dy`` / ``dx`` from the block centre, ``[N,8,T]``."""
    c, rot = scene.centers, scene.rotations
    dev = c.device
    pixel = 2 * VIEW_HALF_WIDTH / res
    reach = math.ceil(float(scene.bound.max()) / pixel)
    t_size = 2 * reach + 2
    steps = torch.arange(t_size, device=dev)
    col0 = torch.floor((c[..., 0] + VIEW_HALF_WIDTH) / pixel - 0.5).long() - reach
    row0 = torch.floor((VIEW_HALF_WIDTH - c[..., 1]) / pixel - 0.5).long() - reach
    cols = col0[..., None] + steps  # [N,8,T]
    rows = row0[..., None] + steps
    dx = -VIEW_HALF_WIDTH + (cols + 0.5) * pixel - c[..., 0, None]
    dy = VIEW_HALF_WIDTH - (rows + 0.5) * pixel - c[..., 1, None]

    # slabs: ray o + t d with d = (0,0,-1); in the block frame o'_k = sum_j rot[j,k] (o_j - c_j)
    # and d'_k = -rot[2,k]; entry/exit of slab k: -o'_k / d'_k -/+ half / |d'_k|
    d = -rot[..., 2, :]  # [N,8,3]
    d = torch.where(d.abs() < _EPS, torch.full_like(d, _EPS), d)
    inv = 1.0 / d
    tc = RAY_ORIGIN_Z - c[..., 2]  # [N,8]
    col = rot[..., 0, :, None] * dx[:, :, None, :] * inv[..., None]  # [N,8,3,T]
    row = (
        rot[..., 1, :, None] * dy[:, :, None, :] + (rot[..., 2, :] * tc[..., None])[..., None]
    ) * inv[..., None]
    e = (scene.half[..., None] * inv.abs())[..., None]  # [N,8,3,1]
    near_c, far_c = -col - e, -col + e
    near = near_c[:, :, 0, None, :] - row[:, :, 0, :, None]
    far = far_c[:, :, 0, None, :] - row[:, :, 0, :, None]
    for k in (1, 2):
        near = torch.maximum(near, near_c[:, :, k, None, :] - row[:, :, k, :, None])
        far = torch.minimum(far, far_c[:, :, k, None, :] - row[:, :, k, :, None])
    # sphere: half chord sqrt(r^2 - dx^2 - dy^2) around the centre depth
    r2 = (scene.radius * scene.radius)[..., None]
    chord = ((r2 - dx * dx)[:, :, None, :] - (dy * dy)[:, :, :, None]).clamp_(min=0).sqrt_()
    t_in = torch.maximum(near, tc[..., None, None] - chord)
    t_out = torch.minimum(far, tc[..., None, None] + chord)
    inside = ((rows >= 0) & (rows < res))[..., :, None] & ((cols >= 0) & (cols < res))[..., None, :]
    hit = (t_in < t_out) & inside
    return t_in, hit, rows, cols, dx, dy


def _padded(keep: torch.Tensor) -> torch.Tensor:
    """``keep`` with ``0`` appended up to a multiple of :data:`VECTOR_PAD`."""
    padded = -(-max(len(keep), 1) // VECTOR_PAD) * VECTOR_PAD
    return torch.cat([keep, keep.new_zeros(padded - len(keep))])


def nearest_hits(scene: Scene, res: int) -> VisiblePixels:
    """The block pixels seen in a ``res`` x ``res`` image: the hit tile pixels (about a third)
    are listed and the nearest hit of each image pixel, nearer than the plane, wins through a
    depth buffer (the same as one over all tiles, where a miss counts as infinitely far)."""
    t_in, hit, rows, cols, dx, dy = _tile_hits(scene, res)
    n, blocks, t_size, _ = t_in.shape
    dev = t_in.device
    flat = hit.reshape(-1).nonzero().squeeze(1)  # tile order
    if len(flat) == 0:  # nothing in view: one harmless padded pixel, no real one
        zeros = torch.zeros(VECTOR_PAD, device=dev)
        index = torch.zeros(VECTOR_PAD, dtype=torch.long, device=dev)
        return VisiblePixels(index, index, index, index, zeros, zeros, zeros, 0)
    block = flat.div(t_size * t_size, rounding_mode="floor")
    within = flat - block * (t_size * t_size)
    tile_row = within.div(t_size, rounding_mode="floor")
    row = block * t_size + tile_row
    col = block * t_size + (within - tile_row * t_size)
    tie = _TIE_BREAK * torch.arange(blocks, device=dev, dtype=t_in.dtype)
    t = t_in.reshape(-1).index_select(0, flat) + tie.index_select(0, block % blocks)
    scene = block.div(blocks, rounding_mode="floor")
    image_row = rows.reshape(-1).index_select(0, row)
    image_col = cols.reshape(-1).index_select(0, col)
    pixel = scene * (res * res) + image_row * res + image_col
    t_plane = RAY_ORIGIN_Z - PLANE_Z
    zbuf = torch.full((n * res * res,), t_plane, device=dev)
    zbuf.scatter_reduce_(0, pixel, t, reduce="amin", include_self=True)
    keep = ((t < t_plane) & (t == zbuf.index_select(0, pixel))).nonzero().squeeze(1)
    count = len(keep)
    keep = _padded(keep)
    return VisiblePixels(
        block.index_select(0, keep),
        scene.index_select(0, keep),
        image_row.index_select(0, keep),
        image_col.index_select(0, keep),
        dx.reshape(-1).index_select(0, col.index_select(0, keep)),
        dy.reshape(-1).index_select(0, row.index_select(0, keep)),
        t.index_select(0, keep),
        count,
    )


def soft_shadow(scene: Scene, res: int, light) -> torch.Tensor:
    """How much of the light each background point misses, ``[N,1,res,res]`` in [0,1]."""
    c, rot = scene.centers, scene.rotations
    xs = pixel_centers(res, c.device)
    lx, ly, lz = light
    depth = (c[..., 2] - PLANE_Z).clamp(min=0)  # [N,8]
    alpha = depth / lz
    # plane point moved toward the light up to the block's centre depth, in the block frame
    ox = xs + lx * alpha[..., None] - c[..., 0, None]  # [N,8,res] columns
    oy = -xs + ly * alpha[..., None] - c[..., 1, None]  # rows
    oz = (PLANE_Z + lz * alpha - c[..., 2])[..., None, None]
    local = [
        rot[..., 0, k, None, None] * ox[:, :, None, :]
        + rot[..., 1, k, None, None] * oy[:, :, :, None]
        + rot[..., 2, k, None, None] * oz
        for k in range(3)
    ]  # block frame, 3 x [N,8,res,res]
    half = scene.half[..., None, None]
    outside = [v.abs() - half for v in local]
    corner = sum(o.clamp(min=0) ** 2 for o in outside).sqrt()
    box = corner + torch.maximum(torch.maximum(outside[0], outside[1]), outside[2]).clamp(max=0)
    length = sum(v * v for v in local).sqrt()
    sdf = torch.maximum(box, length - scene.radius[..., None, None])
    width = (0.10 + 0.25 * depth)[..., None, None]
    x = ((width - sdf) / (2 * width)).clamp(0, 1)  # 1 deep inside, 0 beyond the penumbra
    occlusion = (x * x * (3 - 2 * x)).amax(1)
    return occlusion[:, None]
