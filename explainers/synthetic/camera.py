"""Camera, background plane and light: the fixed stage every scene is rendered on."""

from __future__ import annotations

import math

import torch

VIEW_HALF_WIDTH = 3.6  # world units from the image centre to its border
RAY_ORIGIN_Z = 10.0  # parallel rays start here and travel toward -z
CAMERA_DISTANCE = 9.0  # pinhole distance used for the weak-perspective block scaling
PLANE_Z = -1.6  # background plane
_L = (-0.40, 0.50, 1.5)
LIGHT = tuple(c / math.sqrt(sum(v * v for v in _L)) for c in _L)  # unit vector toward the light


def pixel_centers(res: int, device) -> torch.Tensor:
    """World x of each column centre (and -y of each row centre) for a ``res`` image."""
    steps = torch.arange(res, device=device, dtype=torch.float32) + 0.5
    return (steps / res * 2 - 1) * VIEW_HALF_WIDTH
