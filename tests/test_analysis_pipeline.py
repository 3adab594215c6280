"""Simulated study -> analysis -> report; determinism; power analysis; the CLI commands."""

import json
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from analysis import prereg, simulate
from analysis.pipeline import analyze
from analysis.power import Attrition, parse_effects, power_curve
from analysis.report import write_report
from studies.spec import load_spec_file

EXAMPLES = Path(__file__).resolve().parent.parent / "analysis" / "examples" / "two4two"
SPECS = Path(__file__).resolve().parent.parent / "studies" / "specs"
SPEC2 = load_spec_file(SPECS / "two4two-study2.yaml")
ACCURACY = ["baseline=0.8", "inn=0.85", "concepts=0.32", "inn:legs=1.0"]


@pytest.fixture(scope="module")
def study2():
    return prereg.load(EXAMPLES / "study2.yaml")


@pytest.fixture(scope="module")
def simulated(study2):
    acc = simulate.parse_accuracies(ACCURACY, study2)
    return simulate.simulate(study2, spec=SPEC2, n_per_condition=40, accuracy=acc, seed=11)


def test_simulation_has_the_tidy_columns_and_chosen_accuracies(study2):
    from analysis.tidy import TIDY_COLUMNS

    acc = simulate.parse_accuracies(["inn:legs=1.0", "concepts=0.0"], study2)
    raw = simulate.simulate(study2, spec=SPEC2, n_per_condition=30, accuracy=acc, seed=2, clean=True)
    assert set(TIDY_COLUMNS) <= set(raw.columns)
    legs = raw[(raw["condition"] == "inn") & (raw["item"] == "legs")]
    assert legs["correct"].eq(1).all()
    assert raw.loc[raw["condition"] == "concepts", "correct"].eq(0).all()


def test_study2_plan_on_simulated_data(study2, simulated):
    result = analyze(simulated, study2)
    frame = result.tests_frame
    assert result.flow.loc["total", "collected"] == simulated["participant"].nunique()
    assert 0 < result.flow.loc["total", "analysed"] < result.flow.loc["total", "collected"]
    main = frame[frame["analysis_id"] == "main"]
    assert list(main["test"])[:4] == ["Shapiro-Wilk"] * 3 + ["decision"]
    h1 = main[main["label"].str.startswith("H1")].iloc[0]
    assert h1["significant"] and h1["preregistered"]
    attributes = frame[frame["analysis_id"] == "attributes_inn_vs_baseline"]
    assert len(attributes) == 5 and not attributes["preregistered"].any()
    assert attributes["method_options"].str.contains("holm over 8 tests").all()
    assert result.accuracy.loc["inn", "legs"] == 100.0


def test_report_files_are_complete_escaped_and_deterministic(study2, simulated, tmp_path):
    raw = simulated.copy()
    raw.loc[raw.index[0], "justification"] = "<script>alert(1)</script>"
    document = prereg.parse(study2.text.replace('title: "Study 2:', 'title: "<b>Study 2</b>:'))
    paths_a = write_report(analyze(raw, document), tmp_path / "a")
    write_report(analyze(raw, document), tmp_path / "b")
    for name in ("participant_flow.png", "correct_distribution.png",
                 "report.md", "report.html", "results.json"):
        assert (tmp_path / "a" / name).stat().st_size > 0
    assert (tmp_path / "a" / "results.json").read_bytes() == (
        tmp_path / "b" / "results.json").read_bytes()
    html = paths_a["html"].read_text()
    assert "&lt;b&gt;Study 2&lt;/b&gt;" in html and "<b>Study 2</b>" not in html
    assert html.count("data:image/png;base64,") == 2 and 'src="accuracy' not in html
    numbers = json.loads(paths_a["json"].read_text())
    assert {"flow", "exclusions", "tests", "accuracy_percent", "tables", "deviations"} <= set(
        numbers)
    assert any(t["test"] == "Kruskal-Wallis" for t in numbers["tests"])
    assert "exploratory" in paths_a["md"].read_text()


def test_power_curve_rises_with_sample_size(study2, tmp_path):
    effects = parse_effects(["baseline=0.75", "inn=0.85", "concepts=0.55"], study2)
    kwargs = {"sizes": [6, 40], "reps": 8, "effects": effects, "seed": 1,
              "attrition": Attrition.stated(0.1)}
    curve = power_curve(study2, **kwargs)
    h1 = curve[curve["test"].str.contains("H1")].set_index("recruit")["power"]
    assert h1[40] > h1[6]
    assert curve.equals(power_curve(study2, **kwargs))


def test_cli_simulate_analyze_and_power(tmp_path):
    csv = tmp_path / "sim.csv"
    call_command("simulate_responses", "--prereg", str(EXAMPLES / "study1.yaml"),
                 "--spec", str(SPECS / "two4two-study1.yaml"),
                 "--n-per-condition", "40", "--accuracy", "baseline:legs=0.9",
                 "baseline:color=0.45", "--seed", "3", "--out", str(csv))
    assert pd.read_csv(csv)["participant"].nunique() >= 40
    annotations = tmp_path / "ann.csv"
    first = pd.read_csv(csv)["participant"].iloc[0]
    pd.DataFrame([{"participant": first, "annotator": a, "label": "exclude"}
                  for a in ("ann", "bob")]).to_csv(annotations, index=False)
    out = tmp_path / "report"
    call_command("analyze", "--responses", str(csv), "--prereg", str(EXAMPLES / "study1.yaml"),
                 "--out", str(out), "--annotations", str(annotations))
    numbers = json.loads((out / "results.json").read_text())
    mcnemar = [t for t in numbers["tests"] if t["test"] == "McNemar (exact)"]
    assert len(mcnemar) == 2 and all(t["alpha"] == 0.025 for t in mcnemar)
    assert numbers["screening"]["excluded"] == [first]
    assert "## 5) Specify exactly which analyses" in (
        out / "preregistration_aspredicted.md").read_text()
    call_command("simulate_responses", "--prereg", str(EXAMPLES / "study2.yaml"), "--power",
                 "--sizes", "10,20", "--reps", "3", "--out", str(tmp_path / "power"),
                 "--accuracy", "baseline=0.8", "inn=0.85", "concepts=0.3",
                 "--exclusion-rate", "0.2")
    assert (tmp_path / "power" / "power.png").stat().st_size > 0
    assert set(pd.read_csv(tmp_path / "power" / "power.csv")["recruit"]) == {10, 20}
    with pytest.raises(CommandError, match="does not exist"):
        call_command("analyze", "--responses", str(tmp_path / "none.csv"), "--prereg",
                     str(EXAMPLES / "study1.yaml"), "--out", str(out))
    with pytest.raises(CommandError, match="--sizes"):
        call_command("simulate_responses", "--prereg", str(EXAMPLES / "study2.yaml"),
                     "--power", "--sizes", "ten", "--out", str(tmp_path / "p"),
                     "--exclusion-rate", "0")
