"""The tidy responses export (Contract 4) and the Prolific files."""

from decimal import Decimal

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from studies.exports import COLUMNS, approve_list, bonus_file, screen_out_list, tidy_responses
from studies.models import Participant, Response, Review
from tests.bots import Bot

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(study, clock):
    """Two completed participants, one screened out at the gate, one withdrawn after the
    stimulus page, one screened out by the device check."""
    bots = {name: Bot(study, clock) for name in ("done1", "done2", "gate", "withdrawn", "small")}
    for bot in bots.values():
        bot.enter()
    bots["done1"].play()
    bots["done2"].play()
    bots["gate"].play(gate_failures=2)
    bots["withdrawn"].play(stop_at="expertise")
    bots["withdrawn"].withdraw()
    bots["small"].play(stop_at="device")
    bots["small"].post({"viewport_width": "300", "viewport_height": "500"})
    return bots


def test_columns_and_one_row_per_answered_item(study, finished):
    frame = tidy_responses(study)
    assert list(frame.columns) == COLUMNS
    done = frame[frame.prolific_pid == finished["done1"].pid]
    assert len(done) == Response.objects.filter(participant=finished["done1"].participant).count()
    rel = done[done.item_type == "relevance"].set_index("item")
    assert sorted(rel.index) == ["background", "color", "legs", "rotation", "shape"]
    assert (rel.correct == 1).all() and (rel.response == rel.answer_key).all()
    assert (rel.step == "stimulus").all() and (rel.step_duration_s >= 30).all()
    assert (rel.rt_ms == 12000).all()
    row = done.iloc[0]
    assert row.study == study.slug and row.status == "completed" and row.attempt == 1
    assert row.participant == str(finished["done1"].participant.public_id)
    assert row.participant != row.prolific_pid
    assert row.duration_s > 0 and row.device_ok and row.videos_completed
    assert row.gate_failures == "gate=0" and row.completed_at and row.started_at
    assert not row.retake_allowed
    assert done[done.item_type == "expertise"].response.tolist() == ["some expertise"]


def test_withdrawn_answers_are_excluded_but_counted(study, finished):
    frame = tidy_responses(study)
    withdrawn = frame[frame.prolific_pid == finished["withdrawn"].pid]
    assert len(withdrawn) == 1 and withdrawn.iloc[0].status == "withdrawn"
    assert withdrawn.iloc[0].item_type == "" and pd.isna(withdrawn.iloc[0].correct)
    assert Response.objects.filter(participant=finished["withdrawn"].participant).count() > 0
    assert frame.participant.nunique() == 5


def test_screened_out_rows(study, finished):
    frame = tidy_responses(study)
    gate = frame[frame.prolific_pid == finished["gate"].pid]
    assert set(gate.status) == {"screened_out"} and set(gate.gate_failures) == {"gate=2"}
    assert gate.correct.tolist() == [0, 0, 0, 0]  # two rounds of two statements, all wrong
    small = frame[frame.prolific_pid == finished["small"].pid]
    assert len(small) == 1 and not small.iloc[0].device_ok and small.iloc[0].step == ""
    withdrawn = frame[frame.prolific_pid == finished["withdrawn"].pid].iloc[0]
    assert withdrawn.device_ok  # reached the device check


def test_a_device_never_checked_is_blank_not_false(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.post({"consent": "decline"})
    row = tidy_responses(study).iloc[0]
    assert row.status == "withdrawn" and pd.isna(row.device_ok)


def test_csv_and_parquet_round_trip(study, finished, tmp_path, capsys):
    call_command("export_responses", study.slug, "--format", "csv", "--out", str(tmp_path / "r.csv"))
    call_command("export_responses", study.slug, "--format", "parquet",
                 "--out", str(tmp_path / "r.parquet"))
    assert "rows of 5 participants" in capsys.readouterr().out
    csv = pd.read_csv(tmp_path / "r.csv", dtype=str, keep_default_na=False)
    parquet = pd.read_parquet(tmp_path / "r.parquet")
    frame = tidy_responses(study)
    assert list(csv.columns) == COLUMNS == list(parquet.columns)
    assert len(csv) == len(parquet) == len(frame)
    assert set(csv.correct) <= {"0", "1", ""}
    assert parquet.correct.dtype == "Int64" and parquet.trial.dtype == "Int64"
    pd.testing.assert_frame_equal(parquet, frame)


def test_export_of_unknown_study_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="no study 'nope'"):
        call_command("export_responses", "nope", "--out", str(tmp_path / "x.csv"))


def test_trial_rows(trial_study, clock):
    bot = Bot(trial_study, clock)
    bot.enter()
    bot.play()
    frame = tidy_responses(trial_study)
    trials = frame[frame.item_type == "trial"]
    assert trials.trial.tolist() == [0, 1, 2, 3]
    assert trials.trial_kind.iloc[0] == "practice" and set(trials.trial_kind) == {
        "practice", "main", "catch"}
    # shown: every image of the trial's page, the two options (left, right) first
    from studies.runtime import spec_of

    step = next(s for s in spec_of(trial_study).steps if s.type == "trial_block")
    by_id = {t.id: t for t in step.trials}
    for _, row in trials.iterrows():
        t = by_id[row["item"]]
        assert row["shown"] == ";".join(i.shown for i in [*t.options, *(
            im for ref in t.references for im in ref.images)])
    assert trials["shown"].str.split(";").str.len().min() >= 2


def test_shown_names_the_stimulus_of_relevance_answers(study, finished):
    frame = tidy_responses(study)
    rel = frame[(frame.item_type == "relevance") & (frame.prolific_pid == finished["done1"].pid)]
    (key,) = set(rel["shown"])
    assert len(key) == 64 and set(key) <= set("0123456789abcdef")
    assert (frame[frame.item_type == "expertise"]["shown"] == "").all()
    # a row stored before the column existed: the relevance answer's extra had only 'stimulus'
    r = Response.objects.filter(item_type="relevance",
                                participant=finished["done1"].participant).first()
    assert r.extra["shown"] == [key]
    r.extra = {"stimulus": key}
    r.save()
    older = tidy_responses(study)
    assert set(older[(older.item_type == "relevance")
                     & (older.prolific_pid == finished["done1"].pid)]["shown"]) == {key}


def test_prolific_files(study, finished):
    p1, p2 = finished["done1"].participant, finished["done2"].participant
    Participant.objects.filter(pk=p1.pk).update(review=Review.APPROVED)
    assert bonus_file(study) == f"{p1.prolific_pid},2.00\n"  # p2 not approved yet
    Participant.objects.filter(pk=p2.pk).update(review=Review.APPROVED, bonus_gbp=Decimal("0"))
    assert bonus_file(study) == f"{p1.prolific_pid},2.00\n"  # no zero bonuses
    assert approve_list(study).splitlines() == [p1.prolific_pid, p2.prolific_pid]
    Participant.objects.filter(pk=p2.pk).update(review=Review.REJECTED)
    assert approve_list(study).splitlines() == [p1.prolific_pid]
    assert sorted(screen_out_list(study).splitlines()) == sorted(
        [finished["gate"].pid, finished["small"].pid])
