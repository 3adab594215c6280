"""Entry from Prolific: link validation, one attempt per ID, block list, full study, time-outs."""

from datetime import timedelta

import pytest

from studies.assignment import ProlificIds, enter
from studies.loading import load_study
from studies.models import BlockEntry, Participant, Review, Status
from tests.bots import Bot, new_pid, write_study

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query, message", [
    ({}, b"PROLIFIC_PID: missing"),
    ({"PROLIFIC_PID": "abc"}, b"is not a Prolific ID"),
    ({"PROLIFIC_PID": "g" * 24}, b"is not a Prolific ID"),
    ({"PROLIFIC_PID": "a" * 24, "SESSION_ID": "x<script>"}, b"SESSION_ID"),
    ({"PROLIFIC_PID": "a" * 25}, b"24 hexadecimal characters"),
])
def test_malformed_entry_links_get_a_clear_400_page(study, client, query, message):
    response = client.get(f"/s/{study.slug}/", query)
    assert response.status_code == 400 and message in response.content
    assert b"<script>" not in response.content
    assert not Participant.objects.exists()


def test_link_of_another_prolific_study_is_refused(study, client):
    study.prolific_study_id = "c" * 24
    study.save()
    response = client.get(f"/s/{study.slug}/", {"PROLIFIC_PID": new_pid(), "STUDY_ID": "d" * 24})
    assert response.status_code == 400 and b"different Prolific study" in response.content


def test_unknown_study_is_404(client, db):
    assert client.get("/s/nope/", {"PROLIFIC_PID": new_pid()}).status_code == 404


def test_step_page_without_a_session_is_refused(study, client):
    response = client.get(f"/s/{study.slug}/step/")
    assert response.status_code == 403 and b"No active session" in response.content


def test_returning_pid_resumes_with_cookie_or_session_id(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="summary")
    assert bot.enter().status_code == 302  # same browser
    assert bot.current_step().id == "summary"
    again = Bot(study, clock, pid=bot.pid)  # new browser, same Prolific session
    assert again.enter().status_code == 302
    assert 'value="summary"' in again.get().content.decode()
    assert Participant.objects.filter(prolific_pid=bot.pid).count() == 1


