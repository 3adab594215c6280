"""Shading of the blocks and of the background plane."""

from __future__ import annotations

import torch

from .camera import LIGHT, RAY_ORIGIN_Z, VIEW_HALF_WIDTH, pixel_centers

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


def _block_table(scene) -> torch.Tensor:
    """Per block ``[18, N*8]``: the rotation (``rot[j, k]`` in row ``3 j + k``), the half side,
    the sphere radius, the centre depth and the key light's and the highlight's half vector in
    the block frame (rows 12-14, 15-17)."""
    rot = scene.rotations  # [N,8,3,3]
    half_vector = torch.tensor(LIGHT) + torch.tensor([0.0, 0.0, 1.0])
    half_vector = tuple((half_vector / half_vector.norm()).tolist())
    columns = [
        rot.flatten(2),
        scene.half[..., None],
        scene.radius[..., None],
        scene.centers[..., 2:],
        _local(LIGHT, rot),
        _local(half_vector, rot),
    ]
    return torch.cat(columns, -1).flatten(0, 1).T.contiguous()


def block_light(scene, pixels) -> tuple[torch.Tensor, torch.Tensor]:
    """The light of the visible block pixels (:func:`tiles.nearest_hits`), colour-free:
    ``gain`` (ambient + sky + key, multiplies the albedo) and ``highlight`` (specular, added as
    is), each ``[pixels.count]``. A pixel's RGB is ``albedo * gain + SPECULAR * highlight``.

    Every pixel is lit with its block's values gathered beside it, one plane per quantity (lists
    of three planes for vectors: reductions over a small strided axis are slow on CPUs), by the
    same operations in the same order as on the dense tiles before, so the light is the same bit
    for bit, at a third of the pixels.
    """
    # one gather per quantity: faster than one gather of the whole table on CPUs
    table = [row.index_select(0, pixels.block) for row in _block_table(scene)]  # 18 x [M]
    rot = [[table[3 * j + k] for k in range(3)] for j in range(3)]
    half, radius, center_z = table[9], table[10], table[11]
    dz = RAY_ORIGIN_Z - pixels.t - center_z
    dx, dy = pixels.dx, pixels.dy
    # hit point in the block frame
    local = [(rot[0][k] * dx + rot[1][k] * dy) + rot[2][k] * dz for k in range(3)]
    ratio = [v.abs() / half for v in local]
    box_ratio = torch.maximum(torch.maximum(ratio[0], ratio[1]), ratio[2]).clamp_(min=1e-6)
    length = _dot(local, local).sqrt_().clamp_(min=1e-6)
    on_box = box_ratio >= length / radius
    # face normal, bent toward the neighbouring face close to an edge (looks bevelled)
    box = [
        torch.sign(v) * (r / box_ratio) ** EDGE_SHARPNESS for v, r in zip(local, ratio, strict=True)
    ]
    box_length = _dot(box, box).sqrt_().clamp_(min=1e-6)
    normal = [
        torch.where(on_box, b / box_length, v / length) for b, v in zip(box, local, strict=True)
    ]
    light_l, half_l, view_l = table[12:15], table[15:18], rot[2]  # view: world +z, block frame
    lambert = ((_dot(normal, light_l) + WRAP) / (1 + WRAP)).clamp_(min=0)
    sky = 0.5 + 0.5 * _dot(normal, view_l)
    spec = _dot(normal, half_l).clamp_(min=0) ** SHININESS
    gain = AMBIENT + SKY * sky + KEY * lambert
    return gain[: pixels.count], spec[: pixels.count]


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
