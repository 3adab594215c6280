"""Slide pictures: scenes rendered by ``explainers.synthetic`` and composed with Pillow."""

from __future__ import annotations

import textwrap
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .script import LABELS, Slide

WIDTH, HEIGHT = 640, 360
CAPTION_H = 64
BACKGROUND = (250, 250, 247)
INK = (30, 30, 30)
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


@cache
def font(size: int, *, bold=False) -> ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size=size)


def _scenes(spec: dict):
    """The scene batch a picture spec asks for (torch side, no Django)."""
    import torch

    from explainers.synthetic import get_sampler, intervene

    g = torch.Generator().manual_seed(int(spec.get("seed", 0)))
    sampler = get_sampler(spec.get("sampler", "unbiased"))
    kind = spec["kind"]
    if kind == "samples":
        n = int(spec.get("n", 8))
        label = LABELS[spec.get("label", "any")]
        batch = sampler.sample(max(4 * n, 16) if label is not None else n, generator=g)
        if label is not None:
            batch = batch[torch.nonzero(batch.label == label).flatten()[:n]]
        return batch, int(spec.get("cols", min(n, 5))), []
    if kind == "intervention":
        base = sampler.sample(1, generator=g)
        parts = [intervene(base, spec["factor"], value=float(v)) for v in spec["values"]]
        batch = parts[0]
        for part in parts[1:]:
            batch = _cat(batch, part)
        return batch, len(parts), [str(v) for v in spec.get("labels", [])]
    # sorted_grid: rows x cols scenes, each row sorted by the factor (an idealised explanation)
    rows, cols = int(spec.get("rows", 3)), int(spec.get("cols", 5))
    batch = sampler.sample(rows * cols, generator=g)
    order = []
    for r in range(rows):
        idx = torch.arange(r * cols, (r + 1) * cols)
        order.append(idx[torch.argsort(batch[spec["factor"]][idx])])
    return batch[torch.cat(order)], cols, [str(v) for v in spec.get("labels", [])]


def _cat(a, b):
    import dataclasses

    import torch

    return type(a)(**{f.name: torch.cat([getattr(a, f.name), getattr(b, f.name)])
                      for f in dataclasses.fields(a)})


def picture(spec: dict, *, box: tuple[int, int]) -> Image.Image | None:
    """The slide's picture scaled to fit ``box`` (None for a title slide)."""
    if spec["kind"] == "title":
        return None
    if spec["kind"].startswith("explorer_"):
        from . import explorer_slides

        return explorer_slides.picture(spec, box=box)
    from explainers.synthetic import render
    from explainers.synthetic.sheets import grid

    batch, cols, labels = _scenes(spec)
    images = render(batch, size=int(spec.get("size", 96))).images
    sheet = grid(images, cols=cols, pad=4, fill=255)
    if labels:
        sheet = _with_column_labels(sheet, labels, cols)
    sheet.thumbnail(box, Image.Resampling.LANCZOS)
    return sheet


def _with_column_labels(sheet: Image.Image, labels: list[str], cols: int) -> Image.Image:
    step = sheet.width / cols
    size = 12 if step < 110 else 14
    wrapped = [textwrap.wrap(label, max(6, int(step / (size * 0.6)))) or [""]
               for label in labels[:cols]]
    band = 6 + (size + 3) * max(len(lines) for lines in wrapped)
    out = Image.new("RGB", (sheet.width, sheet.height + band), "white")
    out.paste(sheet, (0, band))
    draw = ImageDraw.Draw(out)
    for i, lines in enumerate(wrapped):
        for j, line in enumerate(lines):
            draw.text(((i + 0.5) * step, 4 + j * (size + 3)), line, fill=INK, font=font(size),
                      anchor="ma")
    return out


def compose(slide: Slide, *, title: str) -> Image.Image:
    """A 640x360 slide: caption on top, picture (or the title) below. The caption sits at the top
    because browsers draw their video controls over the bottom of a paused or hovered video."""
    canvas = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    pic = picture(slide.image, box=(WIDTH - 40, HEIGHT - CAPTION_H - 24))
    if pic is None:
        text = slide.image.get("text") or title
        lines = textwrap.wrap(text, 28)
        y = CAPTION_H + (HEIGHT - CAPTION_H) / 2 - 22 * (len(lines) - 1)
        for line in lines:
            draw.text((WIDTH / 2, y), line, fill=INK, font=font(34, bold=True), anchor="mm")
            y += 44
    else:
        top = CAPTION_H + 12 + (HEIGHT - CAPTION_H - 24 - pic.height) // 2
        canvas.paste(pic, ((WIDTH - pic.width) // 2, top))
    draw.rectangle((0, 0, WIDTH, CAPTION_H), fill=(36, 52, 71))
    lines = textwrap.wrap(slide.caption, 52)[:2]
    y = CAPTION_H / 2 - 11 * (len(lines) - 1)
    for line in lines:
        draw.text((WIDTH / 2, y), line, fill="white", font=font(19), anchor="mm")
        y += 22
    return canvas