def test_returning_pid_in_another_session_is_refused(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    stranger = Bot(study, clock, pid=bot.pid)
    response = stranger.enter(session="e" * 24)
    assert response.status_code == 403 and b"open elsewhere" in response.content
    assert stranger.client.get(stranger.step_url).status_code == 403


def test_one_attempt_per_pid_unless_a_retake_is_allowed(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(gate_failures=2)
    again = Bot(study, clock, pid=bot.pid)  # another browser and another Prolific submission
    response = again.enter(session="e" * 24)
    assert response.status_code == 403 and b"already taken part" in response.content
    Participant.objects.filter(pk=bot.participant.pk).update(retake_allowed=True)
    assert again.enter(session="e" * 24).status_code == 302
    attempts = Participant.objects.filter(prolific_pid=bot.pid).order_by("attempt")
    assert [(p.attempt, p.status) for p in attempts] == [(1, "screened_out"), (2, "active")]


def _end(bot, clock, ending):
    if ending == "completed":
        bot.play()
    elif ending == "screened_out":
        bot.play(gate_failures=2)
    else:
        bot.play(stop_at="stimulus")
        clock.advance(61 * 60)
        bot.get()


@pytest.mark.parametrize("ending, code", [("completed", "DONE1"), ("screened_out", "SCREEN1"),
                                          ("timed_out", "SCREEN1")])
def test_reopened_link_after_the_end_shows_the_code_again(study, clock, ending, code):
    """Same browser, or another browser with the same Prolific submission (SESSION_ID): the
    final page with the code the ending earned (the bot spec has no timed_out code, so the
    screened_out one); another submission with that PROLIFIC_PID is still refused."""
    bot = Bot(study, clock)
    bot.enter()
    _end(bot, clock, ending)
    assert bot.participant.status == ending
    for browser in (bot, Bot(study, clock, pid=bot.pid)):
        assert browser.enter().status_code == 302
        page = browser.get().content.decode()
        assert f'data-status="{ending}"' in page
        assert f'<code id="completion-code">{code}</code>' in page
        assert "return the study" not in page
    stranger = Bot(study, clock, pid=bot.pid).enter(session="e" * 24)
    assert stranger.status_code == 403 and b"already taken part" in stranger.content
    assert Participant.objects.filter(prolific_pid=bot.pid).count() == 1


def test_block_list_across_studies(tmp_path, settings, clock, db):
    first, _ = load_study(write_study(tmp_path, settings, slug="first", block_list=True))
    second, _ = load_study(write_study(tmp_path, settings, slug="second", block_list=True))
    bot = Bot(first, clock)
    bot.enter()
    assert BlockEntry.objects.filter(list_name="bots", prolific_pid=bot.pid,
                                     source_study="first").exists()
    response = Bot(second, clock, pid=bot.pid).enter()
    assert response.status_code == 403 and b"earlier study" in response.content
    assert Bot(second, clock).enter().status_code == 302  # a new person is welcome
    assert bot.enter().status_code == 302  # and the first study still resumes its own session


def test_full_study_refuses_politely_and_reopens_when_a_slot_frees(tmp_path, settings, clock, db):
    study, _ = load_study(write_study(tmp_path, settings, slug="tiny", targets=(1, 1)))
    a, b = Bot(study, clock), Bot(study, clock)
    a.enter()
    b.enter()
    late = Bot(study, clock)
    response = late.enter()
    assert response.status_code == 200 and b"The study is full" in response.content
    assert Participant.objects.get(prolific_pid=late.pid).status == Status.FULL
    b.play(gate_failures=2)  # screened out: frees its slot
    assert late.enter().status_code == 302
    assert late.participant.condition == b.participant.condition
    assert late.participant.attempt == 1


def test_time_out_frees_the_slot_and_pays_by_step(tmp_path, settings, clock, db):
    study, _ = load_study(write_study(tmp_path, settings, slug="slow", targets=(1,)))
    slow = Bot(study, clock)
    slow.enter()
    slow.play(stop_at="stimulus")
    assert b"The study is full" in Bot(study, clock).enter().content
    clock.advance(61 * 60)
    newcomer = Bot(study, clock)
    assert newcomer.enter().status_code == 302
    p = slow.participant
    assert p.status == Status.TIMED_OUT and p.screened_step == "stimulus"
    assert str(p.base_pay_gbp) == "3.00"
    assert b'data-status="timed_out"' in slow.get().content


def test_rejected_completions_free_their_slot(tmp_path, settings, clock, db):
    study, _ = load_study(write_study(tmp_path, settings, slug="rej", targets=(1,)))
    done = Bot(study, clock)
    done.enter()
    done.play()
    assert b"The study is full" in Bot(study, clock).enter().content
    Participant.objects.filter(pk=done.participant.pk).update(review=Review.REJECTED)
    assert Bot(study, clock).enter().status_code == 302


def test_study_without_published_stimuli_cannot_start(tmp_path, settings, clock, db):
    study, _ = load_study(write_study(tmp_path, settings, slug="unready", publish=False))
    response = Bot(study, clock).enter()
    assert response.status_code == 200 and b"not open yet" in response.content
    assert not Participant.objects.filter(study=study).exists()


def test_assignment_balances_with_seeded_ties(tmp_path, settings, clock, db):
    study, _ = load_study(write_study(tmp_path, settings, slug="bal", targets=(4, 4, 4)))
    names = [enter(study, ProlificIds(new_pid())).participant.condition.name for _ in range(12)]
    for k in range(3, 13, 3):
        assert sorted(names[k - 3:k]) == ["alpha", "beta", "gamma"]
    assert enter(study, ProlificIds(new_pid())).refusal == "full"
    again, _ = load_study(write_study(tmp_path, settings, slug="bal2", targets=(4, 4, 4)))
    again.seed = study.seed
    again.save()
    repeat = [enter(again, ProlificIds(new_pid())).participant.condition.name for _ in range(12)]
    assert repeat == names  # ties are broken by a draw seeded with the study seed


def test_sessions_expire_command(tmp_path, settings, clock, db):
    from django.core.management import call_command

    study, _ = load_study(write_study(tmp_path, settings, slug="exp"))
    Bot(study, clock).enter()
    Participant.objects.update(started_at=clock.now() - timedelta(hours=2))
    call_command("expire_sessions", "exp")
    assert Participant.objects.get().status == Status.TIMED_OUT


def test_per_step_time_limit(tmp_path, settings, clock, db):
    path = write_study(tmp_path, settings, slug="steplimit")
    path.write_text(path.read_text().replace("    file: tutorials/bot.mp4\n",
                                             "    file: tutorials/bot.mp4\n    time_limit_s: 60\n"))
    study, _ = load_study(path)
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="video")
    bot.get()
    clock.advance(59)
    assert bot.participant.status == Status.ACTIVE
    clock.advance(2)
    assert b'data-status="timed_out"' in bot.get().content
    p = bot.participant
    assert p.status == Status.TIMED_OUT and p.screened_step == "video"
    assert "60 s on step 'video'" in p.end_reason


def test_expiry_on_arrival_locks_only_the_sessions_that_may_be_due(tmp_path, settings, clock,
                                                                    db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from studies.sessions import expire_stale

    path = write_study(tmp_path, settings, slug="steplimit2", targets=(5, 5))
    path.write_text(path.read_text().replace("    file: tutorials/bot.mp4\n",
                                             "    file: tutorials/bot.mp4\n    time_limit_s: 60\n"))
    study, _ = load_study(path)
    waiting = Bot(study, clock)
    waiting.enter()
    waiting.play(stop_at="video")
    waiting.get()  # on the video: its 60 s clock runs
    for _ in range(3):  # on the consent page, shown: within every limit
        Bot(study, clock).enter()
    clock.advance(61)
    with CaptureQueriesContext(connection) as captured:
        assert expire_stale(study) == 1
    assert sum("FOR UPDATE" in q["sql"] for q in captured.captured_queries) == 1
    assert waiting.participant.status == Status.TIMED_OUT
    assert expire_stale(study) == 0


def test_expire_task(tmp_path, settings, clock, db):
    from studies.tasks import expire_sessions

    study, _ = load_study(write_study(tmp_path, settings, slug="task"))
    Bot(study, clock).enter()
    assert expire_sessions() == {"task": 0}
    clock.advance(3601)
    assert expire_sessions() == {"task": 1}
