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
    assert bot.client.post(f"/s/{study.slug}/event/", {"kind": "focus_lost",
                                                        "step": "other"}).status_code in (403, 409)
    assert Client().post(f"/s/{study.slug}/event/", {"kind": "focus_lost"}).status_code == 403
