"""Responses outside an item's options, empty files and non-0/1 outcomes are refused with row
and column (file rows as a person counts them: the header is row 1), never scored."""

from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from analysis import prereg, simulate, tidy
from analysis.pipeline import analyze
from analysis.results import AnalysisError
from studies.spec import load_spec_file

EXAMPLES = Path(__file__).resolve().parent.parent / "analysis" / "examples"


@pytest.fixture(scope="module")
def study2():
    return prereg.load(EXAMPLES / "two4two" / "study2.yaml")


def _export(document, tmp_path) -> tuple[Path, list[str]]:
    spec = load_spec_file(Path(__file__).resolve().parent.parent / "studies" / "specs"
                          / f"{document.study}.yaml")
    raw = simulate.simulate(document, spec=spec, n_per_condition=6, accuracy={}, seed=3,
                            clean=True)
    path = tmp_path / "responses.csv"
    raw.to_csv(path, index=False)
    return path, path.read_text().splitlines()


def _relevance_line(lines: list[str], header: list[str], nth: int = 0) -> int:
    item_type = header.index("item_type")
    hits = [i for i, line in enumerate(lines) if i and line.split(",")[item_type] == "relevance"]
    return hits[nth]


@pytest.mark.parametrize("value", ["Relevent", "yes"])
def test_response_outside_the_items_options_is_refused_with_row_and_column(
        study2, tmp_path, value):
    path, lines = _export(study2, tmp_path)
    header = lines[0].split(",")
    column = header.index("response")
    index = _relevance_line(lines, header, nth=7)
    cells = lines[index].split(",")
    assert cells[column] in ("relevant", "irrelevant")
    cells[column] = value
    lines[index] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(AnalysisError) as error:
        analyze(tidy.read_table(path), study2)
    # today: scored as a wrong answer, no error
    assert (f"row {index + 1}, column 'response': {value!r} is not one of the relevance "
            f"item's options (relevant, irrelevant)") in str(error.value)


def test_capitalised_option_is_the_option_not_an_error(study2, tmp_path):
    path, lines = _export(study2, tmp_path)
    reference = analyze(tidy.read_table(path), study2).data.scores
    path.write_text(path.read_text().replace(",relevant,", ",Relevant,"))
    assert analyze(tidy.read_table(path), study2).data.scores.equals(reference)


def test_empty_file_is_a_clear_error_not_a_traceback(tmp_path, study2):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(AnalysisError, match="is empty: no header line and no rows"):
        tidy.read_table(empty)
    with pytest.raises(CommandError, match="is empty"):
        call_command("analyze", responses=str(empty),
                     prereg=str(EXAMPLES / "two4two" / "study2.yaml"), out=str(tmp_path / "r"))


def test_correct_column_not_0_1_names_row_and_column():
    document = prereg.load(EXAMPLES / "borowski2021" / "experiment_I.yaml")
    raw = pd.DataFrame({"subject_id": ["1", "1", "2", "2"], "instr_type": ["natural"] * 4,
                        "correct": ["True", "False", "maybe", "True"],
                        "trial_type": ["main"] * 4, "catch_trial": ["False"] * 4})
    with pytest.raises(AnalysisError, match=r"row 4, column 'correct': 'maybe' is not 0/1"):
        analyze(raw, document)
