"""The action log of a bot-run explorer study analysed in its report: bots walk the shipped
two4two-explorer study (explorer bots probe a drawn number of times), the study is exported
(``export_responses --explorer-actions``) and analysed from the files (``analyze
--explorer-actions``); the report's exploration numbers are checked against pandas on the
exported CSVs, computed here independently."""

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from scipy import stats

from studies.loading import load_study
from studies.runtime import spec_of
from studies.stimuli import stimulus_keys
from tests.bots import VIDEO_S, Bot, new_pid, publish_stimulus

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "studies" / "specs" / "two4two-explorer.yaml"
PLAN = REPO / "analysis" / "examples" / "two4two" / "explorer.yaml"
VIDEOS = ("intro-peeky-stretchy", "intro-ml-biases", "condition-baseline", "condition-explorer")
BOTS = 12


def fake_videos(media_root: Path) -> None:
    """Index entries of the study's generated tutorials (the flow reads their durations)."""
    folder = media_root / "tutorials"
    folder.mkdir(parents=True, exist_ok=True)
    index = {}
    for name in VIDEOS:
        (folder / f"{name}.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video")
        index[name] = {"file": f"{name}.mp4", "duration_s": VIDEO_S}
    (folder / "index.json").write_text(json.dumps(index))


def explore(bot, form, rng, n_scenes=6):
    """A drawn exploration: 1-3 rounds of select, previews of drawn groups, maybe a mix."""
    url = f"/s/{bot.study.slug}/explore/"
    groups = ["body", "appearance", "scene"]
    for _ in range(rng.integers(1, 4)):
        actions = [{"action": "select", "index": str(rng.integers(n_scenes))}]
        for group in rng.choice(groups, size=rng.integers(1, 4), replace=False):
            actions += [{"action": "preview", "group": group, "source": str(rng.integers(n_scenes))}
                        for _ in range(rng.integers(0, 4))]
            if rng.random() < 0.5:
                actions.append({"action": "mix", "group": group,
                                "source": str(rng.integers(n_scenes))})
        for fields in actions:
            bot.clock.advance(float(rng.uniform(1, 6)))
            answer = bot.client.post(url, {**form, **fields})
            assert answer.status_code == 200, (fields, answer.content[:200])


def run_bots(study, clock, rng):
    for _ in range(BOTS):
        bot = Bot(study, clock, pid=new_pid())
        bot.enter()
        bot.play(stop_at="explanation")
        step, form = bot.current_step(), bot.form()  # the form first: it loads the page
        if step.interactive:
            explore(bot, form, rng)
        data = bot.answer(step)
        flip = {"relevant": "irrelevant", "irrelevant": "relevant"}
        for a in step.attributes:
            if rng.random() < 0.35:
                data[f"relevance-{a.id}"] = flip[data[f"relevance-{a.id}"]]
        answered = bot.post(data, form)
        assert bot.current_step().id != "explanation", re.findall(r"class=\"error[^>]*>([^<]*)", answered.content.decode())
        bot.play()
        assert bot.participant.status == "completed"


def independent(actions_csv: Path, responses_csv: Path, included: set[str]) -> pd.DataFrame:
    """Probes per group, seconds exploring and accuracy per explorer participant, with pandas."""
    actions = pd.read_csv(actions_csv)
    probes = actions[actions["action"].isin(["preview", "mix", "interpolate"])]
    table = probes.pivot_table(index="participant", columns="group", values="seq",
                               aggfunc="count").reindex(columns=["body", "appearance", "scene"])
    table = table.reindex(actions["participant"].unique()).fillna(0)
    at = pd.to_datetime(actions["at"], format="ISO8601")
    span = at.groupby(actions["participant"]).agg(lambda s: (s.max() - s.min()).total_seconds())
    table["explore_s"] = span
    responses = pd.read_csv(responses_csv, dtype=str, keep_default_na=False)
    relevance = responses[responses["item_type"] == "relevance"]
    table["accuracy"] = relevance.assign(ok=relevance["correct"].str.lower().isin(["true", "1"])) \
        .groupby("participant")["ok"].mean()
    return table[table.index.isin(included)]


