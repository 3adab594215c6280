"""Bad input gives a clear AnalysisError, never a crash or a silent wrong number."""

from pathlib import Path

import pandas as pd
import pytest

from analysis import prereg, simulate
from analysis.pipeline import analyze
from analysis.results import AnalysisError
from studies.spec import load_spec_file

EXAMPLES = Path(__file__).resolve().parent.parent / "analysis" / "examples" / "two4two"
SPECS = Path(__file__).resolve().parent.parent / "studies" / "specs"


@pytest.fixture(scope="module")
def study2():
    return prereg.load(EXAMPLES / "study2.yaml")


@pytest.fixture(scope="module")
def study1():
    return prereg.load(EXAMPLES / "study1.yaml")


def _clean(document, n=6, seed=1, **accuracy):
    acc = simulate.parse_accuracies([f"{k}={v}" for k, v in accuracy.items()], document)
    spec = load_spec_file(SPECS / f"{document.study}.yaml")
    return simulate.simulate(document, spec=spec, n_per_condition=n, accuracy=acc, seed=seed,
                             clean=True)


def test_empty_condition(study2):
    raw = _clean(study2)
    raw = raw[raw["condition"] != "concepts"]
    with pytest.raises(AnalysisError, match=r"\['concepts'\].*empty condition"):
        analyze(raw, study2)


def test_condition_emptied_by_exclusions(study2):
    raw = _clean(study2)
    raw.loc[raw["condition"] == "inn", "status"] = "returned"
    with pytest.raises(AnalysisError, match="condition 'inn' has 0 analysed participant"):
        analyze(raw, study2)


def test_single_participant(study1):
    raw = _clean(study1, n=1)
    with pytest.raises(AnalysisError, match="only 1 analysed participant"):
        analyze(raw, study1)


def test_everybody_excluded(study1):
    raw = _clean(study1, n=4)
    raw["device_ok"] = False
    with pytest.raises(AnalysisError, match="every one of the 4 participants was excluded"):
        analyze(raw, study1)


def test_all_identical_answers(study2):
    raw = _clean(study2, n=8, baseline=1.0, inn=1.0, concepts=0.2)
    with pytest.raises(AnalysisError, match="Shapiro-Wilk for accuracy in baseline: all 8 "
                                            "values are identical"):
        analyze(raw, study2)


def test_missing_column(study2):
    raw = _clean(study2).drop(columns=["response"])
    with pytest.raises(AnalysisError, match="lack the column.*response"):
        analyze(raw, study2)


def test_missing_exclusion_column(study2):
    raw = _clean(study2).drop(columns=["duration_s"])
    with pytest.raises(AnalysisError, match="over_time_limit.*duration_s"):
        analyze(raw, study2)


def test_unknown_attribute(study2):
    raw = _clean(study2)
    raw.loc[raw["item"] == "legs", "item"] = "tail"
    with pytest.raises(AnalysisError, match=r"unknown attribute\(s\) \['tail'\]"):
        analyze(raw, study2)


def test_unknown_condition(study2):
    raw = _clean(study2)
    raw.loc[raw["condition"] == "inn", "condition"] = "gradcam"
    with pytest.raises(AnalysisError, match="'gradcam'.*not in the preregistration"):
        analyze(raw, study2)


def test_non_numeric_and_non_boolean_values(study2):
    raw = _clean(study2)
    raw["duration_s"] = raw["duration_s"].astype(object)
    raw.loc[0, "duration_s"] = "ninety minutes"
    with pytest.raises(AnalysisError, match="'duration_s'.*not a number"):
        analyze(raw, study2)
    raw = _clean(study2)
    raw["device_ok"] = raw["device_ok"].astype(object)
    raw.loc[0, "device_ok"] = "perhaps"
    with pytest.raises(AnalysisError, match="'device_ok'.*not a boolean"):
        analyze(raw, study2)


def test_empty_file(study2):
    with pytest.raises(AnalysisError, match="no rows"):
        analyze(pd.DataFrame(columns=["participant"]), study2)


def test_mapping_names_a_missing_column():
    document = prereg.load(Path(EXAMPLES).parent / "borowski2021" / "experiment_I.yaml")
    with pytest.raises(AnalysisError, match=r"\['subject_id', 'instr_type'.*'columns:' mapping"):
        analyze(pd.DataFrame({"x": [1]}), document)


def test_bad_accuracy_specs(study2):
    for spec, message in (("inn:tail=0.5", "unknown attribute 'tail'"),
                          ("inn=1.5", "between 0 and 1"), ("inn", "expected")):
        with pytest.raises(AnalysisError, match=message):
            simulate.parse_accuracies([spec], study2)


def test_unassigned_sessions_are_counted_and_must_be_excluded(study2):
    raw = _clean(study2)
    first = raw["participant"].iloc[0]
    unassigned = raw[raw["participant"] == first].assign(
        participant="screened-1", condition="", status="screened_out")
    result = analyze(pd.concat([raw, unassigned]), study2)
    assert result.flow.loc["(unassigned)", "collected"] == 1
    assert result.flow.loc["(unassigned)", "analysed"] == 0
    with pytest.raises(AnalysisError, match="'screened-1' has no condition"):
        analyze(pd.concat([raw, unassigned.assign(status="completed")]), study2)


def test_trial_analysis_naming_a_missing_column():
    path = Path(EXAMPLES).parent / "borowski2021" / "experiment_II.yaml"
    text = path.read_text().replace("between: expert_level\n    ss_type: 3",
                                    "between: expertise\n    ss_type: 3")
    document = prereg.parse(text)
    raw = pd.DataFrame({"subject_id": ["1", "1", "2", "2"], "instr_type": ["natural",
                        "optimized"] * 2, "correct": ["True", "False"] * 2,
                        "trial_type": ["main"] * 4, "catch_trial": ["False"] * 4,
                        "condition_name": ["Max-1"] * 4})
    with pytest.raises(AnalysisError, match=r"expert_mixed_anova: the data lack the column\(s\) "
                                            r"\['expertise'\]"):
        analyze(raw, document)
