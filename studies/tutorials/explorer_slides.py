"""Slide pictures of the explorer tutorial: the explorer's page drawn with a made-up score.

As the other condition tutorials show an idealised explanation whose bias (bending) differs
from the study's model, these pictures score every scene with a made-up system that looks only
at the spine's bending: ``score = tanh(MADE_UP_SLOPE * bending / (pi / 10))``, in [-1, 1] as the explorer
shows it (+1 very certain Stretchy, -1 very certain Peeky). Scenes are mixed and interpolated
with the explorer's own functions (:mod:`explainers.explorer`), so a tutorial preview is what
the page would show for that change. Image kinds (see :mod:`.script`):

* ``explorer_scenes``: ``n`` scenes sorted by the score, the score on top of each;
* ``explorer_mixes``: the selected scene (lowest score of ``n`` drawn), then one preview per
  factor group taking that group from the highest-scored scene, each with its score;
* ``explorer_slider``: the selected scene with ``group`` moved towards that other scene at the
  fractions ``values``, each with its score.
"""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

MADE_UP_SLOPE = 2.6  # score = tanh(2.6 x the factor centred on [-1, 1]): +-0.99 at its ends
POSITIVE = ((219, 231, 255), (29, 63, 143))  # the page's score badge: background, ink
NEGATIVE = ((255, 226, 220), (143, 42, 29))
SELECTED = (39, 89, 196)
INK = (30, 30, 30)
MUTED = (90, 96, 110)


def made_up_score(scene: dict, factor: str) -> float:
    """The made-up system's score of a scene (rounded to 0.01, as the page shows it)."""
    from explainers.synthetic import FACTOR_RANGES

    lo, hi = FACTOR_RANGES[factor]
    centred = (scene[factor] - (lo + hi) / 2) / ((hi - lo) / 2)  # -1 .. 1 over the range
    return round(math.tanh(MADE_UP_SLOPE * centred), 2)


def _drawn(spec: dict) -> tuple[list[dict], str]:
    from explainers.explorer import sampled_scenes

    factor = spec.get("score_factor", "bending")
    scenes = sampled_scenes(sampler=spec.get("sampler", "unbiased"), seed=int(spec.get("seed", 0)),
                            count=int(spec.get("n", 6)))
    return sorted(scenes, key=lambda s: -made_up_score(s, factor)), factor


def tiles(spec: dict) -> list[dict]:
    """What the picture shows, left to right: ``{"scene", "score", "caption", "selected"}``."""
    from explainers.explorer import GROUP_LABELS, interpolate, mix

    scenes, factor = _drawn(spec)
    kind = spec["kind"]
    if kind == "explorer_scenes":
        return [{"scene": s, "score": made_up_score(s, factor), "caption": f"Scene {i + 1}",
                 "selected": False} for i, s in enumerate(scenes)]
    selected, source = scenes[-1], scenes[0]  # lowest and highest score
    first = {"scene": selected, "score": made_up_score(selected, factor), "caption": "selected",
             "selected": True}
    if kind == "explorer_mixes":
        out = [first]
        for group in GROUP_LABELS:
            mixed = mix(selected, source, group)
            out.append({"scene": mixed, "score": made_up_score(mixed, factor),
                        "caption": f"{group}\nfrom other", "selected": False})
        return [{"scene": source, "score": made_up_score(source, factor),
                 "caption": "other", "selected": False}, *out]
    group = spec.get("group", "body")
    out = []
    for t in spec.get("values", [0.0, 0.25, 0.5, 0.75, 1.0]):
        moved = interpolate(selected, source, group, float(t))
        out.append({"scene": moved, "score": made_up_score(moved, factor),
                    "caption": "selected" if t == 0 else f"{group}\n{round(100 * t)} %",
                    "selected": t == 0})
    return out


def picture(spec: dict, *, box: tuple[int, int]) -> Image.Image:
    from explainers.explorer.scenes import batch_of
    from explainers.synthetic import render
    from explainers.synthetic.sheets import to_uint8

    from .slides import font

    shown = tiles(spec)
    size = int(spec.get("size", 96))
    images = to_uint8(render(batch_of([t["scene"] for t in shown]), size=size).images)
    pad, badge_h, caption_h = 10, 24, 36
    cell_w, cell_h = size + 2 * pad, badge_h + size + caption_h + 2 * pad
    sheet = Image.new("RGB", (cell_w * len(shown), cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (tile, pixels) in enumerate(zip(shown, images, strict=True)):
        x0 = i * cell_w
        if tile["selected"]:
            draw.rounded_rectangle((x0 + 3, 3, x0 + cell_w - 4, cell_h - 4), radius=6,
                                   outline=SELECTED, width=3)
        back, ink = POSITIVE if tile["score"] >= 0 else NEGATIVE
        text = f"{tile['score']:+.2f}"
        draw.rounded_rectangle((x0 + cell_w / 2 - 30, pad, x0 + cell_w / 2 + 30, pad + badge_h - 4),
                               radius=4, fill=back)
        draw.text((x0 + cell_w / 2, pad + (badge_h - 4) / 2), text, fill=ink,
                  font=font(16, bold=True), anchor="mm")
        sheet.paste(Image.fromarray(pixels), (x0 + pad, pad + badge_h))
        draw.multiline_text((x0 + cell_w / 2, pad + badge_h + size + 4), tile["caption"],
                            fill=SELECTED if tile["selected"] else MUTED, font=font(13),
                            anchor="ma", align="center", spacing=2)
    sheet.thumbnail(box, Image.Resampling.LANCZOS)
    return sheet
