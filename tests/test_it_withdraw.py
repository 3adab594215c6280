"""View ``studies:withdraw``: a confirmation page, then the withdrawal."""

import pytest

from studies.models import Status
from tests.bots import Bot

pytestmark = pytest.mark.django_db


def test_withdraw_confirmation_then_withdrawal(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    page = bot.client.get(f"/s/{study.slug}/withdraw/")
    assert page.status_code == 200 and b'id="withdraw-confirm"' in page.content
    assert bot.participant.status == Status.ACTIVE  # a GET changes nothing
    bot.withdraw()
    assert bot.participant.status == Status.WITHDRAWN
    assert b'data-status="withdrawn"' in bot.get().content
    assert b"NOCONS1" in bot.get().content


def test_withdraw_without_session(study, client):
    assert client.get(f"/s/{study.slug}/withdraw/").status_code == 403
