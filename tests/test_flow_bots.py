"""Scripted participants walk whole studies through the test client."""

from decimal import Decimal

import pytest

from studies.loading import load_study
from studies.models import Event, Participant, Response, Status
from studies.steps.video import EVENT_EVERY_S, PROGRESS, REPORT_EVERY_S
from tests.bots import PROLIFIC_URL, VIDEO_S, Bot, write_study

pytestmark = pytest.mark.django_db


def test_bots_complete_every_condition(study, clock):
    bots = [Bot(study, clock) for _ in range(4)]
    for bot in bots:
        assert bot.enter().status_code == 302
        last = bot.play()
        assert last.status_code == 302 and last["Location"] == PROLIFIC_URL + "DONE1"
    conditions = sorted(b.participant.condition.name for b in bots)
    assert conditions == ["alpha", "alpha", "beta", "beta"]  # balanced
    for bot in bots:
        p = bot.participant
        assert p.status == Status.COMPLETED and p.completion_code == "DONE1"
        assert p.device_ok and p.videos_completed and p.gate_failures == 0
        assert p.correct_answers == 5
        assert p.base_pay_gbp == Decimal("4.50") and p.bonus_gbp == Decimal("2.00")
        # every answer stored: 2 gate + 5 relevance + 1 expertise + 2 likert + 1 free text
        assert p.responses.count() == 11
        assert set(p.responses.values_list("item_type", flat=True)) == {
            "comprehension", "relevance", "expertise", "likert", "free_text"}
        final = bot.get()
        assert b"DONE1" in final.content and b'data-status="completed"' in final.content


def test_relevance_answers_are_scored_against_the_key(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="stimulus")
    step = bot.current_step()
    form = bot.form()
    data = bot.answer(step)
    data["relevance-color"] = "irrelevant"  # key: relevant
    bot.post(data, form)
    p = bot.participant
    assert p.correct_answers == 4
    color = p.responses.get(item_type="relevance", item="color")
    assert color.correct is False and color.answer_key == "relevant"
    assert color.rt_ms == 12000 and color.step_duration_s >= 30
    assert color.justification == "The color changes along the columns."


