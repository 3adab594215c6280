"""The ten scene factors of Two4Two, their ranges, the study's attributes and the label rule.

Ranges follow Table 5 of Schuessler et al. (ICLR 2022) with two documented choices:

* ``yaw`` uses ``[-pi, pi]`` instead of ``[0, 2 pi]`` (same full circle; 0 is the neutral pose).
* ``position_x`` / ``position_y`` keep the printed ``[-0.8, 0]``. That is not a typo: the original
  code samples ``scipy.stats.uniform(-0.8, 0.8)``, i.e. ``loc=-0.8, scale=0.8``. The renderer maps
  the range onto an image-plane shift centred on the middle of the range (``-0.4`` = centred), see
  ``geometry.POSITION_CENTER``.
"""

from __future__ import annotations

import math

import torch

FACTORS: tuple[str, ...] = (
    "legs_position",
    "color",
    "shape",
    "background",
    "yaw",
    "roll",
    "pitch",
    "bending",
    "position_x",
    "position_y",
)

FACTOR_RANGES: dict[str, tuple[float, float]] = {
    "legs_position": (0.0, 1.0),
    "color": (0.0, 1.0),  # 0 = red, 1 = blue
    "shape": (0.0, 1.0),  # 0 = cube, 1 = sphere
    "background": (0.05, 0.95),  # 0 = red, 1 = blue (paler colour map than the animal)
    "yaw": (-math.pi, math.pi),  # in-plane rotation about the viewing axis
    "roll": (-math.pi / 4, math.pi / 4),  # about the spine axis
    "pitch": (-math.pi / 6, math.pi / 6),  # about the legs axis
    "bending": (-math.pi / 10, math.pi / 10),  # spine curvature, radians per block
    "position_x": (-0.8, 0.0),
    "position_y": (-0.8, 0.0),
}

ATTRIBUTES: dict[str, list[str]] = {
    "legs": ["legs_position"],
    "color": ["color"],
    "background": ["background"],
    "shape": ["shape"],
    "rotation": ["yaw", "roll", "pitch", "bending"],
}

PEEKY, STRETCHY = 0, 1
LABEL_NAMES = {PEEKY: "Peeky", STRETCHY: "Stretchy"}

# Label rule (paper, section 3): the class is drawn first (50/50); then the legs position is
# uniform on PEEKY_LEGS for Peekies and on STRETCHY_LEGS for Stretchies, so both classes are
# equally likely inside the overlap [0.48, 0.52].
PEEKY_LEGS = (0.0, 0.52)
STRETCHY_LEGS = (0.48, 1.0)
OVERLAP = (STRETCHY_LEGS[0], PEEKY_LEGS[1])

# A scene in the middle of every range; the contact sheet varies one factor at a time from here.
NEUTRAL: dict[str, float] = {
    "legs_position": 0.5,
    "color": 0.5,
    "shape": 0.5,
    "background": 0.5,
    "yaw": 0.0,
    "roll": 0.0,
    "pitch": 0.0,
    "bending": 0.0,
    "position_x": -0.4,
    "position_y": -0.4,
}


def legs_range(label: int) -> tuple[float, float]:
    """Interval the legs position is drawn from (uniformly) for ``label``."""
    return PEEKY_LEGS if int(label) == PEEKY else STRETCHY_LEGS


def label_rule(legs_position: torch.Tensor, previous_label: torch.Tensor) -> torch.Tensor:
    """Label implied by a legs position: Peeky below the overlap, Stretchy above it.

    Inside the overlap ``[0.48, 0.52]`` both classes are possible, so the previous label is kept.
    Used by :func:`explainers.synthetic.intervene` when the legs position is changed.
    """
    label = previous_label.clone().to(torch.int64)
    label = torch.where(legs_position < OVERLAP[0], torch.full_like(label, PEEKY), label)
    return torch.where(legs_position > OVERLAP[1], torch.full_like(label, STRETCHY), label)
