"""Pictures of scenes: image grids with captions (Pillow only), e.g. the contact sheet."""

from __future__ import annotations

import numpy as np
import torch


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """float [N,3,H,W] in [0,1] -> uint8 [N,H,W,3]."""
    return (images.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def grid(images: torch.Tensor, *, cols: int, pad: int = 2, fill=255):
    """Tile ``images`` [N,3,H,W] into a PIL image with ``cols`` columns."""
    from PIL import Image

    arr = to_uint8(images)
    n, h, w, _ = arr.shape
    rows = -(-n // cols)
    canvas = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, 3), fill, np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        canvas[y : y + h, x : x + w] = arr[i]
    return Image.fromarray(canvas)
