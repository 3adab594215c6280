"""Monte Carlo power: required effect sizes, participants to recruit, Monte Carlo intervals,
trial (2AFC) designs, agreement with the full pipeline, and speed."""

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from django.core.management import CommandError, call_command
from statsmodels.stats.proportion import proportion_confint

from analysis import power, prereg, simulate
from analysis.pipeline import analyze
from analysis.results import AnalysisError
from analysis.statistical_tests import TESTS
from analysis.study_data import prepare
from studies.spec import load_spec_file

ROOT = Path(__file__).resolve().parent.parent / "analysis" / "examples"
PAPER = ["baseline=0.81", "inn=0.85", "concepts=0.33"]


@pytest.fixture(scope="module")
def study2():
    return prereg.load(ROOT / "two4two" / "study2.yaml")


def without_exclusions(path: Path) -> prereg.Preregistration:
    document = yaml.safe_load(path.read_text())
    document["exclusions"] = []
    return prereg.parse(yaml.safe_dump(document, sort_keys=False))


def test_power_refuses_missing_effect_sizes(study2, tmp_path):
    effects = power.parse_effects(["baseline=0.8", "inn=0.85"], study2)
    with pytest.raises(AnalysisError, match="concepts:legs"):
        power.power_curve(study2, sizes=[10], reps=2, effects=effects, seed=0,
                          attrition=power.Attrition.stated(0))
    with pytest.raises(CommandError, match="effect sizes"):
        call_command("simulate_responses", "--prereg", str(ROOT / "two4two/study2.yaml"),
                     "--power", "--sizes", "10", "--reps", "2", "--exclusion-rate", "0.1",
                     "--out", str(tmp_path / "p"))


def test_power_needs_a_stated_or_piloted_exclusion_rate(tmp_path):
    args = ["simulate_responses", "--prereg", str(ROOT / "two4two/study2.yaml"), "--power",
            "--sizes", "10", "--reps", "2", "--out", str(tmp_path / "p"), "--accuracy", *PAPER]
    with pytest.raises(CommandError, match="exactly one of --exclusion-rate"):
        call_command(*args)
    with pytest.raises(CommandError, match="exactly one of --exclusion-rate"):
        call_command(*args, "--exclusion-rate", "0.2", "--pilot", "x.csv")
    with pytest.raises(CommandError, match=r"\[0, 1\)"):
        call_command(*args, "--exclusion-rate", "1.2")


def test_recruited_participants_are_thinned_by_the_keep_rate(study2):
    effects = power.parse_effects(PAPER, study2)
    replicates = power.simulate_replicates(study2, recruit=100, reps=300, effects=effects,
                                           attrition=power.Attrition.stated(0.4),
                                           rng=np.random.default_rng(3), frames=False)
    analysed = np.array([[len(r.groups("accuracy")[c]) for c in study2.conditions]
                         for r in replicates])
    assert abs(analysed.mean() - 60) < 1.5  # Binomial(100, 0.6) per condition
    assert analysed.std() > 3  # the analysed number varies as in the field
    # the simulated accuracies are the stated effect sizes
    concepts = np.concatenate([r.groups("accuracy")["concepts"] for r in replicates])
    assert abs(concepts.mean() - 0.33) < 0.01


def test_power_is_for_recruited_numbers_with_wilson_intervals(study2):
    effects = power.parse_effects(["baseline=0.7", "inn=0.7", "concepts=0.55"], study2)
    common = {"reps": 300, "effects": effects, "seed": 5}
    thinned = power.power_curve(study2, sizes=[40], attrition=power.Attrition.stated(0.5),
                                **common)
    full = power.power_curve(study2, sizes=[20, 40], attrition=power.Attrition.stated(0.0),
                             **common)
    h1 = "main: H1: concepts vs baseline"
    got = thinned.set_index("test").loc[h1]
    assert got["recruit"] == 40 and got["expected_analysed"] == 20
    assert got["attrition"] == "stated exclusion rate 50%"
    low, high = proportion_confint(round(got["power"] * 300), 300, method="wilson")
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((low, high))
    at = full[full["test"] == h1].set_index("recruit")["power"]
    # recruiting 40 with half excluded has about the power of 20 analysed, well below 40
    assert abs(got["power"] - at[20]) < 0.12 and at[40] - got["power"] > 0.15
    recruit = power.recruit_for(full, target=0.5)
    assert recruit.set_index("test").loc[h1, "recruit"] == (20 if at[20] >= 0.5 else 40)


def test_keep_rate_from_a_pilot_export(study2):
    acc = simulate.parse_accuracies(PAPER, study2)
    spec = load_spec_file(ROOT.parent.parent / "studies" / "specs" / "two4two-study2.yaml")
    pilot = simulate.simulate(study2, spec=spec, n_per_condition=30, accuracy=acc, seed=8)
    attrition = power.Attrition.from_pilot(pilot, study2, name="pilot.csv")
    flow = analyze(pilot, study2).flow.loc["total"]
    assert attrition.keep == pytest.approx(flow["analysed"] / flow["collected"])
    assert attrition.source.startswith(f"pilot pilot.csv: {flow['collected'] - flow['analysed']}"
                                       f" of {flow['collected']} sessions excluded")
    assert "manual screening not applied" in attrition.source


