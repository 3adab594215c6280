"""The explorer condition's tutorial, summary and gate (made like the other conditions'), and
its explanation step rendering nothing: no explainer, no render job, readiness still right."""

import math
from pathlib import Path

import pytest

from explainers.explorer import FACTOR_GROUPS
from studies.spec import SpecError, load_spec_file, parse_spec
from studies.steps import GoTo, Next, ScreenOut
from studies.steps.comprehension_gate import ComprehensionGate
from studies.tutorials.explorer_slides import tiles
from studies.tutorials.script import TutorialScriptError, load_script, parse_script

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "studies" / "specs" / "two4two-explorer.yaml"
SCRIPT = REPO / "tutorials" / "condition-explorer.yaml"


def by_hand(scene):
    """The made-up system's score, written out: tanh(2.6 x bending / (pi / 10))."""
    return round(math.tanh(2.6 * scene["bending"] / (math.pi / 10)), 2)


def images(kind):
    return [s.image for s in load_script(SCRIPT).slides if s.image["kind"] == kind]


def test_the_sorted_scenes_show_the_made_up_score_from_plus_to_minus():
    (spec,) = images("explorer_scenes")
    shown = tiles(spec)
    assert [t["score"] for t in shown] == [by_hand(t["scene"]) for t in shown]
    assert [t["score"] for t in shown] == sorted((t["score"] for t in shown), reverse=True)
    assert shown[0]["score"] > 0 > shown[-1]["score"]  # both ends of the scale are on the slide


def test_mixing_the_body_flips_the_score_and_the_other_groups_leave_it():
    spec = images("explorer_mixes")[0]
    other, selected, *previews = tiles(spec)
    assert selected["selected"] and selected["score"] < -0.5 < 0.5 < other["score"]
    assert [p["caption"].split("\n")[0] for p in previews] == list(FACTOR_GROUPS)
    for preview, group in zip(previews, FACTOR_GROUPS, strict=True):
        for factor, value in preview["scene"].items():  # the group from the other, rest kept
            source = other if factor in FACTOR_GROUPS[group] else selected
            assert value == pytest.approx(source["scene"][factor], abs=1e-4), (group, factor)
        assert preview["score"] == by_hand(preview["scene"])
    body, appearance, scene = previews
    assert body["score"] == other["score"]  # what the narration says
    assert appearance["score"] == scene["score"] == selected["score"]
    # the appearance and scene previews visibly differ from the selected animal
    assert abs(other["scene"]["color"] - selected["scene"]["color"]) > 0.5
    assert abs(other["scene"]["background"] - selected["scene"]["background"]) > 0.4


def test_the_slider_moves_the_score_step_by_step():
    (spec,) = images("explorer_slider")
    shown = tiles(spec)
    scores = [t["score"] for t in shown]
    assert scores == [by_hand(t["scene"]) for t in shown]
    assert scores == sorted(scores) and scores[0] < 0 < scores[-1]


def test_bad_explorer_pictures_are_refused_with_slide_and_key():
    def script(image):
        return f"title: T\nslides:\n  - narration: hi\n    image: {image}\n"

    for image, message in [
        ("{kind: explorer_mixes, score_factor: wings}", "image.score_factor must be one of"),
        ("{kind: explorer_slider, group: legs}", "image.group must be one of body"),
        ("{kind: explorer_scenes, n: 40}", "image.n must be an integer in 2..12"),
        ("{kind: explorer_slider, values: [0.5, 2]}", "image.values must be a list"),
        ("{kind: explorer_scenes, colour: red}", "unknown image key(s) colour"),
    ]:
        with pytest.raises(TutorialScriptError) as caught:
            parse_script(script(image), name="t")
        assert f"slide 1: {message}" in str(caught.value)


def test_the_explorer_condition_watches_its_own_video_and_answers_its_own_gate():
    spec = load_spec_file(SHIPPED)
    video, gate = spec.index_of("video-explanation"), spec.index_of("gate-explanation")
    assert spec.step(video, "explorer").generated == "condition-explorer"
    assert spec.step(video, "baseline").generated == "condition-baseline"
    statements = spec.step(gate, "explorer").statements
    texts = " ".join(s.text for s in statements)
    assert "score near +1" in texts and "appearance from another animal" in texts
    assert {s.answer for s in statements} == {True, False}  # "always true" does not pass
    assert spec.step(gate, "explorer").retry_from == "video-explanation"


class Gate:
    """The parts of a StepContext the gate uses."""

    def __init__(self, step):
        self.step, self.state, self.stored = step, {}, []

    def store(self, item_type, item, value, **kw):
        self.stored.append((item, value, kw["correct"]))


def test_the_explorer_gate_passes_bots_and_sends_a_wrong_answer_back_like_the_others():
    spec = load_spec_file(SHIPPED)
    step = spec.step(spec.index_of("gate-explanation"), "explorer")
    gate, kind = Gate(step), ComprehensionGate()
    assert isinstance(kind.submit(gate, kind.bot_answer(None, step)), Next)
    wrong = kind.bot_answer(None, step, correct=False)
    back = kind.submit(gate, wrong)
    assert isinstance(back, GoTo) and back.step_id == "video-explanation"
    assert isinstance(kind.submit(gate, wrong), ScreenOut)
    assert [c for _, _, c in gate.stored[:len(step.statements)]] == [True] * len(step.statements)


def test_the_explorer_condition_renders_nothing():
    from studies.stimuli import render_jobs, shown_conditions

    spec = load_spec_file(SHIPPED)
    assert shown_conditions(spec) == {"baseline"}
    assert {c.name: c.explainer for c in spec.conditions} == {"baseline": "baseline",
                                                              "explorer": ""}
    assert [(j.condition, j.explainer) for j in render_jobs(spec)] == [("baseline", "baseline")]


def test_a_shown_condition_without_an_explainer_is_refused_with_its_line():
    from studies.condition_check import check_conditions

    text = SHIPPED.read_text().replace("interactive: false", "interactive: true")
    text = text.replace('label: "Baseline (logit-sorted examples)", explainer: baseline,',
                        'label: "Baseline (logit-sorted examples)",')
    spec = parse_spec(text)  # nobody sees an explanation now: no explainer needed
    check_conditions(spec, text)
    text = SHIPPED.read_text().replace('label: "Baseline (logit-sorted examples)", explainer: baseline,',
                                       'label: "Baseline (logit-sorted examples)",')
    with pytest.raises(SpecError) as caught:
        check_conditions(parse_spec(text), text)
    ((key, line, message),) = caught.value.problems
    assert key == "conditions[0].explainer" and line > 0 and "a step shows" in message


@pytest.mark.django_db
def test_readiness_asks_for_the_baseline_stimulus_only(tmp_path, settings):
    from studies.loading import load_study
    from studies.readiness import problems
    from studies.stimuli import stimulus_keys
    from tests.bots import publish_stimulus

    settings.STIMULI_ROOT = str(tmp_path / "stimuli")
    study, _ = load_study(SHIPPED)
    spec = load_spec_file(SHIPPED)
    keys = stimulus_keys(spec)
    assert set(keys) == {("baseline", 0)}
    missing = [p for p in problems(study) if "stimulus" in p]
    assert missing and all("baseline/0" in p for p in missing)
    publish_stimulus(tmp_path / "stimuli", keys[("baseline", 0)])
    assert not [p for p in problems(study) if "stimulus" in p]
