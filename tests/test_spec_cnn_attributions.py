"""The shipped attribution study on the CNN (studies/specs/cnn-attributions.yaml), walked by bots.

The spec is loaded as shipped (its checkpoint is the real checkpoints/cnn, its answer key that
model's measured ground truth); only its generated tutorial videos are swapped for a short test
file, and stimuli are published under the keys the renderer plans.
"""

import json
import re
from pathlib import Path

import pytest

from studies.answer_keys import answer_key
from studies.loading import load_study
from studies.spec import load_spec_file
from tests.bots import PROLIFIC_URL, VIDEO_S, Bot
from tests.browser.assets import publish_planned

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "studies" / "specs" / "cnn-attributions.yaml"


def ground_truth_key() -> dict:
    return json.loads((REPO / "checkpoints" / "cnn" / "ground_truth.json").read_text())[
        "answer_key"]


def test_it_compares_attributions_on_the_cnn():
    spec = load_spec_file(SPEC)
    step = spec.steps[spec.index_of("explanation")]
    assert answer_key(step) == ground_truth_key()  # the CNN's measured key, not the INN's
    assert [(c.name, c.explainer) for c in spec.conditions] == [
        ("baseline", "baseline"), ("gradcam", "gradcam"),
        ("integrated_gradients", "integrated_gradients")]
    assert spec.checkpoint == "checkpoints/cnn"
    model = json.loads((REPO / "checkpoints" / "cnn" / "model.json").read_text())
    assert model["plugin"] == "cnn"


@pytest.mark.django_db
def test_bots_complete_every_condition(tmp_path, settings, clock):
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_URL
    text = re.sub(r"generated: [\w-]+", f"file: tutorials/bot.mp4\n    duration_s: {VIDEO_S}",
                  SPEC.read_text())
    # the bots answer from an inline key (the shipped file's, checked above)
    text = text.replace("answer_key_from: checkpoints/cnn/ground_truth.json",
                        f"answer_key: {json.dumps(ground_truth_key())}")
    path = tmp_path / "cnn-attributions.yaml"
    path.write_text(text)
    video = Path(settings.MEDIA_ROOT) / "tutorials" / "bot.mp4"
    video.parent.mkdir(parents=True, exist_ok=True)
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video")
    study, _ = load_study(path)
    keys = publish_planned(study, Path(settings.STIMULI_ROOT))
    assert {c for c, _ in keys} == {"baseline", "gradcam", "integrated_gradients"}
    bots = [Bot(study, clock) for _ in range(3)]
    for bot in bots:
        assert bot.enter().status_code == 302
        last = bot.play()
        assert last.status_code == 302 and last["Location"] == PROLIFIC_URL + "CCNNATOK"
    assert sorted(b.participant.condition.name for b in bots) == [
        "baseline", "gradcam", "integrated_gradients"]
    for bot in bots:
        answers = {r.item: r.answer_key for r in bot.participant.responses.filter(
            item_type="relevance")}
        assert answers == ground_truth_key()
        assert bot.participant.correct_answers == 5
