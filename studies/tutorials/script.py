"""Tutorial scripts (``tutorials/*.yaml``): a title, a voice and slides (image + caption + narration).

    title: "Peeky and Stretchy"
    voice: en-us            # espeak-ng voice
    words_per_minute: 150
    slides:
      - caption: "Meet Peeky and Stretchy"
        image: {kind: samples, label: peeky, n: 4, cols: 4, seed: 1}
        narration: "This is Peeky ..."

Image kinds: ``title`` (big text), ``samples`` (scenes from a sampler, optionally of one class),
``intervention`` (one scene, one factor changed step by step), ``sorted_grid`` (an idealised
explanation grid: scenes sorted into columns by one factor, as a stand-in for the score), and
the explorer's ``explorer_scenes``, ``explorer_mixes``, ``explorer_slider`` (its page with a
made-up score of one factor, ``score_factor``; see :mod:`.explorer_slides`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

EXPLORER_KINDS = ("explorer_scenes", "explorer_mixes", "explorer_slider")
IMAGE_KINDS = ("title", "samples", "intervention", "sorted_grid", *EXPLORER_KINDS)
LABELS = {"any": None, "peeky": 0, "stretchy": 1}


class TutorialScriptError(ValueError):
    """A tutorial script is malformed; the message names the file and the slide."""


@dataclass(frozen=True)
class Slide:
    caption: str
    narration: str
    image: dict
    min_seconds: float = 2.0


@dataclass(frozen=True)
class TutorialScript:
    name: str
    title: str
    slides: list[Slide]
    voice: str = "en-us"
    words_per_minute: int = 150
    source_sha256: str = ""
    extra: dict = field(default_factory=dict)


def _image(spec, where: str) -> dict:
    if not isinstance(spec, dict) or spec.get("kind") not in IMAGE_KINDS:
        raise TutorialScriptError(f"{where}: image.kind must be one of {', '.join(IMAGE_KINDS)}")
    kind = spec["kind"]
    if kind == "samples" and spec.get("label", "any") not in LABELS:
        raise TutorialScriptError(f"{where}: image.label must be one of {', '.join(LABELS)}")
    if kind == "intervention" and not (spec.get("factor") and spec.get("values")):
        raise TutorialScriptError(f"{where}: an intervention needs factor and values")
    if kind == "sorted_grid" and not spec.get("factor"):
        raise TutorialScriptError(f"{where}: a sorted_grid needs factor")
    if kind in EXPLORER_KINDS:
        _explorer_image(spec, where)
    for key in ("n", "cols", "rows", "seed", "size"):
        if key in spec and (not isinstance(spec[key], int) or spec[key] < 0):
            raise TutorialScriptError(f"{where}: image.{key} must be a non-negative integer")
    return dict(spec)


def _explorer_image(spec: dict, where: str) -> None:
    from explainers.explorer import FACTOR_GROUPS
    from explainers.synthetic import FACTORS

    allowed = {"kind", "score_factor", "sampler", "seed", "n", "size", "group", "values"}
    if unknown := sorted(set(spec) - allowed):
        raise TutorialScriptError(f"{where}: unknown image key(s) {', '.join(unknown)}")
    if spec.get("score_factor", "bending") not in FACTORS:
        raise TutorialScriptError(f"{where}: image.score_factor must be one of "
                                  f"{', '.join(FACTORS)}")
    if spec.get("group", "body") not in FACTOR_GROUPS:
        raise TutorialScriptError(f"{where}: image.group must be one of {', '.join(FACTOR_GROUPS)}")
    n = spec.get("n", 6)
    if not isinstance(n, int) or isinstance(n, bool) or not 2 <= n <= 12:
        raise TutorialScriptError(f"{where}: image.n must be an integer in 2..12")
    values = spec.get("values", [0.0])
    if not isinstance(values, list) or not values or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1
            for v in values):
        raise TutorialScriptError(f"{where}: image.values must be a list of fractions in [0, 1]")


def parse_script(text: str, *, name: str) -> TutorialScript:
    where = f"tutorial {name!r}"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TutorialScriptError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise TutorialScriptError(f"{where}: must be a mapping with title and slides")
    unknown = set(data) - {"title", "voice", "words_per_minute", "slides"}
    if unknown:
        raise TutorialScriptError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    slides_data = data.get("slides")
    if not isinstance(slides_data, list) or not slides_data:
        raise TutorialScriptError(f"{where}: slides must be a non-empty list")
    slides = []
    for i, s in enumerate(slides_data, 1):
        at = f"{where}, slide {i}"
        if not isinstance(s, dict):
            raise TutorialScriptError(f"{at}: must be a mapping")
        narration = s.get("narration")
        if not isinstance(narration, str) or not narration.strip():
            raise TutorialScriptError(f"{at}: narration (text to speak) is required")
        slides.append(Slide(
            caption=str(s.get("caption", "")).strip(),
            narration=" ".join(narration.split()),
            image=_image(s.get("image", {"kind": "title"}), at),
            min_seconds=float(s.get("min_seconds", 2.0)),
        ))
    wpm = data.get("words_per_minute", 150)
    if not isinstance(wpm, int) or not 80 <= wpm <= 450:
        raise TutorialScriptError(f"{where}: words_per_minute must be an integer in 80..450")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise TutorialScriptError(f"{where}: title is required")
    return TutorialScript(
        name=name, title=title.strip(), slides=slides, voice=str(data.get("voice", "en-us")),
        words_per_minute=wpm, source_sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def load_script(path: Path) -> TutorialScript:
    path = Path(path)
    if not path.is_file():
        raise TutorialScriptError(f"no tutorial script at {path}")
    return parse_script(path.read_text(encoding="utf-8"), name=path.stem)
