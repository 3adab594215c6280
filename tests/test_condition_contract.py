"""One condition contract: the study spec builds explainers.conditions.ConditionSpec, and the
render planner reads the same objects (or mappings in the same shape)."""

import pytest

from explainers.conditions import ConditionSpec
from explainers.plan import plan
from studies.spec import ConditionSpec as SpecCondition
from studies.spec import parse_spec
from tests.fixtures.tiny_explainer_setup import REPO_FIXTURES, tiny_checkpoint

SMALL = {"n": 400}


def spec_text(checkpoint="unused") -> str:
    return (REPO_FIXTURES / "render_study.yaml").read_text().replace("CHECKPOINT", str(checkpoint))


def test_the_spec_builds_the_planners_conditions():
    spec = parse_spec(spec_text())
    assert SpecCondition is ConditionSpec
    assert spec.conditions[0] == ConditionSpec(name="baseline", explainer="baseline", target=2,
                                               params={"rows": 2}, variants=[0, 1])


def test_a_count_of_variants_means_the_first_n_and_lists_are_kept():
    assert ConditionSpec.from_dict({"name": "a", "variants": 3}).variants == [0, 1, 2]
    assert ConditionSpec.from_dict({"name": "a", "variants": [2, 5]}).variants == [2, 5]
    assert ConditionSpec.from_dict({"name": "a"}).explainer == "a"
    for bad in (0, [], [1, 1], [-1], [True], "2"):
        with pytest.raises(ValueError, match="variants"):
            ConditionSpec.from_dict({"name": "a", "variants": bad})


def test_the_spec_reports_bad_variants_with_their_line():
    from studies.spec import SpecError

    text = spec_text().replace("variants: [0, 1]", "variants: [1, 1]")
    with pytest.raises(SpecError, match="variants.*twice") as exc:
        parse_spec(text)
    assert any(line == 10 for _, line, _ in exc.value.problems)


def test_plan_renders_exactly_the_listed_variants_of_rendered_conditions(tmp_path):
    folder, _ = tiny_checkpoint(tmp_path / "tiny")
    text = spec_text(folder).replace("variants: [0, 1]", "variants: [0, 2]")
    text = text.replace("  - {name: inn,", f"  - {{name: fixed, explainer: baseline, target: 1, "
                        f"stimulus_key: {'a' * 64}}}\n  - {{name: inn,")
    spec = parse_spec(text)
    jobs = plan(spec.conditions, study_seed=spec.seed, checkpoint=folder, validation=SMALL)
    assert [(j.condition, j.variant) for j in jobs] == [("baseline", 0), ("baseline", 2),
                                                       ("inn", 0)]
    as_dicts = [{"name": c.name, "explainer": c.explainer, "params": c.params,
                 "variants": c.variants} for c in spec.conditions if c.rendered]
    assert plan(as_dicts, study_seed=spec.seed, checkpoint=folder, validation=SMALL) == jobs
