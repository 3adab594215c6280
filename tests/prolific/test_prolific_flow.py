"""End to end with the participant flow and the fake Prolific: the lessons from running on Prolific.

* every answer is stored before the completion redirect, which goes to Prolific with the code;
* approvals happen once the submission is AWAITING REVIEW, never for screened-out ones, which
  are screened out on Prolific with their partial payment;
* bonuses and partial payments are paid exactly once;
* a RETURNED submission frees its slot for the next participant.
"""

from decimal import Decimal

import pytest

from studies.models import Participant, Review, Status
from studies.prolific.models import BonusKind
from studies.prolific.payouts import pay_bonuses
from studies.prolific.sync import sync_study
from tests.bots import Bot
from tests.fake_prolific import FakeProlific

pytestmark = pytest.mark.django_db
COMPLETE = "https://app.prolific.com/submissions/complete?cc="


@pytest.fixture
def linked(study, settings, fake):
    settings.PROLIFIC_COMPLETE_URL = COMPLETE  # the real default, not the bots' test URL
    study.prolific_study_id = fake.add_study("a" * 24, is_custom_screening=True)  # as drafted
    study.save()
    return study


def enter(bot: Bot, fake: FakeProlific, *, admitted=True):
    """Prolific creates the submission, then sends the participant to us with its id."""
    session = fake.add_submission(bot.study.prolific_study_id, bot.pid, status="ACTIVE")
    assert (bot.enter(session=session).status_code == 302) == admitted
    return session


def test_completion_stores_everything_then_redirects_then_is_approved_and_paid_once(
        linked, clock, fake, client):
    bot = Bot(linked, clock)
    session = enter(bot, fake)
    last = bot.play()
    assert last.status_code == 302 and last["Location"] == COMPLETE + "DONE1"
    p = bot.participant  # the redirect was answered only after every answer was stored
    assert p.status == Status.COMPLETED and p.responses.count() == 11
    assert p.prolific_session_id == session

    assert sync_study(linked, client=client).waiting == 1  # not submitted on Prolific yet
    assert fake.status_of(session) == "ACTIVE"
    fake.set_status(session, "AWAITING REVIEW")  # the participant pressed "submit" on Prolific
    assert sync_study(linked, client=client).approved == 1
    assert fake.status_of(session) == "APPROVED" and bot.participant.review == Review.APPROVED

    for _ in range(2):
        pay_bonuses(linked, kind=BonusKind.BONUS, client=client)
    assert fake.paid_amounts() == {bot.pid: Decimal("2.00")}  # 5 correct x 0.40, once


def test_screened_out_is_screened_out_on_prolific_with_its_partial_payment_once(
        linked, clock, fake, client):
    bot = Bot(linked, clock)
    session = enter(bot, fake)
    bot.play(gate_failures=2)
    assert bot.participant.status == Status.SCREENED_OUT
    fake.set_status(session, "AWAITING REVIEW")  # it submitted the screened-out code
    result = sync_study(linked, client=client)
    assert result.approved == 0 and result.screen_out_errors == []
    assert fake.status_of(session) == "SCREENED OUT"  # resolved on Prolific, not by hand
    for _ in range(2):
        sync_study(linked, client=client)
        pay_bonuses(linked, kind=BonusKind.PARTIAL, client=client)
        pay_bonuses(linked, kind=BonusKind.BONUS, client=client)
    assert fake.paid_amounts() == {bot.pid: Decimal("0.50")}  # the gate's partial, once
    assert len(fake.calls("POST", "/screen-out-submissions/")) == 1


def test_returned_submission_frees_the_slot(tmp_path, settings, clock, fake, client):
    from studies.loading import load_study
    from tests.bots import write_study

    study, _ = load_study(write_study(tmp_path, settings, slug="one-slot", targets=(1,)))
    study.prolific_study_id = "a" * 24
    study.save()
    first, second = Bot(study, clock), Bot(study, clock)
    first_session = enter(first, fake)
    first.play(stop_at="stimulus")
    enter(second, fake, admitted=False)  # the only slot is held by the first
    assert not Participant.objects.filter(prolific_pid=second.pid, status=Status.ACTIVE).exists()
    fake.set_status(first_session, "RETURNED")
    assert sync_study(study, client=client).freed == {"returned": 1}
    assert first.participant.status == Status.RETURNED
    late = Bot(study, clock)
    enter(late, fake)
    assert late.participant.status == Status.ACTIVE  # the freed slot is taken