def test_fast_replicates_give_the_pipelines_results(study2):
    """The same simulated answers, analysed from arrays and from tidy rows via prepare()."""
    plain = without_exclusions(ROOT / "two4two" / "study2.yaml")
    effects = power.parse_effects(["baseline=0.8", "inn=0.85", "concepts=0.4"], plain)
    replicates = power.simulate_replicates(plain, recruit=25, reps=4, effects=effects,
                                           attrition=power.Attrition.stated(0.2),
                                           rng=np.random.default_rng(1))
    analysis = plain.analysis("main")
    for fast in replicates:
        full = prepare(power.replicate_tidy(fast), plain)
        mine = TESTS[analysis.test].run(fast, analysis, {}).rows
        theirs = TESTS[analysis.test].run(full, analysis, {}).rows
        assert [(r.test, r.label, r.p, r.p_adjusted, r.significant) for r in mine] == [
            (r.test, r.label, r.p, r.p_adjusted, r.significant) for r in theirs]
        assert len(mine) in (7, 8)  # 3 Shapiro-Wilk, decision, (Levene,) omnibus, 2 pairs


def test_within_design_mcnemar_power(tmp_path):
    study1 = prereg.load(ROOT / "two4two" / "study1.yaml")
    effects = power.parse_effects(["baseline=0.8", "baseline:color=0.45"], study1)
    curve = power.power_curve(study1, sizes=[10, 60], reps=60, effects=effects, seed=2,
                              attrition=power.Attrition.stated(0.1))
    legs_color = curve[curve["test"].str.contains("color")].set_index("recruit")["power"]
    assert legs_color[60] > 0.8 > legs_color[10]


def test_trial_design_power_for_a_2afc_study(tmp_path):
    exp1 = ROOT / "borowski2021" / "experiment_I.yaml"
    document = prereg.load(exp1)
    with pytest.raises(AnalysisError, match="handpicked_natural: uses \\['condition'\\]; the "
                                            "simulation varies only 'channel'"):
        power.planned(document)
    by_condition = document.analysis("natural_vs_synthetic")
    by_channel = replace(by_condition, params={**by_condition.params, "factor": "channel"})
    with pytest.raises(AnalysisError, match="compare different factors"):
        power.trial_factor([by_condition, by_channel])
    effects = power.parse_effects(["natural=0.92", "optimized=0.82", "none=0.75"], document,
                                  trials=45, subject_sd=0.5)
    curve = power.power_curve(document, sizes=[4, 12], reps=60, effects=effects, seed=4,
                              attrition=power.Attrition.stated(0.0),
                              tests=["natural_vs_synthetic"])
    at = curve.set_index("recruit")["power"]
    assert list(curve["test"].unique()) == ["natural_vs_synthetic: natural vs optimized"]
    assert at[12] > 0.8 and at[4] < at[12]
    args = ["simulate_responses", "--prereg", str(exp1), "--power", "--sizes", "6,10",
            "--reps", "10", "--tests", "natural_vs_synthetic", "--exclusion-rate", "0",
            "--accuracy", "natural=0.92", "optimized=0.82", "none=0.75", "--out",
            str(tmp_path / "p")]
    with pytest.raises(CommandError, match="--subject-sd"):
        call_command(*args, "--trials", "45")
    with pytest.raises(CommandError, match="--trials"):
        call_command(*args, "--subject-sd", "0.5")
    call_command(*args, "--trials", "45", "--subject-sd", "0.5")
    assert set(pd.read_csv(tmp_path / "p" / "power.csv")["recruit"]) == {6, 10}


def test_power_for_the_platforms_own_2afc_export_plan(tmp_path):
    """The plan for a trial-block export compares the blocks ('step'), not conditions."""
    document = prereg.load(ROOT / "borowski2021" / "experiment_I_on_export.yaml")
    with pytest.raises(AnalysisError, match="lacks optimized .*level of 'step'"):
        power.power_curve(document, sizes=[4], reps=2, seed=0, tests=["natural_vs_synthetic"],
                          effects=power.parse_effects(["natural=0.9"], document, trials=10),
                          attrition=power.Attrition.stated(0.0))
    effects = power.parse_effects(["natural=0.92", "optimized=0.82"], document, trials=45,
                                  subject_sd=0.5)
    curve = power.power_curve(document, sizes=[4, 12], reps=60, effects=effects, seed=4,
                              attrition=power.Attrition.stated(0.0),
                              tests=["natural_vs_synthetic"])
    at = curve.set_index("recruit")["power"]
    assert at[12] > 0.8 and at[4] < at[12]


def test_command_says_how_many_to_recruit(tmp_path, capsys):
    out = tmp_path / "power"
    call_command("simulate_responses", "--prereg", str(ROOT / "two4two/study2.yaml"), "--power",
                 "--sizes", "8,30", "--reps", "40", "--accuracy", *PAPER,
                 "--exclusion-rate", "0.25", "--out", str(out), "--seed", "2")
    printed = capsys.readouterr().out
    assert "attrition: stated exclusion rate 25% (keep 75.0%)" in printed
    assert "power >= 0.8 for main: H1: concepts vs baseline: recruit 8 per condition" in printed
    assert "main: H2: inn vs baseline: not reached with up to 30 per condition" in printed
    curve = pd.read_csv(out / "power.csv")
    assert {"recruit", "expected_analysed", "power", "ci_low", "ci_high", "keep_rate"} <= set(
        curve.columns)
    assert (curve["ci_low"] <= curve["power"]).all() and (curve["power"] <= curve["ci_high"]).all()
    assert pd.read_csv(out / "recruit.csv")["test"].nunique() == 3
    assert (out / "power.png").stat().st_size > 10_000


def test_a_thousand_study2_replicates_take_under_30_cpu_seconds(study2):
    effects = power.parse_effects(PAPER, study2)
    start = time.process_time()
    curve = power.power_curve(study2, sizes=[80], reps=1000, effects=effects, seed=0,
                              attrition=power.Attrition.stated(0.0))
    assert time.process_time() - start < 30
    assert set(curve["reps"]) == {1000}
