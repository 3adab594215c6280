"""A Borowski-style hosted study for the page and analysis tests of #18: the expert/lay
question, the intuitiveness rating before the trials (slider, -100..100), one 2AFC block per
reference type (natural, optimized, none: tests/bots.py REFERENCE_TYPES_YAML) and the rating
again after them; its slug is reference-types, the study the Exp. I plan on the export names
(analysis/examples/borowski2021/experiment_I_on_export.yaml). ``borowski_pages_study`` loads it with its small images in MEDIA_ROOT."""

from pathlib import Path

import pytest

from studies.loading import load_study
from tests.bots import PROLIFIC_URL, REFERENCE_TYPES_YAML, _png

GROUP_STEP = """\
  - id: expertise
    type: participant_group
    question: "Which of these describes you best?"
    choices:
      - {text: "I have not worked with convolutional neural networks (CNNs).", group: lay}
      - {text: "I am familiar with CNNs, but not with feature visualisations.", group: expert, level: 1}
      - {text: "I have heard of or read about feature visualisations.", group: expert, level: 2}
      - {text: "I have used feature visualisations myself.", group: expert, level: 3}
"""


def slider_step(step_id: str, optimized=("img/c.png", "img/d.png"),
                natural=("img/a.png", "img/b.png"), title: str = "") -> str:
    """The intuitiveness rating (the seed's question, -100..100) of these images."""
    title_line = f"    title: {title}\n" if title else ""
    return f"""\
  - id: {step_id}
    type: slider
{title_line}    question: "How intuitive do you find the explanation of these optimized images for the given natural images?"
    min: -100
    max: 100
    step: 1
    anchors: {{-100: Not intuitive, 100: Intuitive}}
    images:
      - {{label: Optimized images, images: [{", ".join(optimized)}]}}
      - {{label: Natural images, images: [{", ".join(natural)}]}}
"""


CONSENT = '  - {id: consent, type: consent, text: "ok?"}\n'
COMPLETION = "  - {id: completion, type: completion}\n"
assert CONSENT in REFERENCE_TYPES_YAML and COMPLETION in REFERENCE_TYPES_YAML
BOROWSKI_PAGES_YAML = (REFERENCE_TYPES_YAML
                       .replace(CONSENT, CONSENT + GROUP_STEP + slider_step("intuitive-before"))
                       .replace(COMPLETION, slider_step("intuitive-after") + COMPLETION))


def write_images(settings) -> None:
    media = Path(settings.MEDIA_ROOT) / "img"
    media.mkdir(parents=True, exist_ok=True)
    for name, color in (("a", (255, 0, 0)), ("b", (0, 0, 255)), ("c", (250, 120, 0)),
                        ("d", (0, 120, 250))):
        (media / f"{name}.png").write_bytes(_png(color))


@pytest.fixture
def borowski_pages_study(tmp_path, settings, db, clock):
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_URL
    write_images(settings)
    path = tmp_path / "reference-types.yaml"
    path.write_text(BOROWSKI_PAGES_YAML)
    return load_study(path)[0]
