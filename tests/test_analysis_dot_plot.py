"""Borowski et al.'s Figure 3A from the live export: bots (three experts, three lay
participants) answer the group question, the intuitiveness ratings and three 2AFC blocks;
`export_responses` writes the tidy CSV and `analyze` runs the Exp. I plan on it
(analysis/examples/borowski2021/experiment_I_on_export.yaml), whose `dot_plot` analysis draws
accuracy per reference type, mean ± 2 SEM, one dot per participant.

Every expected number is recomputed here from the exported CSV with plain pandas (never from the
analysis' tables), and the drawn figure's bars, error bars and dots are read back from its
matplotlib artists."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from django.core.management import call_command
from PIL import Image

from analysis.report.dot_plot import dot_plot_figure
from tests.bots import Bot, TrialAnswer

pytestmark = pytest.mark.django_db

PLAN = (Path(__file__).resolve().parents[1]
        / "analysis/examples/borowski2021/experiment_I_on_export.yaml")
LEVELS = ["natural", "optimized", "none"]
CHOICES = ["1", "2", "3", "0", "0", "0"]  # bots 0-2 experts (levels 1-3), 3-5 lay


def designed(bot: int, block: str, trial: str) -> TrialAnswer:
    """Different accuracies per bot and block: bot b misses main trial m(k) of `optimized` for
    k > 1 + b % 3, and m3 of `none` when b is odd; catch trials right."""
    n = int(trial[1:])
    if trial.startswith("c"):
        correct = True
    elif block == "optimized":
        correct = n <= 1 + bot % 3
    elif block == "none":
        correct = not (bot % 2 and n == 3)
    else:
        correct = not (bot == 5 and n == 2)
    return TrialAnswer(correct=correct, confidence=1 + (bot + n) % 3, seconds=1.0 + 0.2 * n,
                       rt_ms=900.0 + 100 * n)


@pytest.fixture
def export(borowski_pages_study, clock, tmp_path):
    for b, choice in enumerate(CHOICES):
        bot = Bot(borowski_pages_study, clock)
        bot.enter()
        bot.play(stop_at="expertise")
        bot.post({"choice": choice, "rt_ms": "2000"})
        bot.play(trials=lambda step, trial, b=b: designed(b, step, trial.id))
    path = tmp_path / "responses.csv"
    call_command("export_responses", borowski_pages_study.slug, "--format", "csv", "--out",
                 str(path))
    return path


def independent(export: Path, by: list[str]) -> pd.DataFrame:
    """Per cell: the mean of participant accuracies and 2 SEM (ddof 1), from the CSV alone."""
    raw = pd.read_csv(export, dtype={"participant_group": str}, keep_default_na=False)
    main = raw[(raw["item_type"] == "trial") & (raw["trial_kind"] == "main")
               & (raw["status"] == "completed")]
    per = main.assign(correct=main["correct"].astype(int)).groupby(
        ["participant", *by])["correct"].mean().rename("mean").reset_index()
    agg = per.groupby(by)["mean"].agg(["mean", "std", "count"])
    agg["two_sem"] = 2 * agg["std"] / np.sqrt(agg["count"])
    return agg, per


def _analyze(export, tmp_path, plan: Path):
    out = tmp_path / "report"
    call_command("analyze", "--responses", str(export), "--prereg", str(plan), "--out", str(out))
    return out, json.loads((out / "results.json").read_text())


def test_figure_3a_numbers_equal_an_independent_pandas_computation(export, tmp_path):
    out, results = _analyze(export, tmp_path, PLAN)
    want, per = independent(export, ["step"])
    table = pd.DataFrame(results["tables"]["accuracy_figure"]).set_index("step")
    dots = pd.DataFrame(results["tables"]["accuracy_figure_participants"])
    assert sorted(table.index) == sorted(LEVELS)
    for level in LEVELS:
        assert table.loc[level, "mean"] == pytest.approx(want.loc[level, "mean"])
        assert table.loc[level, "two_sem"] == pytest.approx(want.loc[level, "two_sem"])
        assert table.loc[level, "n_subjects"] == want.loc[level, "count"] == 6
    merged = per.merge(dots, on=["participant", "step"], suffixes=("_want", "_got"),
                       validate="1:1")
    assert len(merged) == 18 and np.allclose(merged["mean_want"], merged["mean_got"])
    # the designed accuracies differ between blocks (the figure has something to show)
    assert want.loc["natural", "mean"] > want.loc["optimized", "mean"]

    # the figure drawn from those tables shows exactly these numbers
    fig = dot_plot_figure(table.reset_index(), dots, by="step", order=LEVELS, chance=0.5)
    (ax,) = fig.axes
    assert [round(p.get_height(), 12) for p in ax.patches] == [
        round(want.loc[lv, "mean"], 12) for lv in LEVELS]
    bars = [c for c in ax.containers if c.__class__.__name__ == "ErrorbarContainer"]
    for level, bar in zip(LEVELS, bars, strict=True):
        (segment,) = bar.lines[2][0].get_segments()
        low, high = segment[0][1], segment[1][1]
        assert (high - low) / 2 == pytest.approx(want.loc[level, "two_sem"])
    joined = [ln for ln in ax.lines if ln.get_marker() == "o"]
    assert len(joined) == 6  # one line of dots per participant
    got = sorted(round(y, 9) for ln in joined for y in ln.get_ydata())
    assert got == sorted(round(y, 9) for y in per["mean"])
    assert [t.get_text() for t in ax.get_xticklabels()] == LEVELS

    png = out / "accuracy_figure.png"
    image = Image.open(png)
    assert image.size[0] > 300 and image.size[1] > 300
    report = (out / "report.md").read_text()
    assert "accuracy_figure.png" in report and "Fig. 3A" in report


def test_the_analysis_groups_trials_by_expert_and_lay(export, tmp_path):
    plan = yaml.safe_load(PLAN.read_text())
    plan["analyses"] += [
        {"id": "accuracy_by_group", "test": "dot_plot", "dv": "correct", "by": "step",
         "group": "participant_group", "order": LEVELS, "chance": 0.5,
         "description": "Fig. 5A: accuracy per reference type, expert and lay participants."},
        {"id": "expert_level", "test": "mixed_anova", "dv": "correct", "within": "step",
         "between": "participant_group", "ss_type": 3,
         "where": [{"column": "step", "in": ["natural", "optimized"]}]},
    ]
    path = tmp_path / "grouped.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    out, results = _analyze(export, tmp_path, path)
    want, _ = independent(export, ["participant_group", "step"])
    table = pd.DataFrame(results["tables"]["accuracy_by_group"])
    assert set(table["participant_group"]) == {"expert", "lay"}
    for row in table.itertuples():
        assert row.mean == pytest.approx(want.loc[(row.participant_group, row.step), "mean"])
        assert row.two_sem == pytest.approx(want.loc[(row.participant_group, row.step),
                                                     "two_sem"])
        assert row.n_subjects == 3
    anova = {t["label"]: t for t in results["tests"] if t["analysis_id"] == "expert_level"}
    between = next(t for label, t in anova.items() if label.endswith("participant_group"))
    assert between["df"].startswith("1")  # 2 groups, 6 participants: F(1, 4)
    fig = dot_plot_figure(table, pd.DataFrame(results["tables"]["accuracy_by_group_participants"]),
                          by="step", group="participant_group", order=LEVELS)
    assert [ax.get_title() for ax in fig.axes] == ["expert (n = 3)", "lay (n = 3)"]
    assert (out / "accuracy_by_group.png").is_file()


def test_an_order_naming_a_level_not_in_the_data_is_an_error(export, tmp_path):
    plan = yaml.safe_load(PLAN.read_text())
    fig = next(a for a in plan["analyses"] if a["id"] == "accuracy_figure")
    fig["order"] = ["natural", "synthetic"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    with pytest.raises(Exception, match=r"accuracy_figure: order names \['synthetic'\]"):
        _analyze(export, tmp_path, path)
