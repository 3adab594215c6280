"""The explorer step's YAML: its scenes are checked with key and line like every other field."""

from pathlib import Path

import pytest

from analysis import prereg, simulate
from analysis.pipeline import analyze
from analysis.spec_check import check
from studies.spec import SpecError, load_spec_file, parse_spec
from studies.steps.explorer import ExplorerSpec
from tests.fixtures.explorer_study import EXPLORER_YAML

TEXT = EXPLORER_YAML.format(slug="explorer-spec", target=5)


def test_the_fixture_reads_into_an_explorer_spec():
    step = parse_spec(TEXT).steps[1]
    assert isinstance(step, ExplorerSpec) and step.type == "explorer"
    assert (step.sampler, step.seed, step.scene_count) == ("study", 7, 4)
    assert [a.id for a in step.attributes] == ["legs", "color", "background", "shape", "rotation"]


@pytest.mark.parametrize(("old", "new", "key", "message"), [
    ("count: 4}", "count: 40}", "steps[1].scenes.count", "must be at most 12, got 40"),
    ("count: 4}", "count: 1}", "steps[1].scenes.count", "at least 2"),
    ("sampler: study", "sampler: fancy", "steps[1].scenes.sampler", "fancy"),
    ("seed: 7,", "seed: 7, colour: red,", "steps[1].scenes.colour", "unknown key"),
    ("    min_seconds: 20\n", "    min_seconds: 20\n    layout: grid\n", "steps[1].layout",
     "an explorer has no layout"),
])
def test_bad_scenes_are_refused_with_key_and_line(old, new, key, message):
    assert old in TEXT
    with pytest.raises(SpecError) as caught:
        parse_spec(TEXT.replace(old, new))
    problems = caught.value.problems
    assert any(p[0] == key and message in p[2] and p[1] > 0 for p in problems), problems


def test_a_condition_can_see_the_static_explanation_instead():
    text = TEXT.replace("  - {name: explorer, explainer: none, target: 5}",
                        "  - {name: explorer, explainer: none, target: 5}\n"
                        "  - {name: baseline, explainer: baseline, target: 5}")
    text = text.replace("    min_seconds: 20\n",
                        "    min_seconds: 20\n    by_condition:\n      baseline: {interactive: false}\n")
    spec = parse_spec(text)
    assert spec.step(1, "explorer").interactive and not spec.step(1, "baseline").interactive


SHIPPED = Path(__file__).resolve().parent.parent / "studies" / "specs" / "two4two-explorer.yaml"
PLAN = Path(__file__).resolve().parent.parent / "analysis" / "examples" / "two4two" / "explorer.yaml"


def test_the_shipped_explorer_study_and_its_preregistration_agree():
    spec = load_spec_file(SHIPPED)
    step = spec.index_of("explanation")
    assert [c.name for c in spec.conditions] == ["baseline", "explorer"]
    assert spec.step(step, "explorer").interactive
    assert not spec.step(step, "baseline").interactive
    assert spec.step(step, "explorer").answer_key_from == "checkpoints/study/ground_truth.json"
    check(SHIPPED.read_text(), PLAN.read_text())  # raises StudyMismatch on a disagreement


def test_the_preregistered_analysis_runs_on_simulated_sessions():
    plan = prereg.load(PLAN)
    accuracy = simulate.parse_accuracies(["baseline=0.7", "explorer=0.9"], plan)
    raw = simulate.simulate(plan, spec=load_spec_file(SHIPPED), n_per_condition=20,
                            accuracy=accuracy, seed=3)
    result = analyze(raw, plan)
    text = repr(result)
    assert "H1" in text and "explorer" in text


@pytest.mark.django_db
def test_the_shipped_explorer_study_loads(capsys):
    from django.core.management import call_command

    call_command("load_study", str(SHIPPED))
    assert "loaded study" in capsys.readouterr().out
