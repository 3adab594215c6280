"""Spec validation: every problem names its key path AND its YAML line (no database needed)."""

import subprocess
import sys
from pathlib import Path

import pytest

from studies.spec import SpecError, load_spec_file, parse_spec

FIXTURES = Path(__file__).parent / "spec_fixtures"
BAD = sorted(FIXTURES.glob("bad-*.yaml"))


def _expectation(path: Path) -> tuple[str, int, str]:
    head = path.read_text().splitlines()[0]
    key, line, message = (part.strip() for part in head.removeprefix("# expect:").split("|"))
    return key, int(line), message


def test_the_fixture_base_is_valid():
    spec = load_spec_file(FIXTURES / "base.yaml")
    assert spec.slug == "fixture" and [s.type for s in spec.steps] == ["consent", "completion"]


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_spec_names_key_and_line(path):
    key, line, message = _expectation(path)
    with pytest.raises(SpecError) as caught:
        load_spec_file(path)
    problems = caught.value.problems
    assert any(p == (key, line, p[2]) and message in p[2] for p in problems), problems
    text = str(caught.value)
    assert f"(line {line})" in text and message in text and path.name in text


def test_all_problems_are_reported_at_once():
    text = (FIXTURES / "base.yaml").read_text()
    text = text.replace("target: 2", "target: two").replace("title: Fixture study", "title: 3")
    text = text.replace("type: completion", "type: finish")
    with pytest.raises(SpecError) as caught:
        parse_spec(text)
    paths = {p[0] for p in caught.value.problems}
    assert {"conditions[0].target", "title", "steps[1].type"} <= paths


def test_not_yaml_at_all():
    with pytest.raises(SpecError) as caught:
        parse_spec("slug: [unclosed\n")
    assert "not valid YAML" in str(caught.value) and caught.value.problems[0][1] >= 1


def test_missing_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="cannot read spec file"):
        load_spec_file(tmp_path / "nope.yaml")


def test_by_condition_overrides_apply_per_condition():
    spec = load_spec_file(Path(__file__).parent.parent / "studies/specs/two4two-study2.yaml")
    video = spec.index_of("video-explanation")
    assert spec.step(video, "baseline").generated == "condition-baseline"
    assert spec.step(video, "inn").generated == "condition-inn"
    assert spec.step(video, "concepts").generated == "condition-concepts"
    gate = spec.index_of("gate-explanation")
    assert spec.step(gate, "concepts").statements[1].id == "compare"
    assert "concept" in spec.step(gate, "concepts").statements[1].text


def test_spec_package_imports_without_django():
    code = ("import sys; import studies.spec as s; "
            "s.load_spec_file('studies/specs/two4two-study2.yaml'); "
            "assert not any(m.startswith('django') for m in sys.modules), 'django imported'")
    root = Path(__file__).parent.parent
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)


def test_a_step_title_may_differ_per_condition_and_is_the_one_served():
    spec = load_spec_file(Path(__file__).parent.parent / "studies/specs/two4two-explorer.yaml")
    video = spec.index_of("video-explanation")
    assert spec.step(video, "baseline").title == "Tutorial 3 of 3: reading the explanation"
    assert spec.step(video, "explorer").title == "Tutorial 3 of 3: using the explorer"
    summary = spec.index_of("summary-explanation")
    assert spec.step(summary, "explorer").title == "Summary: using the explorer"


@pytest.mark.parametrize("key, value", [("min_seconds", 5), ("time_limit_s", 60), ("id", "other"),
                                        ("type", "consent")])
def test_times_and_identity_of_a_step_cannot_change_per_condition(key, value):
    text = (Path(__file__).parent / "spec_fixtures/bad-by-condition.yaml").read_text()
    text = text.replace("two: {body: other}", f"one: {{{key}: {value}}}")
    with pytest.raises(SpecError) as caught:
        parse_spec(text)
    assert (f"steps[1].by_condition.one.{key}", 15, "cannot be changed per condition") in \
        caught.value.problems, caught.value.problems
