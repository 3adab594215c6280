"""Shading of the blocks and of the background plane."""

from __future__ import annotations

import torch

from .camera import LIGHT, VIEW_HALF_WIDTH, pixel_centers

AMBIENT = 0.52
SKY = 0.10  # hemisphere light from the camera side
KEY = 0.40  # Lambert key light
SPECULAR = 0.06
WRAP = 0.8  # wrap-around diffuse: soft terminator like a large area light
SHININESS = 20
EDGE_SHARPNESS = 20  # normals bend toward the neighbouring face this close to an edge (bevel look)


def _local(vector, rotations):
    """World vector (3,) expressed in each block's frame -> [N,8,3]."""
    v = torch.tensor(vector, device=rotations.device, dtype=rotations.dtype)
    return torch.einsum("j,nbjk->nbk", v, rotations)


def _dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


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


def shade(albedo: torch.Tensor, gain: torch.Tensor, highlight: torch.Tensor) -> torch.Tensor:
    """RGB ``[N, 3, ...]`` of albedos ``[N, 3]`` under :func:`block_light`'s ``gain`` and
    ``highlight`` ``[N, 1, ...]``; 0 where both are 0 (no block)."""
    shape = (*albedo.shape, *(1,) * (gain.dim() - 2))
    return albedo.view(shape) * gain + SPECULAR * highlight


def background_light(size: int, device) -> torch.Tensor:
    """Gentle light fall-off across the plane (brighter toward the light), ``[1,1,size,size]``."""
    xs = pixel_centers(size, device) / VIEW_HALF_WIDTH
    d2 = (xs[None, :] - LIGHT[0]) ** 2 + (-xs[:, None] - LIGHT[1]) ** 2
    return (1.02 - 0.07 * d2)[None, None]
