"""Bots walk the live flow with realistic behaviour -> export_responses writes the file ->
``analyze`` with the shipped study-2 preregistration excludes exactly the designed sessions.
The simulator is then checked against that bot-run export."""

import json
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command

from analysis import prereg, simulate, tidy
from analysis.exclusions import gate_counts
from studies.runtime import spec_of
from studies.spec import load_spec_file
from tests.bots import PROLIFIC_URL, FakeClock
from tests.cohort import Persona, load_cohort_study, play

PREREG = Path(__file__).resolve().parent.parent / "analysis" / "examples" / "two4two" / "study2.yaml"
pytestmark = pytest.mark.django_db

REGULAR = [Persona(f"regular{i}", minutes=minutes, wrong=wrong) for i, (minutes, wrong) in
           enumerate([(20, ()), (28, ("color",)), (35, ("color", "shape")), (41, ()),
                      (47, ("rotation",)), (52, ("color",)), (58, ()), (63, ("legs", "color")),
                      (66, ("background",)), (69, ()), (44, ("shape",)), (38, ("color",)),
                      (30, ())])]
SPECIAL = [
    # kept: one failure at each gate is not "the same test failed twice"
    Persona("each_gate_once", minutes=30, gate_failures={
        "gate-dataset": 1, "gate-ml": 1, "gate-explanation": 1}),
    # kept: slow but within the 77-minute limit
    Persona("slow", minutes=75, wrong=("color",)),
    # kept: tries to answer after 10 s, the flow refuses (min_seconds 30), answers later
    Persona("rushing", minutes=25, rush_s=10, wrong=("rotation",)),
    # excluded: failed one gate twice (the flow screens them out)
    Persona("gate_twice", gate_failures={"gate-ml": 2}),
    # screened out, asks to retake: attempt 1 did not finish, the retake is kept
    Persona("retaker", gate_failures={"gate-dataset": 2},
            retake=Persona("retaker_again", minutes=33, wrong=("shape",))),
    Persona("withdrawer", withdraw_at="gate-ml"),
    Persona("decliner", decline=True),
    Persona("staller", stall_at="explanation"),  # timed out by the flow
    Persona("phone", viewport=(390, 560)),
]
EXPECTED = {  # persona -> first preregistered reason (empty: analysed)
    "each_gate_once": "", "slow": "", "rushing": "", "retaker_again": "",
    "gate_twice": "did not finish", "retaker": "did not finish",
    "withdrawer": "withdrew consent", "decliner": "withdrew consent",
    "staller": "did not finish", "phone": "did not finish",
} | {p.name: "" for p in REGULAR}


@pytest.fixture
def clock(monkeypatch):
    """The flow's clock and Django's (``auto_now_add`` stamps such as ``started_at``) move
    together, so that a cohort of sessions hours long keeps consistent times."""
    fake = FakeClock()
    monkeypatch.setattr("studies.clock.now", fake.now)
    monkeypatch.setattr("django.utils.timezone.now", fake.now)
    return fake


@pytest.fixture
def cohort(tmp_path, settings, clock):
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_URL
    study = load_cohort_study(tmp_path, settings)
    played = [run for persona in REGULAR + SPECIAL for run in play(study, clock, persona)]
    export = tmp_path / "export.csv"
    call_command("export_responses", study.slug, "--out", str(export))
    return study, played, export


