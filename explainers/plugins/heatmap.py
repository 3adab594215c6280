"""Heat maps laid over images, and the colour scale that explains them (matplotlib colour maps)."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from PIL import Image, ImageDraw, ImageFont

from .base import as_uint8_image


def heat_overlay(image, heat: np.ndarray, *, alpha: float, cmap: str) -> np.ndarray:
    """``heat`` (values in [0, 1], the image's resolution or smaller: resized bicubically) in the
    colours of ``cmap``, blended over ``image`` with opacity ``alpha * heat`` (low values leave
    the image visible)."""
    image = as_uint8_image(image)
    h, w = image.shape[:2]
    heat = np.asarray(heat, dtype=np.float32)
    if heat.shape != (h, w):
        heat = np.asarray(Image.fromarray(heat, mode="F").resize((w, h), Image.Resampling.BICUBIC))
    heat = np.clip(heat, 0, 1)[..., None]
    colour = colormaps[cmap](heat[..., 0])[..., :3] * 255
    weight = alpha * np.sqrt(heat)  # faint evidence still visible, strong evidence opaque-ish
    out = (1 - weight) * image + weight * colour
    return np.clip(out, 0, 255).round().astype(np.uint8)


def colour_bar(scale: dict, width: int, *, font_size: int = 14) -> Image.Image:
    """A horizontal colour bar with its title and end labels (``scale`` as in the attribution
    explainers' ``meta["colour_scale"]``: cmap, title, low, high)."""
    font = ImageFont.load_default(size=font_size)
    bar_w, bar_h, pad = min(width - 20, 420), 16, 6
    ramp = colormaps[scale["cmap"]](np.linspace(0, 1, bar_w))[:, :3] * 255
    bar = Image.fromarray(np.repeat(ramp[None].astype(np.uint8), bar_h, axis=0))
    height = 3 * font_size + bar_h + 4 * pad
    out = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(out)
    x0 = (width - bar_w) // 2
    draw.text((x0, pad), scale["title"], fill="black", font=font)
    y = pad * 2 + font_size + 2
    out.paste(bar, (x0, y))
    draw.rectangle([x0 - 1, y - 1, x0 + bar_w, y + bar_h], outline="black")
    y += bar_h + pad
    draw.text((x0, y), scale["low"], fill="black", font=font)
    right = draw.textbbox((0, 0), scale["high"], font=font)[2]
    draw.text((x0 + bar_w - right, y), scale["high"], fill="black", font=font)
    return out
