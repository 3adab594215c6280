"""Pastel colour maps from red (0) to blue (1), evaluated in torch.

Both are matplotlib's 'coolwarm' (reversed so that 0 is red) mixed with white: the animal's map
keeps more colour, the background's is paler, so an animal never vanishes into its background.
"""

from __future__ import annotations

import torch

# matplotlib coolwarm at 0, 0.25, 0.5, 0.75, 1 (blue ... grey ... red), reversed to red -> blue
_COOLWARM_RED_TO_BLUE = (
    (0.7057, 0.0156, 0.1502),
    (0.9567, 0.5980, 0.4773),
    (0.8674, 0.8644, 0.8626),
    (0.5543, 0.6901, 0.9955),
    (0.2298, 0.2987, 0.7537),
)
ANIMAL_WHITE_MIX = 0.48
BACKGROUND_WHITE_MIX = 0.70
BACKGROUND_GREY = 0.93  # the background map fades toward this grey, not pure white


def _colormap(t: torch.Tensor, white_mix: float, white: float = 1.0) -> torch.Tensor:
    """``t`` ``[N]`` in [0, 1] -> RGB ``[N, 3]`` by piecewise-linear interpolation."""
    table = torch.tensor(_COOLWARM_RED_TO_BLUE, device=t.device, dtype=torch.float32)
    table = table + (white - table) * white_mix
    pos = t.clamp(0, 1) * (len(table) - 1)
    i = pos.floor().clamp(max=len(table) - 2).long()
    w = (pos - i)[:, None]
    return table[i] * (1 - w) + table[i + 1] * w


def animal_rgb(color: torch.Tensor) -> torch.Tensor:
    return _colormap(color, ANIMAL_WHITE_MIX)


def background_rgb(background: torch.Tensor) -> torch.Tensor:
    return _colormap(background, BACKGROUND_WHITE_MIX, BACKGROUND_GREY)
