"""The factor groups a participant mixes as one unit: the Two4Two counterpart of the paper's
layer-blocks (Figure 7 groups StyleGAN2's 18 layers into four blocks).

* ``body``: the legs position, the spine's bending and the body's pose (roll about the spine,
  pitch about the legs axis) -- what the animal itself is.
* ``appearance``: the blocks' colour and shape.
* ``scene``: the background colour, the position in the image and the in-plane rotation (yaw).

Every factor of :data:`explainers.synthetic.FACTORS` is in exactly one group.
"""

from __future__ import annotations

from explainers.synthetic import FACTORS

FACTOR_GROUPS: dict[str, tuple[str, ...]] = {
    "body": ("legs_position", "bending", "roll", "pitch"),
    "appearance": ("color", "shape"),
    "scene": ("background", "position_x", "position_y", "yaw"),
}

GROUP_LABELS: dict[str, str] = {
    "body": "Body: legs position, bending, pose",
    "appearance": "Appearance: colour, block shape",
    "scene": "Scene: background, position, rotation",
}

_grouped = [f for group in FACTOR_GROUPS.values() for f in group]
if sorted(_grouped) != sorted(FACTORS):  # pragma: no cover - a module-level consistency check
    raise RuntimeError("FACTOR_GROUPS must hold every factor of FACTORS exactly once")