def test_double_gate_failure_screens_out_with_code_and_partial_pay(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(gate_failures=2)
    p = bot.participant
    assert p.status == Status.SCREENED_OUT and p.screened_step == "gate"
    assert p.completion_code == "SCREEN1" and p.gate_failures == 2
    assert p.base_pay_gbp == Decimal("0.50") and p.bonus_gbp == 0
    page = bot.get().content.decode()
    assert "SCREEN1" in page and "0.50" in page
    # both attempts stored, as rounds 1 and 2
    assert sorted(set(p.responses.filter(step="gate").values_list("round", flat=True))) == [1, 2]


def test_one_gate_failure_sends_back_to_the_video(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="gate")
    bot.post(bot.answer(bot.current_step(), correct=False))
    assert bot.current_step().id == "video"
    page = bot.get().content.decode()
    assert "watch the video and read the summary again" in page
    assert 'data-watched-before="1"' in page  # may skip through the second time
    bot.post({})  # Continue is accepted at once on a second viewing
    assert bot.current_step().id == "summary"
    bot.play()
    p = bot.participant
    assert p.status == Status.COMPLETED and p.gate_failures == 1


def test_consent_declined_is_a_withdrawal(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.post({"consent": "decline"})
    p = bot.participant
    assert p.status == Status.WITHDRAWN and p.completion_code == "NOCONS1"


def test_small_device_is_screened_out_with_the_device_code(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="device")
    bot.post({"viewport_width": "520", "viewport_height": "580"})
    p = bot.participant
    assert p.status == Status.SCREENED_OUT and p.completion_code == "SMALL1"
    assert p.device_ok is False and (p.viewport_width, p.viewport_height) == (520, 580)
    assert p.base_pay_gbp == 0


def test_portrait_tablet_passes_the_device_check(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="device")
    bot.post({"viewport_width": "500", "viewport_height": "700"})
    assert bot.participant.device_ok and bot.current_step().id == "video"


def test_video_cannot_be_skipped(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="video")
    bot.get()
    clock.advance(1)
    answer = bot.beacon("video", position="7.9").json()  # jump to the end
    assert answer["complete"] is False and answer["accepted"] < 5
    assert bot.post({}).status_code == 400
    assert bot.current_step().id == "video"
    bot.watch_video()
    bot.post({})
    assert bot.current_step().id == "summary"
    events = Event.objects.filter(participant=bot.participant, kind=PROGRESS) \
        .order_by("id")
    # coalesced: the first report (the refused jump to the end) and the one that completed it
    assert [e.data["complete"] for e in events] == [False, True]
    assert events[0].data["position"] == 7.9 and events[0].data["accepted"] < 5
    assert events[1].data["reports"] >= 2  # the reports in between are counted, not stored


def at_a_long_video(tmp_path, settings, clock, *, slug: str, duration_s: int) -> Bot:
    """A bot entered into a study whose first video lasts ``duration_s``, standing at it."""
    path = write_study(tmp_path, settings, slug=slug)
    path.write_text(path.read_text().replace(f"duration_s: {VIDEO_S}",
                                             f"duration_s: {duration_s}"))
    study, _ = load_study(path)
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="video")
    return bot


def test_a_burst_of_progress_reports_credits_only_the_wall_time(tmp_path, settings, clock):
    """31 reports in 2.4 s, each 2.2 s further on (as the attack did), in a 120 s video: at
    most 2.4 s x the allowed rate (1.25) + the 2 s slack are credited, not 68 s; afterwards
    normal playing is credited in full."""
    bot = at_a_long_video(tmp_path, settings, clock, slug="burst", duration_s=120)
    bot.get()
    for i in range(31):
        clock.advance(0.08)
        answer = bot.beacon("video", position=f"{2.2 * (i + 1):.2f}").json()
    assert round(answer["accepted"], 6) <= 2.48 * 1.25 + 2.0 and not answer["complete"]
    for _ in range(60):  # then the video plays on from where the server stands
        clock.advance(2)
        answer = bot.beacon("video", position=str(min(120, answer["accepted"] + 2))).json()
    assert answer["accepted"] == 120 and answer["complete"]


def test_minimum_time_on_the_relevance_page(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="stimulus")
    form = bot.form()
    data = bot.answer(bot.current_step())  # advances 31 s, but the page was shown before
    clock.advance(-29)
    assert bot.post(data, form).status_code == 400
    assert bot.participant.responses.filter(item_type="relevance").count() == 0


def test_short_justification_is_refused(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="stimulus")
    form = bot.form()
    data = bot.answer(bot.current_step())
    data["justification-legs"] = "yes"
    response = bot.post(data, form)
    assert response.status_code == 400 and b"at least 20 characters" in response.content
    assert bot.current_step().id == "stimulus"


def test_free_text_is_escaped_where_shown(study, clock, admin_client):
    bot = Bot(study, clock)
    bot.enter()
    bot.play()
    r = Response.objects.get(participant=bot.participant, item_type="free_text")
    assert "<b>" in r.response  # stored as given
    page = admin_client.get(f"/admin/studies/response/{r.pk}/change/").content.decode()
    assert "&lt;b&gt;carefully&lt;/b&gt;" in page and "<b>carefully</b>" not in page


def test_trial_block_records_choice_confidence_and_both_reaction_times(trial_study, clock):
    bot = Bot(trial_study, clock)
    bot.enter()
    bot.play()
    p = bot.participant
    assert p.status == Status.COMPLETED
    trials = list(p.responses.filter(item_type="trial").order_by("trial"))
    assert [t.trial for t in trials] == [0, 1, 2, 3]
    assert trials[0].trial_kind == "practice"
    assert sorted(t.trial_kind for t in trials[1:]) == ["catch", "main", "main"]
    for t in trials:
        assert t.correct is True and t.extra["confidence"] == 2
        assert t.rt_ms == 1400 and t.rt_server_ms == pytest.approx(1500, abs=1)
    assert p.correct_answers == 2  # main trials only
    assert p.bonus_gbp == Decimal("0.20")


def test_practice_feedback_is_shown(trial_study, clock):
    bot = Bot(trial_study, clock)
    bot.enter()
    bot.post({"consent": "agree"})
    form = bot.form()
    bot.post({"pick": "0-3", "trial": "0", "rt_ms": "800"}, form)  # practice; answer is 1
    page = bot.get().content.decode()
    assert 'id="trial-feedback"' in page and "Not quite" in page
    assert Participant.objects.get(pk=bot.participant.pk).state["block"]["pos"] == 1


def test_reports_at_the_pages_interval_credit_the_video_and_the_end_opens_continue(
        tmp_path, settings, clock):
    """The page hands video.js the interval; a 125 s video played in real time and reported on
    at that interval (plus the report at its end, which is not on an interval) is credited in
    full by the end report, Continue is accepted at once, and the reports stay coalesced into
    an Event per EVENT_EVERY_S (plus the first and the completing one)."""
    bot = at_a_long_video(tmp_path, settings, clock, slug="interval", duration_s=125)
    page = bot.get().content.decode()
    assert f'data-report-every-s="{REPORT_EVERY_S:.1f}"' in page
    position, answers = 0.0, []
    while position < 125:
        step = min(REPORT_EVERY_S, 125 - position)
        clock.advance(step)
        position += step
        answers.append(bot.beacon("video", position=f"{position:.2f}").json())
    assert [a["accepted"] for a in answers] == pytest.approx(
        [min(125, REPORT_EVERY_S * (i + 1)) for i in range(len(answers))])
    assert answers[-1]["complete"] and not any(a["complete"] for a in answers[:-1])
    assert bot.post({}).status_code == 302 and bot.current_step().id == "summary"
    events = list(Event.objects.filter(participant=bot.participant, kind=PROGRESS)
                  .order_by("id"))
    assert len(events) <= 2 + 125 // EVENT_EVERY_S, [e.data for e in events]
    assert sum(e.data["reports"] for e in events) == len(answers)


def test_progress_reports_are_coalesced_into_few_events(tmp_path, settings, clock):
    """A 120 s video reported every 2 s (60 reports) leaves a handful of Events, not 60; each
    says how many reports it stands for, and together they count every report."""
    bot = at_a_long_video(tmp_path, settings, clock, slug="coalesce", duration_s=120)
    bot.get()
    for i in range(60):
        clock.advance(2)
        answer = bot.beacon("video", position=str(2.0 * (i + 1))).json()
    assert answer["accepted"] == 120 and answer["complete"]
    events = list(Event.objects.filter(participant=bot.participant, kind=PROGRESS)
                  .order_by("id"))
    assert 3 <= len(events) <= 6, [e.data for e in events]
    assert sum(e.data["reports"] for e in events) == 60 and events[-1].data["complete"]
