"""The server owns the state: reloads, back buttons, replays, forged posts and second tabs."""

import pytest
from django.test import Client

from studies.models import Event, EventKind, Response, Status
from tests.bots import Bot

pytestmark = pytest.mark.django_db


def _state(bot):
    p = bot.participant
    return p.step_index, p.status, p.responses.count(), p.gate_failures


def test_reload_and_back_show_the_current_step(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="summary")
    for url in (bot.step_url, bot.step_url + "?step=consent"):
        page = bot.client.get(url).content.decode()
        assert 'name="step" value="summary"' in page
    assert bot.participant.step_index == 3


def test_replayed_post_changes_nothing(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="expertise")
    form = bot.form()
    bot.post({"choice": "expert"}, form)
    before = _state(bot)
    again = bot.post({"choice": "complete novice"}, form)  # the browser's resubmit
    assert again.status_code == 302
    assert _state(bot) == before
    assert Response.objects.get(participant=bot.participant, item="expertise").response == "expert"
    assert b"already submitted or is out of date" in bot.client.get(bot.step_url).content
    assert Event.objects.filter(participant=bot.participant, kind=EventKind.REJECTED).count() == 1


def test_post_for_another_step_changes_nothing(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="video")
    form = bot.form()
    before = _state(bot)
    forged = {**form, "step": "gate", "statement-legs": "true", "statement-color": "false"}
    bot.client.post(bot.step_url, forged)
    assert _state(bot) == before


def test_post_without_the_nonce_changes_nothing(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    form = bot.form()
    before = _state(bot)
    bot.client.post(bot.step_url, {**form, "nonce": "0" * 32, "consent": "agree"})
    bot.client.post(bot.step_url, {"step": "consent", "consent": "agree",
                                   "csrfmiddlewaretoken": form["csrfmiddlewaretoken"]})
    assert _state(bot) == before


def test_another_participants_nonce_does_not_move_my_session(study, clock):
    alice, mallory = Bot(study, clock), Bot(study, clock)
    alice.enter()
    mallory.enter()
    alice_form = alice.form()
    # Mallory posts Alice's step id and nonce with her own cookie: only her own session is
    # looked at, and the nonce does not match it.
    mallory_form = mallory.form()
    mallory.client.post(mallory.step_url, {**alice_form, "consent": "agree",
                                           "csrfmiddlewaretoken": mallory_form[
                                               "csrfmiddlewaretoken"]})
    assert alice.participant.step_index == 0 and mallory.participant.step_index == 0


def test_a_tampered_cookie_is_no_session(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    other = Client()
    other.cookies[f"xai_{study.slug}"] = bot.participant.token  # unsigned: refused
    assert other.get(bot.step_url).status_code == 403
    assert bot.participant.step_index == 0


def test_second_tab_cannot_corrupt_the_session(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="expertise")
    tab1 = bot.form()
    tab2 = bot.form()  # the same session opened again: the first tab's page is now stale
    assert tab1["nonce"] != tab2["nonce"]
    bot.post({"choice": "expert"}, tab1)
    assert bot.current_step().id == "expertise"
    bot.post({"choice": "some expertise"}, tab2)
    assert bot.current_step().id == "opinion"
    answers = Response.objects.filter(participant=bot.participant, item="expertise")
    assert [a.response for a in answers] == ["some expertise"]


def test_withdraw_link_on_every_page_and_withdrawal_is_final(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    seen = set()
    while bot.current_step().id != "expertise":
        page = bot.get().content.decode()
        assert 'id="withdraw-link"' in page
        seen.add(bot.current_step().type)
        bot.play(stop_at=_next_id(bot))
    assert {"consent", "device_check", "video", "text", "comprehension_gate",
            "stimulus_questions"} <= seen
    bot.withdraw()
    p = bot.participant
    assert p.status == Status.WITHDRAWN and p.screened_step == "expertise"
    form = bot.form()
    assert "step" not in form  # no step form any more
    bot.client.post(bot.step_url, {"step": "expertise", "choice": "expert"})
    assert bot.participant.status == Status.WITHDRAWN


def _next_id(bot):
    from studies.runtime import spec_of

    spec = spec_of(bot.study)
    return spec.steps[bot.participant.step_index + 1].id
