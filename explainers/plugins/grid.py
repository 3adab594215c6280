"""Picture helpers shared by explainers: compose a labelled grid, highlight regions, heat maps."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from PIL import Image, ImageDraw, ImageFont

from .base import Stimulus, as_uint8_image
from .heatmap import colour_bar


def compose_grid(stimulus: Stimulus, *, cell_px: int = 128, gap: int = 4) -> Image.Image:
    """The whole stimulus as one RGB picture: column labels on top, row labels on the left,
    and the colour scale below when ``stimulus.meta`` has one (``colour_scale``)."""
    font = ImageFont.load_default(size=max(12, cell_px // 9))
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))

    def text_size(text: str) -> tuple[int, int]:
        left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
        return right - left, bottom - top

    col_lines = [_wrap(label, cell_px, text_size) for label in stimulus.col_labels]
    line_h = text_size("Ag")[1] + 4
    header = max(len(lines) for lines in col_lines) * line_h + 8
    if not any(stimulus.col_labels):
        header = 0
    label_w = max((text_size(t)[0] for t in stimulus.row_labels if t), default=0)
    left = label_w + 12 if label_w else 0
    width = left + stimulus.cols * (cell_px + gap) + gap
    height = header + stimulus.rows * (cell_px + gap) + gap
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    for c, lines in enumerate(col_lines):
        x0 = left + gap + c * (cell_px + gap)
        for i, line in enumerate(lines):
            w = text_size(line)[0]
            draw.text((x0 + (cell_px - w) // 2, 4 + i * line_h), line, fill="black", font=font)
    for r, c, cell in stimulus:
        x = left + gap + c * (cell_px + gap)
        y = header + gap + r * (cell_px + gap)
        tile = Image.fromarray(cell.image).resize((cell_px, cell_px), Image.Resampling.LANCZOS)
        canvas.paste(tile, (x, y))
    for r, label in enumerate(stimulus.row_labels):
        if label:
            h = text_size(label)[1]
            y = header + gap + r * (cell_px + gap) + (cell_px - h) // 2
            draw.text((6, y), label, fill="black", font=font)
    if "colour_scale" in stimulus.meta:  # heat maps: the scale below the grid
        bar = colour_bar(stimulus.meta["colour_scale"], width, font_size=max(12, cell_px // 9))
        framed = Image.new("RGB", (width, height + bar.height), "white")
        framed.paste(canvas, (0, 0))
        framed.paste(bar, (0, height))
        canvas = framed
    return canvas


def _wrap(text: str, width: int, text_size) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and text_size(trial)[0] > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return [*lines, current] if current or not lines else lines


def upsample(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A small float map (e.g. 8x8) resized bilinearly to ``size`` = (H, W)."""
    img = Image.fromarray(np.asarray(mask, dtype=np.float32), mode="F")
    return np.asarray(img.resize((size[1], size[0]), Image.Resampling.BILINEAR), dtype=np.float64)


def smooth_upsample(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A small float map (e.g. 8x8) resized to ``size`` without its grid showing: bicubic
    interpolation, then a Gaussian blur of half an input cell (the map's cells are one
    activation's receptive-field centre each, not hard squares)."""
    from scipy.ndimage import gaussian_filter

    mask = np.asarray(mask, dtype=np.float64)
    img = Image.fromarray(mask.astype(np.float32), mode="F")
    big = np.asarray(img.resize((size[1], size[0]), Image.Resampling.BICUBIC), dtype=np.float64)
    sigma = 0.5 * size[0] / max(mask.shape[0], 1)
    return gaussian_filter(big, sigma=sigma, mode="nearest")


def concept_patch(image, region: np.ndarray, *, dim: float = 0.35, level: float = 0.5,
                  softness: float = 0.15, outline=(255, 214, 0)) -> np.ndarray:
    """The paper's patch presentation of a concept (after Zhang et al. 2021): the image where
    ``region`` (values >= 0, any resolution, 1 = the concept's peak) is high stays as it is,
    the rest is greyed and dimmed to ``dim``, and a thin ``outline`` marks the patch's edge
    (where the smoothly upsampled region crosses ``level``)."""
    image = as_uint8_image(image).astype(np.float64)
    region = smooth_upsample(region, image.shape[:2])
    peak = region.max()
    region = region / peak if peak > 0 else region
    lo, hi = level - softness, level + softness
    inside = np.clip((region - lo) / (hi - lo), 0, 1)
    inside = inside * inside * (3 - 2 * inside)  # smoothstep
    grey = image.mean(axis=2, keepdims=True) * np.ones(3)
    outside = dim * (0.5 * image + 0.5 * grey)
    out = inside[..., None] * image + (1 - inside[..., None]) * outside
    above = region >= level
    edge = np.zeros_like(above)
    edge[:-1] |= above[:-1] != above[1:]
    edge[:, :-1] |= above[:, :-1] != above[:, 1:]
    out[edge] = outline
    return np.clip(out, 0, 255).round().astype(np.uint8)


def overlay_heatmap(image, heat: np.ndarray, *, alpha: float = 0.55, cmap: str = "inferno"):
    """``heat`` (any resolution, any scale >= 0) normalised and laid over ``image``."""
    image = as_uint8_image(image)
    heat = upsample(heat, image.shape[:2])
    heat = heat / heat.max() if heat.max() > 0 else heat
    colour = colormaps[cmap](heat)[..., :3] * 255
    out = (1 - alpha * heat[..., None]) * image + alpha * heat[..., None] * colour
    return np.clip(out, 0, 255).round().astype(np.uint8)
