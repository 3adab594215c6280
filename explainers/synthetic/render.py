"""Fast, deterministic, fully vectorised torch renderer for Peeky/Stretchy scenes.

Orthographic camera looking down -z at the animal, a background plane behind it at
``PLANE_Z``. Each block is the intersection of a cube (slab test) and a sphere (quadratic); a ray
hits it between ``max(entries)`` and ``min(exits)``. The nearest hit over the 8 blocks (and the
plane) wins; blocks are shaded with ambient + hemisphere + Lambert key light + a small specular
highlight. The animal casts a soft shadow on the plane: for every plane point the block is
sliced at its centre depth along the light direction and the signed distance to the slice is
turned into a penumbra whose width grows with the distance to the plane. Shadows depend only
on geometry (never on colours). Rendering happens at ``supersample`` x the output size and is
average-pooled (anti-aliasing); no randomness anywhere.
"""

from __future__ import annotations

import dataclasses
import math

import torch
import torch.nn.functional as F

from .batch import SceneBatch
from .colors import animal_rgb, background_rgb
from .geometry import BLOCK_HALF, block_poses, sphere_radius

VIEW_HALF_WIDTH = 3.3  # world units from the image centre to its edge
CAMERA_Z = 10.0
PLANE_Z = -1.9
_L = (-0.42, 0.52, 1.0)
LIGHT = tuple(c / math.sqrt(sum(v * v for v in _L)) for c in _L)  # direction toward the light
SHADOW_DARKNESS = 0.32
SHADOW_RESOLUTION = 4  # shadows are soft: computed at size / 4 and upsampled
_EPS = 1e-6


@dataclasses.dataclass
class RenderOutput:
    """``images`` float32 [N,3,H,W] in [0,1]; ``mask`` bool [N,1,H,W]: pixels at least half
    covered by the animal; ``coverage`` float [N,1,H,W]: fraction of the pixel covered by the
    animal (0 = pure background, 1 = pure animal); ``shadow`` float [N,1,H,W]: how much the pixel's
    background is darkened by the animal's shadow (0 = not at all)."""

    images: torch.Tensor
    mask: torch.Tensor
    coverage: torch.Tensor
    shadow: torch.Tensor


def _pixel_centers(res: int, device) -> torch.Tensor:
    return ((torch.arange(res, device=device, dtype=torch.float32) + 0.5) / res * 2 - 1) * (
        VIEW_HALF_WIDTH
    )


def _nearest_block(centers, rotations, radius, res):
    """Per pixel: ray parameter of the nearest hit and its block index (8 = background)."""
    n = centers.shape[0]
    dev = centers.device
    xs = _pixel_centers(res, dev)  # along columns
    ys = -xs  # along rows (row 0 is the top)
    t_plane = CAMERA_Z - PLANE_Z
    best_t = torch.full((n, res, res), t_plane, device=dev)
    best_id = torch.full((n, res, res), 8, device=dev, dtype=torch.uint8)
    h = BLOCK_HALF
    r2 = (radius * radius)[:, None]
    for b in range(8):
        rot = rotations[:, b]  # [N,3,3], columns = block axes in world
        c = centers[:, b]  # [N,3]
        # local origin o'_k = sum_j rot[j,k] (o_j - c_j); local direction d'_k = -rot[2,k]
        d = -rot[:, 2, :]
        d = torch.where(d.abs() < _EPS, torch.full_like(d, _EPS), d)
        inv = 1.0 / d  # [N,3]
        col = rot[:, 0, :, None] * (xs[None, None, :] - c[:, 0, None, None]) * inv[:, :, None]
        row = (
            rot[:, 1, :, None] * (ys[None, None, :] - c[:, 1, None, None])
            + (rot[:, 2, :] * (CAMERA_Z - c[:, 2, None]))[:, :, None]
        ) * inv[:, :, None]
        e = (h * inv.abs())[:, :, None]
        near_c, far_c = -col - e, -col + e  # [N,3,res] over columns
        near = torch.maximum(
            torch.maximum(
                near_c[:, 0, None, :] - row[:, 0, :, None],
                near_c[:, 1, None, :] - row[:, 1, :, None],
            ),
            near_c[:, 2, None, :] - row[:, 2, :, None],
        )
        far = torch.minimum(
            torch.minimum(
                far_c[:, 0, None, :] - row[:, 0, :, None], far_c[:, 1, None, :] - row[:, 1, :, None]
            ),
            far_c[:, 2, None, :] - row[:, 2, :, None],
        )
        dx2 = (xs[None, :] - c[:, 0, None]) ** 2  # [N,res]
        dy2 = (ys[None, :] - c[:, 1, None]) ** 2
        half_chord = ((r2 - dx2)[:, None, :] - dy2[:, :, None]).clamp_(min=0).sqrt_()
        tc = (CAMERA_Z - c[:, 2])[:, None, None]
        t_in = torch.maximum(near, tc - half_chord)
        t_out = torch.minimum(far, tc + half_chord)
        front = (t_in < t_out) & (t_in < best_t)
        best_t = torch.where(front, t_in, best_t)
        best_id = torch.where(front, torch.full_like(best_id, b), best_id)
    return best_t, best_id


