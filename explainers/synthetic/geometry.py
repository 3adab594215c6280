"""Where the eight blocks of a Peeky/Stretchy are and how they are turned.

Animal frame (before the whole-body rotation): the spine runs along +x, the legs stick out along
+-y, +z points at the camera. Spine blocks sit at arc length s = -1, 0, 1, 2; the fixed pair of legs
at s = -1.5 (extended outward past the first block); the moving pair at s = 1.5 + legs_position,
so legs_position 0.5 puts it level with the last spine block, 0 pulls it inward (Peeky) and 1
pushes it outward (Stretchy, symmetric to the fixed pair). Legs are 1 unit off the spine.

``bending`` is the spine curvature (radians per unit of arc length) in the animal plane; every
block is turned with the spine tangent at its arc position. The body is then rotated by
``roll`` (about the spine axis x), ``pitch`` (about the legs axis y) and ``yaw`` (about the viewing
axis z): ``R = Rz(yaw) Ry(pitch) Rx(roll)``, and shifted in the image plane by
``(position - POSITION_CENTER) * POSITION_SCALE``.
"""

from __future__ import annotations

import torch

from .batch import SceneBatch

BLOCK_HALF = 0.4  # half side of a block (blocks are 0.8 wide, spaced 1 apart)
SPINE = (-1.0, 0.0, 1.0, 2.0)
FIXED_LEGS = -1.5
MOVING_LEGS_AT_ZERO = 1.5
LEG_OFFSET = 1.0
ARC_CENTER = 0.5  # the middle of the spine stays put when bending
POSITION_CENTER = -0.4
POSITION_SCALE = 1.0
# a block is the intersection of a cube and a sphere: radius from the half diagonal (cube,
# shape=0; slightly less so that even cubes have a hint of rounded corners) to the half side
# (sphere, shape=1)
# (sphere, shape=1). Round blocks are drawn a little larger (as in the original, whose bevelled
# cubes shrink when rounded), so that spheres do not look much smaller than cubes.
SPHERE_RADIUS_CUBE = 1.62  # in units of the half side
SPHERE_RADIUS_BALL = 1.0
ROUND_GROWTH = 0.15


def block_half(shape: torch.Tensor) -> torch.Tensor:
    """Half side of the cube part of a block, ``[N]``."""
    return BLOCK_HALF * (1 + ROUND_GROWTH * shape)


def sphere_radius(shape: torch.Tensor) -> torch.Tensor:
    """Radius of the sphere part of a block, ``[N]``."""
    return block_half(shape) * (
        SPHERE_RADIUS_CUBE + (SPHERE_RADIUS_BALL - SPHERE_RADIUS_CUBE) * shape
    )


def _rot_x(a):
    c, s, o, z = a.cos(), a.sin(), torch.ones_like(a), torch.zeros_like(a)
    return torch.stack([o, z, z, z, c, -s, z, s, c], -1).reshape(*a.shape, 3, 3)


def _rot_y(a):
    c, s, o, z = a.cos(), a.sin(), torch.ones_like(a), torch.zeros_like(a)
    return torch.stack([c, z, s, z, o, z, -s, z, c], -1).reshape(*a.shape, 3, 3)


def _rot_z(a):
    c, s, o, z = a.cos(), a.sin(), torch.ones_like(a), torch.zeros_like(a)
    return torch.stack([c, -s, z, s, c, z, z, z, o], -1).reshape(*a.shape, 3, 3)


def block_poses(batch: SceneBatch) -> tuple[torch.Tensor, torch.Tensor]:
    """Block centres ``[N, 8, 3]`` and rotations ``[N, 8, 3, 3]`` (world from block frame).

    Block order: 4 spine blocks (tail to head), fixed legs (+y, -y), moving legs (+y, -y).
    """
    n = len(batch)
    dev = batch.device
    spine = torch.tensor(SPINE, device=dev).expand(n, 4)
    fixed = torch.full((n, 2), FIXED_LEGS, device=dev)
    moving = (MOVING_LEGS_AT_ZERO + batch.legs_position)[:, None].expand(n, 2)
    s = torch.cat([spine, fixed, moving], 1)  # arc positions [N, 8]
    side = torch.tensor([0.0, 0, 0, 0, 1, -1, 1, -1], device=dev) * LEG_OFFSET
    kappa = batch.bending[:, None]
    u = s - ARC_CENTER
    theta = kappa * u
    # point on the arc: (sin(theta), 1 - cos(theta)) / kappa, written to be stable at kappa = 0
    x = u * torch.sinc(theta / torch.pi)
    y = u * (theta / 2) * torch.sinc(theta / (2 * torch.pi)) ** 2
    x = x - side * theta.sin()
    y = y + side * theta.cos()
    local = torch.stack([x, y, torch.zeros_like(x)], -1)  # [N, 8, 3]
    body = _rot_z(batch.yaw) @ _rot_y(batch.pitch) @ _rot_x(batch.roll)  # [N, 3, 3]
    centers = local @ body.transpose(1, 2)
    shift = torch.stack(
        [
            (batch.position_x - POSITION_CENTER) * POSITION_SCALE,
            (batch.position_y - POSITION_CENTER) * POSITION_SCALE,
            torch.zeros_like(batch.position_x),
        ],
        -1,
    )
    centers = centers + shift[:, None, :]
    rotations = body[:, None] @ _rot_z(theta)
    return centers, rotations
