"""The renderer's geometric steps as they were before the visible-pixel path (commit f7085d5):
every tile pixel of every block lit, scattered into the supersampled image, shaded and
average-pooled there. ``tests/test_render_visible_pixels.py`` checks that the renderer gives
these pixels bit for bit; keep this copy as it is (it is the reference, not the renderer).
"""

from __future__ import annotations

import dataclasses
import math

import torch
import torch.nn.functional as F

from explainers.synthetic import SceneBatch
from explainers.synthetic.camera import PLANE_Z, RAY_ORIGIN_Z, VIEW_HALF_WIDTH
from explainers.synthetic.colors import animal_rgb
from explainers.synthetic.lighting import _dot, _local
from explainers.synthetic.render import SHADOW_DOWNSCALE, blend
from explainers.synthetic.tiles import Scene, soft_shadow

# the lighting as it was (literals: a changed constant must show as changed pixels)
AMBIENT, SKY, KEY, SPECULAR, WRAP, SHININESS, EDGE_SHARPNESS = 0.52, 0.10, 0.40, 0.06, 0.8, 20, 20
_L = (-0.40, 0.50, 1.5)
LIGHT = tuple(c / math.sqrt(sum(v * v for v in _L)) for c in _L)

_EPS = 1e-6
_TIE_BREAK = 1e-5


@dataclasses.dataclass
class Hits:
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


def block_light(scene, hits) -> tuple[torch.Tensor, torch.Tensor]:
    """The light of every tile pixel of every block, colour-free: ``gain`` (ambient + sky +
    key, multiplies the albedo) and ``highlight`` (specular, added as is), each ``[N, 8*T*T]``
    (meaningful where visible). A pixel's RGB is ``albedo * gain + SPECULAR * highlight``.

    Vectors are kept as lists of three ``[N,8,T,T]`` planes (reductions over a small strided
    axis are slow on CPUs).
    """
    rot = scene.rotations  # [N,8,3,3]
    n, _, t_size = hits.dx.shape
    depth = torch.where(hits.visible, hits.t, hits.tc[..., None, None])
    dz = hits.origin_z - depth - scene.centers[..., 2, None, None]  # [N,8,T,T]
    dx, dy = hits.dx[:, :, None, :], hits.dy[:, :, :, None]
    # hit point in the block frame
    local = [
        (rot[..., 0, k, None, None] * dx + rot[..., 1, k, None, None] * dy)
        + rot[..., 2, k, None, None] * dz
        for k in range(3)
    ]
    half = scene.half[..., None, None]
    ratio = [v.abs() / half for v in local]
    box_ratio = torch.maximum(torch.maximum(ratio[0], ratio[1]), ratio[2]).clamp_(min=1e-6)
    length = _dot(local, local).sqrt_().clamp_(min=1e-6)
    on_box = box_ratio >= length / scene.radius[..., None, None]
    # face normal, bent toward the neighbouring face close to an edge (looks bevelled)
    box = [
        torch.sign(v) * (r / box_ratio) ** EDGE_SHARPNESS for v, r in zip(local, ratio, strict=True)
    ]
    box_length = _dot(box, box).sqrt_().clamp_(min=1e-6)
    normal = [
        torch.where(on_box, b / box_length, v / length) for b, v in zip(box, local, strict=True)
    ]

    half_vector = torch.tensor(LIGHT) + torch.tensor([0.0, 0.0, 1.0])
    half_vector = tuple((half_vector / half_vector.norm()).tolist())
    light_l = _local(LIGHT, rot)[..., None, None]  # [N,8,3,1,1]
    half_l = _local(half_vector, rot)[..., None, None]
    view_l = rot[..., 2, :, None, None]  # world +z in the block frame
    lambert = ((_dot(normal, light_l.unbind(2)) + WRAP) / (1 + WRAP)).clamp_(min=0)
    sky = 0.5 + 0.5 * _dot(normal, view_l.unbind(2))
    spec = _dot(normal, half_l.unbind(2)).clamp_(min=0) ** SHININESS
    gain = AMBIENT + SKY * sky + KEY * lambert  # [N,8,T,T]
    return gain.reshape(n, 8 * t_size * t_size), spec.reshape(n, 8 * t_size * t_size)


def render_chunk(batch: SceneBatch, size: int, supersample: int):
    """``(images, coverage, shadow)`` of one chunk, as ``render._render_chunk`` made them."""
    n = len(batch)
    res = size * supersample
    scene = Scene.from_batch(batch)
    hits = nearest_hits(scene, res)
    gain, highlight = block_light(scene, hits)
    plane = res * res
    spare = n * 3 * plane
    visible = hits.visible.reshape(n, 1, -1)
    pixel = hits.index.reshape(n, 1, -1)
    offset = (torch.arange(n) * 3)[:, None, None] + torch.arange(3)[None, :, None]
    index = torch.where(visible, offset * plane + pixel, spare)
    src = torch.stack([gain, highlight, visible.reshape(n, -1).to(gain.dtype)], 1)
    buffer = torch.zeros(spare + 1)
    buffer.scatter_(0, index.reshape(-1), src.reshape(-1))
    layers = buffer[:spare].view(n, 3, res, res)
    coverage = layers[:, 2:]
    if supersample > 1:
        coverage = F.avg_pool2d(coverage, supersample)
    shadow_res = max(-(-size // SHADOW_DOWNSCALE), 8)
    shadow = soft_shadow(scene, shadow_res, LIGHT)
    shadow = F.interpolate(shadow, size=(size, size), mode="bilinear", align_corners=False)
    rgb = animal_rgb(batch.color)[:, :, None, None] * layers[:, :1] + SPECULAR * layers[:, 1:2]
    if supersample > 1:
        rgb = F.avg_pool2d(rgb, supersample)
    return blend(rgb, coverage, shadow, batch.background), coverage, shadow


@torch.no_grad()
def reference_render(batch: SceneBatch, size: int, supersample: int, chunk_size: int):
    """``(images, coverage, shadow)`` of ``batch`` in chunks of ``chunk_size``, with
    single-threaded kernels as the renderer runs them on the CPU."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        parts = [
            render_chunk(batch[i : i + chunk_size], size, supersample)
            for i in range(0, len(batch), chunk_size)
        ]
    finally:
        torch.set_num_threads(previous)
    return tuple(torch.cat(p) for p in zip(*parts, strict=True))
