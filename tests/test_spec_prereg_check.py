"""One study, one truth: `check_study` (and `lock_prereg`) compare a study spec with its
preregistration and name key and line in both files where they disagree.

The shipped pairs must agree; each broken copy below changes one thing in one file (a text
replacement, so the other lines keep their numbers) and must give exactly that disagreement."""

import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from analysis.models import Preregistration
from analysis.spec_check import StudyMismatch, check, compare
from studies.loading import load_study
from tests.bots import REFERENCE_TYPES_YAML, STUDY_YAML

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "studies" / "specs"
PREREGS = ROOT / "analysis" / "examples"
SPEC2 = (SPECS / "two4two-study2.yaml").read_text()
PLAN2 = (PREREGS / "two4two" / "study2.yaml").read_text()
BOROWSKI = (PREREGS / "borowski2021" / "experiment_I_on_export.yaml").read_text()


def ln(text: str, pattern: str) -> int:
    """Number of the first line of ``text`` matching the regex ``pattern``: the expected places
    follow edits elsewhere in the shipped files."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if re.search(pattern, line))


def at_spec(pattern: str) -> int:
    return ln(SPEC2, pattern)


def at_plan(pattern: str) -> int:
    return ln(PLAN2, pattern)


def once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def found(spec: str = SPEC2, plan: str = PLAN2, **kw) -> list[str]:
    return [str(d) for d in compare(spec, plan, spec_name="two4two-study2.yaml",
                                    prereg_name="study2.yaml", **kw)]


@pytest.mark.parametrize("spec, plan", [
    ("two4two-study1.yaml", "two4two/study1.yaml"),
    ("two4two-study2.yaml", "two4two/study2.yaml"),
])
def test_shipped_pairs_agree(spec, plan):
    assert compare((SPECS / spec).read_text(), (PREREGS / plan).read_text()) == []


def test_the_borowski_plan_for_the_export_agrees_with_the_bot_study_it_runs_on():
    assert compare(REFERENCE_TYPES_YAML, BOROWSKI) == []


TIME_RULE = "the rule's minutes must be the spec's time limit (a session not finished within it is excluded)"


def test_duration_rule_against_the_time_limit():
    spec = once(SPEC2, "time_limit_minutes: 77 ", "time_limit_minutes: 60 ")
    assert found(spec) == [
        f"study2.yaml line {at_plan('rule: over_time_limit')} exclusions[3].minutes=77 vs "
        f"two4two-study2.yaml line {at_spec('^time_limit_minutes:')} time_limit_minutes=60: "
        f"{TIME_RULE}"]


def test_duration_rule_against_the_default_time_limit():
    spec = once(SPEC2, "time_limit_minutes: 77 ", "# no time limit given ")
    assert found(spec) == [
        f"study2.yaml line {at_plan('rule: over_time_limit')} exclusions[3].minutes=77 vs "
        f"two4two-study2.yaml line {at_spec('^slug:')} time_limit_minutes=120 (default): "
        f"{TIME_RULE}"]


def test_gate_rule_against_each_gate_of_the_spec():
    plan = once(PLAN2, "max_failures: 1,", "max_failures: 2,")
    assert found(plan=plan) == [
        f"study2.yaml line {at_plan('rule: gate_failures')} exclusions[5].max_failures=2 vs "
        f"two4two-study2.yaml line {at_spec(f'- id: {gate}$')} steps[{index}].max_failures=2: "
        f"the rule excludes after 3 failures at one gate, gate {gate!r} screens out after 2"
        for index, gate in ((4, "gate-dataset"), (7, "gate-ml"), (10, "gate-explanation"))]


def test_gate_rule_against_one_gate_with_its_own_limit():
    spec = once(SPEC2, "    retry_from: video-ml\n", "    retry_from: video-ml\n    max_failures: 3\n")
    assert found(spec) == [
        f"study2.yaml line {at_plan('rule: gate_failures')} exclusions[5].max_failures=1 vs "
        f"two4two-study2.yaml line {at_spec('retry_from: video-ml') + 1} steps[7].max_failures=3: "
        "the rule excludes after 2 failures at one gate, gate 'gate-ml' screens out after 3"]


def test_relevance_time_rule_against_the_steps_minimum_time():
    spec = once(SPEC2, "min_seconds: 30 ", "min_seconds: 20 ")
    assert found(spec) == [
        f"study2.yaml line {at_plan('rule: relevance_too_fast')} exclusions[7].seconds=30 vs "
        f"two4two-study2.yaml line {at_spec('min_seconds: 30')} steps[11].min_seconds=20: the "
        "rule's seconds must be step 'explanation''s minimum time"]


def test_preregistered_condition_the_spec_lacks():
    plan = once(PLAN2, "conditions: [baseline, inn, concepts]",
                "conditions: [baseline, inn, prototypes]")
    plan = plan.replace("a: concepts, b: baseline", "a: prototypes, b: baseline").replace(
        "concepts: C", "prototypes: C")  # labels: of the renamed condition
    assert found(plan=plan) == [
        f"study2.yaml line {at_plan('^conditions:')} conditions[2]=prototypes vs "
        f"two4two-study2.yaml line {at_spec('^conditions:')} conditions=['baseline', 'inn', "
        "'concepts']: condition 'prototypes' is preregistered but the spec has no such condition",
        f"study2.yaml line {at_plan('^conditions:')} conditions=['baseline', 'inn', 'prototypes'] "
        f"vs two4two-study2.yaml line {at_spec('name: concepts,')} conditions[2].name=concepts: "
        "the spec assigns participants to 'concepts', which the preregistration does not name"]


def test_preregistered_item_the_spec_lacks():
    plan = once(PLAN2, "attributes: [legs, color, background, shape, rotation]",
                "attributes: [legs, color, background, shape, rotation, texture]")
    assert found(plan=plan) == [
        f"study2.yaml line {at_plan('^attributes:')} attributes[5]=texture vs two4two-study2.yaml "
        f"line {at_spec('- id: explanation$')} steps[11].attributes=['legs', 'color', "
        "'background', 'shape', 'rotation']: step 'explanation' does not ask about 'texture'"]


def test_preregistered_answer_key_against_the_ground_truth_file():
    plan = once(PLAN2, "  background: irrelevant\n", "  background: relevant\n")
    assert found(plan=plan) == [
        f"study2.yaml line {at_plan('  background: irrelevant')} answer_key.background=relevant "
        f"vs two4two-study2.yaml line {at_spec('answer_key_from:')} "
        "steps[11].answer_key_from=checkpoints/study/ground_truth.json: irrelevant: step "
        "'explanation' keys 'background' differently"]


def test_preregistered_answer_key_against_an_inline_key():
    spec = STUDY_YAML.format(slug="two4two-study2", block_list="", video_s=8, conditions="".join(
        f"  - {{name: {n}, explainer: baseline, target: 80}}\n"
        for n in ("baseline", "inn", "concepts")))
    spec = once(spec, "shape: relevant, rotation: irrelevant}", "shape: irrelevant, rotation: irrelevant}")
    lines = [d for d in found(spec) if "answer_key" in d]
    assert lines == [
        f"study2.yaml line {at_plan('  shape: relevant')} answer_key.shape=relevant vs "
        f"two4two-study2.yaml line {ln(spec, 'answer_key: ')} steps[5].answer_key.shape=irrelevant: "
        "step 'stimulus' keys 'shape' differently"]


def test_unreadable_answer_key_file_is_a_disagreement_not_a_crash():
    spec = once(SPEC2, "answer_key_from: checkpoints/study/ground_truth.json",
                "answer_key_from: checkpoints/none/ground_truth.json")
    (line,) = found(spec)
    assert line.startswith(f"study2.yaml line {at_plan('^answer_key:')} answer_key=")
    assert f" line {at_spec('answer_key_from:')} steps[11].answer_key_from=" in line
    assert "the spec's answer key cannot be read" in line and "does not exist" in line


def test_another_studys_preregistration():
    plan = once(PLAN2, "study: two4two-study2", "study: two4two-study1")
    assert found(plan=plan) == [
        f"study2.yaml line {at_plan('^study:')} study=two4two-study1 vs two4two-study2.yaml line "
        f"{at_spec('^slug:')} slug=two4two-study2: the preregistration is for another study"]


def test_preregistered_design_against_the_specs():
    plan = once(PLAN2, "design: between", "design: within")
    assert found(plan=plan) == [
        f"study2.yaml line {at_plan('^design:')} design=within vs two4two-study2.yaml line "
        f"{at_spec('^design:')} design=between: the designs differ"]


def test_planned_sample_against_the_condition_targets():
    spec = once(SPEC2, "explainer: inn, target: 80", "explainer: inn, target: 70")
    assert found(spec) == [
        f"study2.yaml line {at_plan('per_condition:')} sample_size.per_condition=80 vs "
        f"two4two-study2.yaml line {at_spec('name: inn,')} conditions[1].target=70: condition "
        "'inn' recruits a different number",
        f"study2.yaml line {at_plan('^  total:')} sample_size.total=240 vs two4two-study2.yaml "
        f"line {at_spec('^conditions:')} conditions=230 (sum of the targets): the conditions' "
        "targets add up to a different total"]


@pytest.mark.parametrize("rule, message", [
    ("videos_incomplete", "rule 'videos_incomplete' is preregistered but the spec has no "
                          "video step for it to judge"),
    ("gate_failures", "a gate rule is preregistered but the spec has no comprehension gate"),
    ("relevance_too_fast", "a relevance-time rule is preregistered but the spec asks no "
                           "relevance questions"),
    ("catch_trials", "a catch-trial rule is preregistered but the spec has no catch trials"),
    ("device_too_small", "rule 'device_too_small' is preregistered but the spec has no "
                         "device_check step for it to judge"),
    ("manual_screening", "manual screening of free text is preregistered but the spec asks "
                         "for none (no free_text or stimulus_questions step)"),
])
def test_rules_against_steps_the_spec_lacks(rule, message):
    spec = REFERENCE_TYPES_YAML.replace("kind: catch, ", "") if rule == "catch_trials" else (
        REFERENCE_TYPES_YAML)
    params = {"gate_failures": ", max_failures: 1", "relevance_too_fast": ", seconds: 30",
              "catch_trials": ", min_accuracy: 0.5"}.get(rule, "")
    plan = once(BOROWSKI, "  - {rule: not_finished,", f"  - {{rule: {rule}{params}}}\n"
                "  - {rule: not_finished,")
    (line,) = [str(d) for d in compare(spec, plan, spec_name="spec.yaml", prereg_name="p.yaml")]
    assert line.startswith(f"p.yaml line {ln(plan, f'rule: {rule}')} exclusions[1].rule={rule} "
                           f"vs spec.yaml line {ln(spec, '^steps:')} steps=(no ")
    assert line.endswith(message)


def test_trial_blocks_the_spec_lacks():
    spec = REFERENCE_TYPES_YAML.replace("id: optimized", "id: synthetic")
    lines = [str(d) for d in compare(spec, BOROWSKI, spec_name="spec.yaml", prereg_name="p.yaml")]
    blocks = "steps=['natural', 'synthetic', 'none']"
    steps = ln(spec, "^steps:")
    assert lines == [
        f"p.yaml line {ln(BOROWSKI, '  b: optimized')} analyses[1].b=optimized vs spec.yaml line "
        f"{steps} {blocks}: natural_vs_synthetic: 'optimized' is not a trial block of the spec",
        f"p.yaml line {ln(BOROWSKI, 'column: step, in: .natural, optimized')} "
        f"analyses[2].where[0].in[1]=optimized vs spec.yaml line {steps} {blocks}: "
        "confidence_correct: 'optimized' is not a trial block of the spec",
        f"p.yaml line {ln(BOROWSKI, 'order: .natural, optimized, none')} "
        f"analyses[5].order[1]=optimized vs spec.yaml line {steps} {blocks}: "
        "accuracy_figure: 'optimized' is not a trial block of the spec"]


def test_check_raises_with_every_place():
    spec = once(SPEC2, "min_seconds: 30 ", "min_seconds: 20 ")
    with pytest.raises(StudyMismatch, match=rf"\(1 place\(s\)\):\n  study2.yaml line "
                                            rf"{at_plan('rule: relevance_too_fast')} "):
        check(spec, PLAN2, spec_name="two4two-study2.yaml", prereg_name="study2.yaml")


@pytest.mark.django_db
def test_check_study_command_on_a_loaded_study_and_on_a_spec_file(tmp_path, capsys):
    load_study(SPECS / "two4two-study2.yaml")
    plan = PREREGS / "two4two" / "study2.yaml"
    call_command("check_study", "two4two-study2", "--prereg", str(plan))
    assert "agree" in capsys.readouterr().out
    broken = tmp_path / "two4two-study2.yaml"
    broken.write_text(once(SPEC2, "time_limit_minutes: 77 ", "time_limit_minutes: 60 "))
    with pytest.raises(CommandError, match=rf"study2.yaml line {at_plan('rule: over_time_limit')} "
                                           rf"exclusions\[3\].minutes=77 vs two4two-study2.yaml "
                                           rf"line {at_spec('^time_limit_minutes:')} "
                                           rf"time_limit_minutes=60"):
        call_command("check_study", str(broken), "--prereg", str(plan))
    with pytest.raises(CommandError, match="no study with slug 'nope'"):
        call_command("check_study", "nope", "--prereg", str(plan))


@pytest.mark.django_db
def test_lock_prereg_refuses_a_preregistration_that_disagrees_and_stores_nothing(tmp_path):
    study, _ = load_study(SPECS / "two4two-study2.yaml")
    broken = tmp_path / "study2.yaml"
    broken.write_text(once(PLAN2, "  background: irrelevant\n", "  background: relevant\n"))
    where = at_plan("  background: irrelevant")
    with pytest.raises(CommandError, match=rf"study2.yaml line {where} answer_key.background="
                                           rf"relevant vs two4two-study2 \(loaded spec\) line "
                                           rf"{at_spec('answer_key_from:')} "):
        call_command("lock_prereg", study.slug, "--file", str(broken))
    assert not Preregistration.objects.filter(study=study).exists()
    Preregistration.objects.create(study=study, text=broken.read_text())  # stored, e.g. in admin
    with pytest.raises(CommandError, match=f"stored preregistration line {where} "):
        call_command("lock_prereg", study.slug)
    assert not Preregistration.objects.get(study=study).is_locked
    call_command("lock_prereg", study.slug, "--file", str(PREREGS / "two4two" / "study2.yaml"))
    assert Preregistration.objects.get(study=study).is_locked
