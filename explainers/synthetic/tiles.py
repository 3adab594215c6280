"""Ray casting of the eight blocks on small per-block tiles, and the soft shadow on the plane.

Each block covers only a small part of the image, so it is intersected only with the rays of a
``T x T`` tile of pixels around its projection (``T`` from the largest block in the chunk); the
tiles of all blocks are then merged through a depth buffer with ``scatter_reduce``. Because the
rays are parallel, the ray/slab and ray/sphere terms separate into a column part and a row part,
so every tile pixel costs a handful of broadcast additions. Only about a third of the tile
pixels win the depth test; :func:`visible_pixels` lists those, so that the blocks are lit and
drawn there alone.
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


@dataclasses.dataclass
class Hits:
    """Per block tile ``[N,8,T,T]``: depth ``t`` of the entry point, whether the block is the
    visible surface there, and the flat pixel ``index``; tile pixel offsets from the block centre
    ``dx`` (columns) / ``dy`` (rows) ``[N,8,T]``; ``tc`` ray depth of the centre ``[N,8]``."""

    t: torch.Tensor
    visible: torch.Tensor
    index: torch.Tensor
    dx: torch.Tensor
    dy: torch.Tensor
    tc: torch.Tensor
    origin_z: float = RAY_ORIGIN_Z


def nearest_hits(scene: Scene, res: int) -> Hits:
    c, rot = scene.centers, scene.rotations
    n = c.shape[0]
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
    t_in = t_in + _TIE_BREAK * torch.arange(8, device=dev, dtype=t_in.dtype)[:, None, None]
    t_in = torch.where(hit, t_in, torch.full_like(t_in, math.inf))

    spare = res * res
    index = torch.where(inside, rows[..., :, None] * res + cols[..., None, :], spare)
    flat_index = index.reshape(n, -1)
    flat_t = t_in.reshape(n, -1)
    t_plane = RAY_ORIGIN_Z - PLANE_Z
    zbuf = torch.full((n, spare + 1), t_plane, device=dev)
    zbuf.scatter_reduce_(1, flat_index, flat_t, reduce="amin", include_self=True)
    visible = hit & (t_in < t_plane) & (t_in == zbuf.gather(1, flat_index).reshape(t_in.shape))
    return Hits(t=t_in, visible=visible, index=index, dx=dx, dy=dy, tc=tc)


# Vectorised CPU kernels handle 2 x 8 (AVX2) or 2 x 16 (AVX-512) floats a step and the last few
# elements of a tensor one by one, where std::pow and the vectorised pow may differ in the last
# bit; the dense tiles ([N,8,T,T], T even) never have such a tail, so neither may the visible
# pixels: their count is rounded up to a multiple of this.
VECTOR_PAD = 64


@dataclasses.dataclass
class VisiblePixels:
    """The tile pixels that win the depth test, in the tiles' order, ``[M]`` each: ``block``
    (flat block index ``n * 8 + b``), ``pixel`` (flat index of the image pixel ``n * res * res +
    row * res + col``), the offsets ``dx`` / ``dy`` from the block's centre and the entry depth
    ``t``. ``count`` of them are real; the rest (up to a multiple of :data:`VECTOR_PAD`) repeat
    the first tile pixel so that pixel-wise kernels see the same vector widths as on the tiles,
    and are dropped after lighting."""

    block: torch.Tensor
    pixel: torch.Tensor
    dx: torch.Tensor
    dy: torch.Tensor
    t: torch.Tensor
    count: int


def visible_pixels(hits: Hits, res: int) -> VisiblePixels:
    """The visible tile pixels of ``hits`` (a ``res`` x ``res`` image), padded
    (:class:`VisiblePixels`)."""
    n, blocks, t_size, _ = hits.t.shape
    flat = hits.visible.reshape(-1).nonzero().squeeze(1)
    count = len(flat)
    padded = -(-max(count, 1) // VECTOR_PAD) * VECTOR_PAD
    flat = torch.cat([flat, flat.new_zeros(padded - count)])
    block, within = flat.div(t_size * t_size, rounding_mode="floor"), flat % (t_size * t_size)
    row, col = within.div(t_size, rounding_mode="floor"), within % t_size
    scene = block.div(blocks, rounding_mode="floor")
    pixel = hits.index.reshape(-1).index_select(0, flat) + scene * (res * res)
    dx = hits.dx.reshape(-1).index_select(0, block * t_size + col)
    dy = hits.dy.reshape(-1).index_select(0, block * t_size + row)
    return VisiblePixels(block, pixel, dx, dy, hits.t.reshape(-1).index_select(0, flat), count)


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
