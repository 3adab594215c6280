"""2AFC data from the live flow: bots play a Borowski-style study (one trial block per reference
type), the export command writes the tidy file, and `analyze` runs the Borowski Exp. I plan
written for that export (analysis/examples/borowski2021/experiment_I_on_export.yaml).

The designed answers below are the only source of truth: the checks recompute every expected
number from them with numpy / scipy, never from the export."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from scipy import stats

from studies.exports import tidy_responses
from tests.bots import Bot, TrialAnswer

pytestmark = pytest.mark.django_db

PREREG = Path(__file__).resolve().parents[1] / "analysis/examples/borowski2021/experiment_I_on_export.yaml"
BLOCKS = ("natural", "optimized", "none")
RIGHT_WITH_SYNTHETIC = [1, 2, 2, 3, 1]  # main trials (of 3) bot b answers right with `optimized`


def designed(bot: int, block: str, trial: str) -> TrialAnswer:
    n = int(trial[1:])  # m1..m3, c1
    if trial.startswith("c"):
        correct = not (bot == 4 and block == "natural")  # one missed catch trial in all
    elif block == "optimized":
        correct = n <= RIGHT_WITH_SYNTHETIC[bot]
    else:
        correct = True
    confidence = {"natural": 3 if (bot + n) % 3 else 2, "optimized": 1 + (bot + n) % 3,
                  "none": 1 + (bot + n) % 2}[block]
    seconds = 1.0 + 0.5 * bot + (1.25 if block == "optimized" else 0.0) + 0.1 * n
    return TrialAnswer(correct=correct, confidence=confidence, seconds=seconds,
                       rt_ms=seconds * 1000 - 90)


def plan_rows(bots: range) -> pd.DataFrame:
    return pd.DataFrame([{"bot": b, "step": block, "item": t, **vars(designed(b, block, t))}
                         for b in bots for block in BLOCKS for t in ("m1", "m2", "m3", "c1")])


@pytest.fixture
def played(reference_study, clock):
    bots = [Bot(reference_study, clock) for _ in range(6)]
    for b, bot in enumerate(bots):
        bot.enter()
        if b < 5:
            bot.play(trials=lambda step, trial, b=b: designed(b, step, trial.id))
        else:  # withdraws after the first block: counted, excluded, answers not exported
            bot.play(trials=lambda step, trial: TrialAnswer(), stop_at="optimized")
            bot.withdraw()
    return bots


def test_confidence_and_server_rt_are_export_columns_holding_the_given_values(
        reference_study, played):
    frame = tidy_responses(reference_study)
    trials = frame[frame.item_type == "trial"]
    pid_to_bot = {bot.pid: b for b, bot in enumerate(played)}
    got = trials.assign(bot=trials.prolific_pid.map(pid_to_bot))
    want = plan_rows(range(5))
    merged = want.merge(got, on=["bot", "step", "item"], how="outer", validate="1:1",
                        indicator=True)
    assert set(merged["_merge"]) == {"both"} and len(merged) == 5 * 3 * 4
    assert merged["confidence_x"].tolist() == merged["confidence_y"].astype(int).tolist()
    assert np.allclose(merged["rt_server_ms"].astype(float), merged["seconds"] * 1000, atol=1e-3)
    assert np.allclose(merged["rt_ms_y"].astype(float), merged["rt_ms_x"])
    assert (merged["correct_y"].astype(int) == merged["correct_x"].astype(int)).all()
    assert str(frame["confidence"].dtype) == "Int64" and str(frame["rt_server_ms"].dtype) == "Float64"
    other = frame[frame.item_type != "trial"]
    assert other["confidence"].isna().all()


def test_borowski_plan_runs_on_the_bot_export(reference_study, played, tmp_path):
    export = tmp_path / "responses.csv"
    call_command("export_responses", reference_study.slug, "--format", "csv", "--out", str(export))
    call_command("analyze", "--responses", str(export), "--prereg", str(PREREG),
                 "--out", str(tmp_path / "report"))
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    plan = plan_rows(range(5))
    main = plan[plan["item"] != "c1"]

    excluded = [e for e in results["exclusions"] if e["excluded"]]
    assert len(results["exclusions"]) == 6 and len(excluded) == 1
    assert excluded[0]["reason"] == "withdrew consent or returned the task"

    per_subject = main.groupby(["bot", "step"])["correct"].mean().unstack()
    accuracy = {r["step"]: r for r in results["tables"]["accuracy"]}
    for block in BLOCKS:
        values = per_subject[block].to_numpy()
        assert accuracy[block]["n_subjects"] == 5
        assert accuracy[block]["mean"] == pytest.approx(values.mean())
        assert accuracy[block]["two_sem"] == pytest.approx(2 * stats.sem(values))

    tests = {t["analysis_id"]: t for t in results["tests"]}
    w = stats.wilcoxon(per_subject["natural"], per_subject["optimized"], method="asymptotic",
                       correction=True, zero_method="wilcox")
    assert tests["natural_vs_synthetic"]["p"] == pytest.approx(w.pvalue)

    correct = main[main["correct"] & main["step"].isin(["natural", "optimized"])]
    table = pd.crosstab(correct["step"], correct["confidence"])
    chi2, p, dof, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
    assert tests["confidence_correct"]["statistic"] == pytest.approx(chi2)
    assert tests["confidence_correct"]["p"] == pytest.approx(p)
    assert tests["confidence_correct"]["df"] == str(dof)

    rt = {r["step"]: r for r in results["tables"]["reaction_time"]}
    rt_means = main.assign(ms=main["seconds"] * 1000).groupby(["bot", "step"])["ms"].mean()
    for block in BLOCKS:
        assert rt[block]["mean"] == pytest.approx(rt_means.xs(block, level="step").mean())

    assert tests["catch_trials"]["statistic"] == 1 and tests["catch_trials"]["n"] == 15
