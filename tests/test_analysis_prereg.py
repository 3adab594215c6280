"""Loading, validating and exporting preregistrations."""

from pathlib import Path

import pytest
import yaml

from analysis import aspredicted, prereg

EXAMPLES = Path(__file__).resolve().parent.parent / "analysis" / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*/*.yaml")), ids=lambda p: p.name)
def test_shipped_examples_load(path):
    document = prereg.load(path)
    assert document.analyses and document.sha256 == prereg.content_hash(path.read_text())


def _study2() -> dict:
    return yaml.safe_load((EXAMPLES / "two4two" / "study2.yaml").read_text())


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("design"), "design: required"),
    (lambda d: d.update(design="sideways"), "design: 'sideways' is not one of"),
    (lambda d: d["analyses"][0].update(test="t_test_magic"), "analyses[0].test: 't_test_magic'"),
    (lambda d: d["analyses"][0].update(alpha=5), "analyses[0].alpha: must be a number between"),
    (lambda d: d["analyses"][0]["comparisons"][1].update(alternative="bigger"),
     "analyses[0].comparisons[1].alternative"),
    (lambda d: d["analyses"][1].update(correction="magic"), "analyses[1].correction"),
    (lambda d: d["exclusions"][3].pop("minutes"), "exclusions[3].minutes: a number is required"),
    (lambda d: d["exclusions"].append({"rule": "astrology"}), "exclusions[9].rule: 'astrology'"),
    (lambda d: d.update(hypotheses=[]), "hypotheses: needs at least 1"),
    (lambda d: d["hypotheses"][0].update(direction="up"), "hypotheses[0].direction"),
    (lambda d: d.update(colour="blue"), "colour: unknown key"),
    (lambda d: d["answer_key"].update(tail="relevant"), "answer_key.tail: not one of"),
    (lambda d: d["analyses"].append({"id": "x", "test": "mcnemar", "a": "legs"}),
     "analyses[3].b: required for test 'mcnemar'"),
    (lambda d: d["analyses"][0].update(published={"values": [{"quantity": "p"}]}),
     "analyses[0].published.values[0].value: required"),
])
def test_invalid_documents_name_the_key(change, message):
    data = _study2()
    change(data)
    with pytest.raises(prereg.PreregError) as error:
        prereg.parse(yaml.safe_dump(data))
    assert message in str(error.value)


def test_not_yaml_and_missing_file():
    with pytest.raises(prereg.PreregError, match="not valid YAML"):
        prereg.parse("a: [1, 2")
    with pytest.raises(prereg.PreregError, match="does not exist"):
        prereg.load("/nonexistent/prereg.yaml")


def test_time_limit_and_thresholds_come_from_the_document():
    document = prereg.load(EXAMPLES / "two4two" / "study2.yaml")
    assert document.rule("over_time_limit").params["minutes"] == 77
    assert document.rule("relevance_too_fast").params["seconds"] == 30
    assert document.analysis("main").params["comparisons"][0]["alternative"] == "less"


def test_aspredicted_export_has_the_eight_questions_and_content():
    document = prereg.load(EXAMPLES / "two4two" / "study2.yaml")
    text = aspredicted.to_markdown(document)
    for number in range(1, 9):
        assert f"## {number}) " in text
    assert "H1** (less)" in text and "H2** (greater)" in text
    assert "did not finish in under 77 minutes (the time limit)" in text
    assert "240 (80 per condition)" in text
    assert "third comprehension task: 3.5 GBP" in text
    assert "Exploratory: **attributes_inn_vs_baseline**" in text
    assert document.sha256 in text
