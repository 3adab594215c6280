"""View ``studies:beacon`` (/s/<study>/event/): video progress and focus-loss reports."""

import pytest
from django.test import Client

from studies.models import Event, EventKind
from tests.bots import Bot

pytestmark = pytest.mark.django_db


def test_focus_loss_is_logged_with_time(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.get()
    assert bot.beacon("focus_lost", t="1763856000000").json() == {"ok": True}
    event = Event.objects.get(participant=bot.participant, kind=EventKind.FOCUS_LOST)
    assert event.step == "consent" and event.client_ms == 1763856000000


def test_bad_reports_are_4xx(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.get()
    assert bot.beacon("nonsense").status_code == 400
    assert bot.beacon("video", position="3").status_code == 400  # consent is not a video
    assert Client().post(f"/s/{study.slug}/event/", {"kind": "focus_lost",
                                                     "step": "consent"}).status_code == 403
    assert not Event.objects.filter(kind=EventKind.FOCUS_LOST).exists()


def _focus_events(bot):
    return list(Event.objects.filter(participant=bot.participant,
                                     kind__in=(EventKind.FOCUS_LOST, EventKind.FOCUS_BACK)))


def test_reports_of_a_page_already_left_are_acknowledged_not_stored(study, clock, caplog):
    bot = Bot(study, clock)
    bot.enter()
    consent = bot.form()
    bot.post({"consent": "agree"}, consent)  # the session moves on to the device check
    # the consent page, unloading, reports that it was hidden: stale, not an error
    url = f"/s/{study.slug}/event/"
    for kind in ("focus_lost", "focus_back", "video"):
        answer = bot.client.post(url, {"kind": kind, "step": "consent", "position": "1",
                                       "csrfmiddlewaretoken": consent["csrfmiddlewaretoken"]})
        assert answer.status_code == 204 and answer.content == b""
    assert bot.client.post(url, {"kind": "focus_lost", "step": "nonsense",
                                 "csrfmiddlewaretoken": consent["csrfmiddlewaretoken"]}
                           ).status_code == 204
    assert _focus_events(bot) == []
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
    bot.get()
    assert bot.beacon("focus_lost").status_code == 200  # the current page still counts
    assert [e.step for e in _focus_events(bot)] == ["device"]


def test_reports_after_the_session_ended_are_acknowledged_not_stored(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    page = bot.form()
    bot.withdraw()
    answer = bot.client.post(f"/s/{study.slug}/event/", {"kind": "focus_lost", **page})
    assert answer.status_code == 204
    assert _focus_events(bot) == []


def test_reports_of_a_page_since_reloaded_are_not_stored(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    old = bot.form()
    new = bot.form()  # a reload of the same step renders the page anew
    url = f"/s/{study.slug}/event/"
    assert bot.client.post(url, {"kind": "focus_lost", **old}).status_code == 204
    assert bot.client.post(url, {"kind": "focus_lost", **old, "nonce": "\u00e9"}).status_code == 204
    assert _focus_events(bot) == []
    assert bot.client.post(url, {"kind": "focus_lost", **new}).status_code == 200
    assert len(_focus_events(bot)) == 1


def test_a_non_ascii_nonce_is_refused_not_an_error(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    form = bot.form()
    answer = bot.client.post(bot.step_url, {**form, "nonce": "\u00e9" * 32, "consent": "agree"})
    assert answer.status_code == 302 and bot.participant.step_index == 0
