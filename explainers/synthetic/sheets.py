"""Pictures of scenes (Pillow only): the contact sheet and labelled sample grids."""

from __future__ import annotations

import numpy as np
import torch

from .batch import SceneBatch
from .factors import FACTOR_RANGES, FACTORS, LABEL_NAMES, NEUTRAL
from .render import render
from .samplers import Sampler

_INK = (40, 40, 40)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """float [N,3,H,W] in [0,1] -> uint8 [N,H,W,3]."""
    return (images.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def _font(size: int):
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def grid(images: torch.Tensor, *, cols: int, pad: int = 2, fill=255, captions=None, left=None):
    """Tile ``images`` [N,3,H,W] into a PIL image with ``cols`` columns; optional caption under
    each tile and label left of each row."""
    from PIL import Image, ImageDraw

    arr = to_uint8(images)
    n, h, w, _ = arr.shape
    rows = -(-n // cols)
    caption_h = 16 if captions else 0
    left_w = 112 if left else 0
    cell_h, cell_w = h + pad + caption_h, w + pad
    canvas = np.full((rows * cell_h + pad, left_w + cols * cell_w + pad, 3), fill, np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        y, x = pad + r * cell_h, left_w + pad + c * cell_w
        canvas[y : y + h, x : x + w] = arr[i]
    image = Image.fromarray(canvas)
    draw = ImageDraw.Draw(image)
    small, big = _font(11), _font(13)
    for i, text in enumerate(captions or []):
        r, c = divmod(i, cols)
        x, y = left_w + pad + c * cell_w + w / 2, pad + r * cell_h + h + 2
        draw.text((x, y), text, fill=_INK, font=small, anchor="ma")
    for r, text in enumerate(left or []):
        draw.text((6, pad + r * cell_h + h / 2), text, fill=_INK, font=big, anchor="lm")
    return image


def contact_sheet(*, size: int = 128, steps: int = 7, device="cpu", base=None):
    """One row per factor, ``steps`` values from its low to its high end, the other factors at
    ``base`` (default: ``NEUTRAL`` with a light blue animal, which stands out from the grey
    neutral background better than the neutral colour's near-white)."""
    base = {**NEUTRAL, "color": 0.8, **(base or {})}
    rows = []
    captions = []
    for factor in FACTORS:
        lo, hi = FACTOR_RANGES[factor]
        values = torch.linspace(lo, hi, steps)
        scenes = {name: torch.full((steps,), base[name]) for name in FACTORS}
        scenes[factor] = values
        rows.append(SceneBatch(**scenes, label=torch.zeros(steps, dtype=torch.int64)))
        captions += [f"{v:.2f}" for v in values.tolist()]
    batch = SceneBatch.cat(rows).to(device)
    images = render(batch, size=size).images
    return grid(images, cols=steps, captions=captions, left=list(FACTORS))


def sample_sheet(sampler: Sampler, *, n: int = 16, seed: int = 0, size: int = 128, cols: int = 4):
    """``n`` random scenes from ``sampler`` with their class and legs position as captions."""
    batch = sampler.sample(n, generator=torch.Generator().manual_seed(seed))
    images = render(batch, size=size).images
    captions = [
        f"{LABEL_NAMES[int(label)]}, legs {legs:.2f}"
        for label, legs in zip(batch.label.tolist(), batch.legs_position.tolist(), strict=True)
    ]
    return grid(images, cols=cols, captions=captions)