@pytest.fixture
def shipped(tmp_path, settings, clock):
    settings.MEDIA_ROOT, settings.STIMULI_ROOT = str(tmp_path / "media"), str(tmp_path / "stimuli")
    settings.PROLIFIC_COMPLETE_URL = "https://app.prolific.com/submissions/complete?cc="
    fake_videos(tmp_path / "media")
    study, _ = load_study(SHIPPED)
    publish_stimulus(tmp_path / "stimuli", stimulus_keys(spec_of(study))[("baseline", 0)])
    return study


def test_a_wrong_answer_at_the_explorer_gate_sends_back_to_the_explorer_video(shipped, clock):
    for _ in range(4):  # conditions are assigned in turn: one of the first bots is an explorer
        bot = Bot(shipped, clock, pid=new_pid())
        bot.enter()
        bot.play(stop_at="gate-explanation")
        if bot.participant.condition.name == "explorer":
            break
    else:
        raise AssertionError("no bot was assigned the explorer condition")
    step = bot.current_step()
    assert "score near +1" in step.statements[0].text
    bot.post(bot.answer(step, correct=False))
    assert bot.current_step().id == "video-explanation"
    assert "condition-explorer.mp4" in bot.get().content.decode()
    bot.play()  # watches again, passes the gate, explores, answers
    assert bot.participant.status == "completed" and bot.participant.gate_failures == 1


def test_the_report_describes_the_bots_exploration_from_the_export(shipped, tmp_path, clock):
    study = shipped
    run_bots(study, clock, np.random.default_rng(19))

    responses, actions = tmp_path / "responses.csv", tmp_path / "actions.csv"
    call_command("export_responses", study.slug, "--out", str(responses),
                 "--explorer-actions", str(actions))
    out = tmp_path / "report"
    call_command("analyze", "--responses", str(responses), "--prereg", str(PLAN),
                 "--out", str(out), "--explorer-actions", str(actions))

    results = json.loads((out / "results.json").read_text())
    included = {r["participant"] for r in results["exclusions"] if not r["excluded"]}
    expected = independent(actions, responses, included)
    assert len(expected) >= 3  # several explorer bots were analysed
    reported = pd.DataFrame(results["tables"]["exploration"]).set_index("participant")
    assert sorted(reported.index) == sorted(expected.index)
    reported = reported.loc[expected.index]
    for group in ("body", "appearance", "scene"):
        assert list(reported[f"probes_{group}"]) == list(expected[group].astype(int))
    assert list(reported["explore_s"]) == pytest.approx(list(expected["explore_s"]))
    assert list(reported["accuracy"]) == pytest.approx(list(expected["accuracy"]))
    assert reported["probes"].nunique() > 1  # the bots explored differently

    means = pd.DataFrame(results["tables"]["exploration_groups"]).set_index("group")
    for group in ("body", "appearance", "scene"):
        assert means.loc[group, "mean_probes"] == pytest.approx(expected[group].mean())
    probes = expected[["body", "appearance", "scene"]].sum(axis=1)
    rho = stats.spearmanr(probes, expected["accuracy"]).statistic
    rho_s = stats.spearmanr(expected["explore_s"], expected["accuracy"]).statistic

    from analysis.exploration import exploration_figure

    figure = exploration_figure(pd.DataFrame(results["tables"]["exploration"]))
    heights = [bar.get_height() for bar in figure.axes[0].patches]
    assert heights == pytest.approx([expected[g].mean() for g in ("body", "appearance", "scene")])
    if not np.isnan(rho):
        assert f"rho = {rho:.2f}" in figure.axes[1].get_title()
    if not np.isnan(rho_s):
        assert f"rho = {rho_s:.2f}" in figure.axes[2].get_title()

    report = (out / "report.md").read_text()
    assert "## Exploration (described, not tested)" in report
    assert "![Probes per factor group" in report and (out / "exploration.png").stat().st_size > 0
    if os.environ.get("XAI_KEEP_REPORT"):  # to look at the figure
        import shutil

        shutil.copytree(out, os.environ["XAI_KEEP_REPORT"], dirs_exist_ok=True)