def test_bots_export_analyze_excludes_exactly_the_designed_sessions(cohort, tmp_path):
    study, played, export = cohort
    by_name = {run.persona.name: run for run in played}
    assert by_name["rushing"].refused_rush  # the live flow refused the 10-second answers
    assert by_name["staller"].participant.status == "timed_out"
    assert by_name["retaker_again"].attempt == 2
    call_command("analyze", "--responses", str(export), "--prereg", str(PREREG),
                 "--out", str(tmp_path / "report"))
    numbers = json.loads((tmp_path / "report" / "results.json").read_text())
    reasons = {e["participant"]: e["reason"] for e in numbers["exclusions"]}
    got = {run.persona.name: reasons[str(run.participant.public_id)] for run in played}
    assert {n: r[:len(EXPECTED[n])] if EXPECTED[n] else r for n, r in got.items()} == EXPECTED
    flow = {row["group"]: row for row in numbers["flow"]}
    assert flow["total"]["collected"] == len(played) == 23
    assert flow["total"]["analysed"] == 17
    assert flow["total"]["finished after the time limit (minutes=77)"] == 0
    gate_rule = "failed the same comprehension gate too often (max_failures=1)"
    assert gate_rule in next(e["all_reasons"] for e in numbers["exclusions"]
                             if e["participant"] == str(by_name["gate_twice"].participant.public_id))
    report = (tmp_path / "report" / "report.md").read_text()
    assert "Deviations: None" not in report and "None: every test ran" not in report
    assert "manual screening" in report.split("## Deviations")[1].split("##")[0]
    # what the export says about the gates, the retake and the durations
    raw = tidy.read_table(export)
    cell = raw.set_index("participant")["gate_failures"].groupby(level=0).first()
    once = str(by_name["each_gate_once"].participant.public_id)
    assert gate_counts(cell[once], once) == {"gate-dataset": 1, "gate-ml": 1,
                                             "gate-explanation": 1}
    twice = str(by_name["gate_twice"].participant.public_id)
    assert gate_counts(cell[twice], twice) == {"gate-dataset": 0, "gate-ml": 2,
                                               "gate-explanation": 0}
    retake = raw[raw["participant"] == str(by_name["retaker"].participant.public_id)]
    assert set(retake["retake_allowed"]) == {"True"}
    durations = pd.to_numeric(raw.loc[raw["status"] == "completed", "duration_s"])
    assert durations.between(19 * 60, 77 * 60).all()
    assert raw.loc[raw["status"] != "completed", "duration_s"].eq("").all()


def test_simulated_responses_look_like_a_bot_run_export(cohort, tmp_path):
    """Same columns and dtypes after reading, values in the ranges the live flow produces."""
    study, played, export = cohort
    spec = spec_of(study)
    (tmp_path / "spec.yaml").write_text(study.source_yaml)
    document = prereg.load(PREREG)
    sim_file = tmp_path / "sim.csv"
    call_command("simulate_responses", "--prereg", str(PREREG), "--spec",
                 str(tmp_path / "spec.yaml"), "--n-per-condition", "80", "--seed", "4",
                 "--out", str(sim_file))
    assert load_spec_file(tmp_path / "spec.yaml").sha256 == spec.sha256
    live = tidy.normalise(tidy.read_table(export), required=["participant"])
    sim = tidy.normalise(tidy.read_table(sim_file), required=["participant"])
    assert list(sim.columns) == list(live.columns)
    assert sim.dtypes.to_dict() == live.dtypes.to_dict()
    for frame in (live, sim):
        done = frame[frame["status"] == "completed"]
        assert done["duration_s"].between(15 * 60, spec.time_limit_minutes * 60).all()
        assert frame.loc[frame["status"] != "completed", "duration_s"].isna().all()
        assert set(frame["status"]) <= {"completed", "screened_out", "withdrawn", "returned",
                                        "timed_out"}
        counts = [gate_counts(c, p) for p, c in done.groupby("participant")[
            "gate_failures"].first().items()]
        assert all(set(c) == {"gate-dataset", "gate-ml", "gate-explanation"} for c in counts)
        assert all(max(c.values()) <= 1 for c in counts)  # the flow screens out at 2
        assert done["device_ok"].all() and done["videos_completed"].all()
        rel = frame[frame["item_type"] == "relevance"]
        assert (rel["step"] == "explanation").all() and (rel["step_duration_s"] >= 30).all()
    retaken = set(sim.loc[sim["retake_allowed"].astype(bool), "prolific_pid"])
    again = set(sim.loc[sim["attempt"] == 2, "prolific_pid"])
    assert again and again == retaken  # a second attempt only after an allowed retake
    table = simulate.simulate(document, spec=spec, n_per_condition=80, seed=4, accuracy={})
    minutes = pd.to_numeric(table.loc[table["status"] == "completed", "duration_s"]) / 60
    assert 30 < minutes.median() < 50 and minutes.quantile(0.05) > 20
