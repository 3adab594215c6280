"""The explanation fits the smallest window the device check lets through (600 px): the
horizontal budget of ``static/studies/study.css`` at that width, read rule by rule (media
queries included), and the page structure it applies to."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.bots import Bot

CSS = Path(settings.BASE_DIR) / "static" / "studies" / "study.css"
SMALLEST = 600  # px, studies.steps.device: max(width, height) >= 600
ROOT_PX = 16
UA_FIGURE_MARGIN = 40  # px left and right: the browser's default for <figure>

RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
MEDIA = re.compile(r"@media\s*\(max-width:\s*(\d+)px\)\s*\{((?:[^{}]*\{[^{}]*\})*)\s*\}")


def rules(css: str, width: int) -> dict[str, dict[str, str]]:
    """selector -> declarations in effect at ``width`` (later rules override earlier ones)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    blocks = [(None, MEDIA.sub("", css))] + [(int(w), body) for w, body in MEDIA.findall(css)]
    out: dict[str, dict[str, str]] = {}
    for max_width, body in blocks:
        if max_width is not None and width > max_width:
            continue
        for selectors, decls in RULE.findall(body):
            for sel in (s.strip() for s in selectors.split(",")):
                for decl in filter(str.strip, decls.split(";")):
                    name, value = (x.strip() for x in decl.split(":", 1))
                    out.setdefault(sel, {})[name] = value
    return out


def px(value: str) -> float:
    """A length in px ('auto' and percentages of a wider box count as 0 here)."""
    m = re.fullmatch(r"(-?[\d.]+)(px|rem)?", value)
    if not m:
        return 0.0
    return float(m.group(1)) * (ROOT_PX if m.group(2) == "rem" else 1)


def side(decls: dict[str, str], prop: str, default: float = 0.0) -> float:
    """Left plus right of a margin/padding shorthand (1 to 4 values)."""
    if prop not in decls:
        return 2 * default
    parts = decls[prop].split()
    right = parts[1] if len(parts) > 1 else parts[0]
    left = parts[3] if len(parts) > 3 else right
    return px(left) + px(right)


def test_the_grid_fits_600_px():
    css = rules(CSS.read_text(), SMALLEST)
    page, figure, grid = css[".page"], css.get(".stimulus figure", {}), css[".stimulus-grid"]
    used = side(page, "margin") + side(page, "padding") + \
        side(figure, "margin", UA_FIGURE_MARGIN) + side(css.get(".stimulus", {}), "padding")
    assert "min-width" not in grid or px(grid["min-width"]) + used <= SMALLEST, grid
    # native size (width auto, e279e97), but never wider than the card: max-width shrinks it
    assert grid["width"] in ("auto", "100%") and grid.get("max-width") == "100%"
    assert used <= 60, f"{used} px of a {SMALLEST} px window go to margins and padding"


def test_wide_windows_keep_the_roomy_card():
    css = rules(CSS.read_text(), 1280)
    assert side(css[".page"], "padding") == 64
    assert rules(CSS.read_text(), SMALLEST)[".page"]["max-width"] == "980px"


@pytest.mark.django_db
def test_the_grid_sits_in_the_figure_of_the_stimulus_section(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="stimulus")
    page = bot.get().content.decode()
    assert "studies/study.css" in page
    assert re.search(r'<section class="stimulus"[^>]*>\s*<figure><img id="stimulus-grid" '
                     r'class="stimulus-grid"', page)
