"""A picture sheet: per unit, synthetic and natural maximally activating images side by side,
then the minimally activating ones (3 x 3 tiles each), labelled; Pillow only."""

from __future__ import annotations

from collections.abc import Sequence

from .units import UnitPictures

_INK = (40, 40, 40)
GROUPS = (
    ("synthetic max", "synthetic_max"),
    ("natural max", "natural_max_images"),
    ("synthetic min", "synthetic_min"),
    ("natural min", "natural_min_images"),
)


def _images(pictures: UnitPictures, attribute: str):
    value = getattr(pictures, attribute)
    return value.images if hasattr(value, "images") else value


def unit_sheet(rows: Sequence[UnitPictures], *, title: str = "", cols: int = 3, gap: int = 16):
    """One row per unit: four labelled tile grids (synthetic / natural, max / min)."""
    from PIL import Image, ImageDraw, ImageFont

    from explainers.synthetic.sheets import grid

    tiles = [[grid(_images(r, attr)[: cols * cols], cols=cols) for _, attr in GROUPS]
             for r in rows]
    tile_w, tile_h = tiles[0][0].size
    left, head, label_h = 96, 40 if title else 8, 18
    width = left + len(GROUPS) * (tile_w + gap)
    height = head + label_h + len(rows) * (tile_h + gap)
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font, big = ImageFont.load_default(size=13), ImageFont.load_default(size=16)
    if title:
        draw.text((8, 10), title, fill=_INK, font=big)
    for g, (label, _) in enumerate(GROUPS):
        draw.text((left + g * (tile_w + gap) + tile_w / 2, head), label, fill=_INK, font=font,
                  anchor="ma")
    for r, (pictures, row) in enumerate(zip(rows, tiles, strict=True)):
        y = head + label_h + r * (tile_h + gap)
        draw.text((8, y + tile_h / 2 - 9), pictures.layer, fill=_INK, font=font, anchor="lm")
        draw.text((8, y + tile_h / 2 + 9), f"unit {pictures.unit}", fill=_INK, font=font,
                  anchor="lm")
        for g, tile in enumerate(row):
            sheet.paste(tile, (left + g * (tile_w + gap), y))
    return sheet