def _block_normals(centers, rotations, radius, best_t, best_id, res):
    """World normals [N,3,res,res] at the visible block surface (garbage on background)."""
    n = centers.shape[0]
    dev = centers.device
    xs = _pixel_centers(res, dev)
    idx = best_id.long().clamp(max=7).reshape(n, -1)  # [N,P]
    c = torch.gather(centers, 1, idx[..., None].expand(-1, -1, 3))  # [N,P,3]
    rot = torch.gather(rotations.reshape(n, 8, 9), 1, idx[..., None].expand(-1, -1, 9))
    rot = rot.reshape(n, -1, 3, 3)
    px = xs[None, None, :].expand(n, res, res).reshape(n, -1)
    py = (-xs)[None, :, None].expand(n, res, res).reshape(n, -1)
    pz = CAMERA_Z - best_t.reshape(n, -1)
    p = torch.stack([px, py, pz], -1) - c  # [N,P,3]
    local = (p[..., :, None] * rot).sum(-2)  # local_k = sum_j rot[j,k] p_j
    r = radius[:, None]
    box_ratio, axis = (local.abs() / BLOCK_HALF).max(-1)
    sphere_ratio = local.norm(dim=-1) / r
    on_box = box_ratio >= sphere_ratio
    sign = torch.sign(torch.gather(local, -1, axis[..., None])).squeeze(-1)
    box_normal = torch.gather(rot, -1, axis[:, :, None, None].expand(-1, -1, 3, 1)).squeeze(-1)
    box_normal = box_normal * sign[..., None]
    sphere_normal = p / p.norm(dim=-1, keepdim=True).clamp(min=_EPS)
    normal = torch.where(on_box[..., None], box_normal, sphere_normal)
    return normal.transpose(1, 2).reshape(n, 3, res, res)


def _shadow(centers, rotations, radius, res):
    """Occlusion [N,1,res,res] in [0,1] of the light at each point of the background plane."""
    n = centers.shape[0]
    dev = centers.device
    xs = _pixel_centers(res, dev)
    ys = -xs
    lx, ly, lz = LIGHT
    h = BLOCK_HALF
    r = radius[:, None, None]
    occlusion = torch.zeros((n, res, res), device=dev)
    for b in range(8):
        rot = rotations[:, b]
        c = centers[:, b]
        depth = (c[:, 2] - PLANE_Z).clamp(min=0)  # [N]
        alpha = depth / lz
        # plane point moved toward the light up to the block's centre depth, in the block frame
        ox = xs[None, :] + lx * alpha[:, None] - c[:, 0, None]  # [N,res] columns
        oy = ys[None, :] + ly * alpha[:, None] - c[:, 1, None]  # rows
        q = []
        for k in range(3):
            q.append(
                (rot[:, 0, k, None] * ox)[:, None, :]
                + (rot[:, 1, k, None] * oy)[:, :, None]
                + (rot[:, 2, k] * (PLANE_Z + lz * alpha - c[:, 2]))[:, None, None]
            )
        local = torch.stack(q, 1)  # [N,3,res,res]
        outside = local.abs() - h
        box = outside.clamp(min=0).norm(dim=1) + outside.amax(1).clamp(max=0)
        sdf = torch.maximum(box, local.norm(dim=1) - r)
        width = (0.12 + 0.22 * depth)[:, None, None]
        x = ((width - sdf) / (2 * width)).clamp(0, 1)  # 1 deep inside, 0 beyond the penumbra
        occlusion = torch.maximum(occlusion, x * x * (3 - 2 * x))
    return occlusion[:, None]


def _background_light(res, device) -> torch.Tensor:
    """Gentle light fall-off across the plane (brighter toward the light), [1,1,res,res]."""
    xs = _pixel_centers(res, device) / VIEW_HALF_WIDTH
    d2 = (xs[None, :] - LIGHT[0]) ** 2 + (-xs[:, None] - LIGHT[1]) ** 2
    return (1.04 - 0.07 * d2)[None, None]


def _render_chunk(batch: SceneBatch, size: int, supersample: int):
    res = size * supersample
    dev = batch.device
    centers, rotations = block_poses(batch)
    radius = sphere_radius(batch.shape)
    best_t, best_id = _nearest_block(centers, rotations, radius, res)
    is_object = (best_id < 8)[:, None]  # [N,1,res,res]
    normal = _block_normals(centers, rotations, radius, best_t, best_id, res)
    light = torch.tensor(LIGHT, device=dev).view(1, 3, 1, 1)
    lambert = (normal * light).sum(1, keepdim=True).clamp(min=0)
    hemi = 0.5 + 0.5 * normal[:, 2:3]
    half = light + torch.tensor([0.0, 0.0, 1.0], device=dev).view(1, 3, 1, 1)
    half = half / half.norm(dim=1, keepdim=True)
    spec = (normal * half).sum(1, keepdim=True).clamp(min=0) ** 24
    albedo = animal_rgb(batch.color)[:, :, None, None]
    obj = albedo * (0.30 + 0.22 * hemi + 0.62 * lambert) + 0.10 * spec

    shadow_res = max(size // SHADOW_RESOLUTION, 8)
    occlusion = _shadow(centers, rotations, radius, shadow_res)
    occlusion = F.interpolate(occlusion, size=(res, res), mode="bilinear", align_corners=False)
    bg = background_rgb(batch.background)[:, :, None, None] * _background_light(res, dev)
    bg = bg * (1 - SHADOW_DARKNESS * occlusion)
    image = torch.where(is_object, obj, bg).clamp(0, 1)

    pool = supersample
    images = F.avg_pool2d(image, pool) if pool > 1 else image
    coverage = F.avg_pool2d(is_object.float(), pool) if pool > 1 else is_object.float()
    shadow = F.avg_pool2d(occlusion, pool) if pool > 1 else occlusion
    return images, coverage, shadow


def render(
    batch: SceneBatch,
    *,
    size: int = 128,
    device=None,
    supersample: int = 2,
    chunk_size: int | None = None,
) -> RenderOutput:
    """Render ``batch`` to images ``[N,3,size,size]`` (on the batch's device, or ``device``)."""
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    if not isinstance(supersample, int) or supersample < 1:
        raise ValueError(f"supersample must be a positive integer, got {supersample!r}")
    if device is not None:
        batch = batch.to(device)
    batch.check_ranges()
    if chunk_size is None:
        # keep one [chunk, res, res] float plane around 16 M values
        chunk_size = max(1, (1 << 24) // (size * supersample) ** 2)
    parts = []
    with torch.no_grad():
        for start in range(0, len(batch), chunk_size):
            parts.append(_render_chunk(batch[start : start + chunk_size], size, supersample))
    images, coverage, shadow = (torch.cat(p) for p in zip(*parts, strict=True))
    return RenderOutput(images=images, mask=coverage >= 0.5, coverage=coverage, shadow=shadow)
