"""Idempotent bonus and partial payments against the fake Prolific (which pays twice if asked)."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from studies.models import Participant, Review, Status, Study
from studies.prolific.client import SubmissionStatus
from studies.prolific.errors import PaymentRefused, ProlificAPIError
from studies.prolific.models import BonusKind, BonusLine, BonusPayment, PaymentState
from studies.prolific.payouts import (
    bonuses_due,
    build_csv,
    confirm_paid,
    mark_unpaid,
    pay_bonuses,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def study():
    return Study.objects.create(
        slug="s", title="S", spec={}, spec_sha256="0" * 64, prolific_study_id="PSTUDY"
    )


def person(study, fake, pid, *, status=Status.COMPLETED, bonus="0", base="0", attempt=1):
    fake.add_submission("PSTUDY", pid, status="AWAITING REVIEW")
    return Participant.objects.create(
        study=study, prolific_pid=pid, status=status, attempt=attempt,
        bonus_gbp=Decimal(bonus), base_pay_gbp=Decimal(base),
    )


def test_csv_sums_attempts_and_sorts():
    rows = [("B", Decimal("0.4")), ("A", Decimal("1")), ("B", Decimal("0.8"))]
    assert build_csv(rows) == "A,1.00\nB,1.20"


def test_pays_bonuses_once_even_when_called_twice(study, fake, client):
    person(study, fake, "P1", bonus="0.80")
    person(study, fake, "P2", bonus="2.00")
    person(study, fake, "P3", bonus="0")  # nothing owed
    person(study, fake, "P4", status=Status.ACTIVE, bonus="1.00")  # not finished
    first = pay_bonuses(study, kind=BonusKind.BONUS, client=client)
    assert first.paid and first.payment.state == PaymentState.PAID
    second = pay_bonuses(study, kind=BonusKind.BONUS, client=client)
    assert not second.paid and "no bonus payments due" in second.message
    assert fake.paid_amounts() == {"P1": Decimal("0.80"), "P2": Decimal("2.00")}
    assert len(fake.calls("POST", "/pay/")) == 1
    assert Participant.objects.get(prolific_pid="P1").bonus_paid_at is not None


def test_ledger_is_written_before_pay(study, fake, client, monkeypatch):
    person(study, fake, "P1", bonus="0.40")
    seen = {}

    def spy(setup_id):
        seen["state"] = BonusPayment.objects.get().state
        seen["lines"] = list(BonusLine.objects.values_list("prolific_pid", flat=True))
        return {}

    monkeypatch.setattr(client, "pay_bonuses", spy)
    pay_bonuses(study, kind=BonusKind.BONUS, client=client)
    assert seen == {"state": PaymentState.PAYING, "lines": ["P1"]}


def test_later_participants_get_a_new_payment_without_the_paid_ones(study, fake, client):
    person(study, fake, "P1", bonus="0.40")
    pay_bonuses(study, kind=BonusKind.BONUS, client=client)
    person(study, fake, "P2", bonus="1.20")
    result = pay_bonuses(study, kind=BonusKind.BONUS, client=client)
    assert result.payment.csv == "P2,1.20"
    assert fake.paid_amounts() == {"P1": Decimal("0.40"), "P2": Decimal("1.20")}


def test_no_bonus_or_partial_payment_is_due_for_rejected_submissions(study, fake, client):
    kept = person(study, fake, "P1", bonus="0.80")
    rejected_here = person(study, fake, "P2", bonus="2.00")
    rejected_here.review = Review.REJECTED  # by the researcher (dashboard or admin)
    rejected_here.save()
    Participant.objects.create(study=study, prolific_pid="P3", status=Status.COMPLETED,
                               bonus_gbp=Decimal("1.20"),
                               prolific_status=SubmissionStatus.REJECTED)  # on Prolific
    Participant.objects.create(study=study, prolific_pid="P4", status=Status.SCREENED_OUT,
                               base_pay_gbp=Decimal("1.75"), review=Review.REJECTED)
    assert [p for p, _ in bonuses_due(study, BonusKind.BONUS)] == [kept]
    assert bonuses_due(study, BonusKind.PARTIAL) == []
    pay_bonuses(study, kind=BonusKind.BONUS, client=client)
    assert fake.paid_amounts() == {"P1": Decimal("0.80")}


def test_partial_payments_for_timed_out_but_not_as_bonus_for_screened_out(study, fake, client):
    person(study, fake, "P1", status=Status.TIMED_OUT, base="1.75")
    person(study, fake, "P2", status=Status.TIMED_OUT, base="0")  # first video: nothing
    person(study, fake, "P3", bonus="0.40")
    person(study, fake, "P4", status=Status.SCREENED_OUT, base="3.50")  # paid by its screen-out
    assert [p.prolific_pid for p, _ in bonuses_due(study, BonusKind.PARTIAL)] == ["P1"]
    pay_bonuses(study, kind=BonusKind.PARTIAL, client=client)
    pay_bonuses(study, kind=BonusKind.PARTIAL, client=client)
    assert fake.paid_amounts() == {"P1": Decimal("1.75")}


def test_unknown_outcome_is_never_paid_again_automatically(study, fake, client):
    person(study, fake, "P1", bonus="0.40")
    original = client.pay_bonuses

    def pay_then_crash(setup_id):
        original(setup_id)  # Prolific paid, but we never heard back
        raise_unavailable()

    def raise_unavailable():
        from studies.prolific.errors import ProlificUnavailable

        raise ProlificUnavailable("read timed out")

    client.pay_bonuses = pay_then_crash
    with pytest.raises(PaymentRefused, match="outcome is unknown"):
        pay_bonuses(study, kind=BonusKind.BONUS, client=client)
    client.pay_bonuses = original
    with pytest.raises(PaymentRefused, match="--confirm-paid"):
        pay_bonuses(study, kind=BonusKind.BONUS, client=client)
    assert fake.paid_amounts() == {"P1": Decimal("0.40")}
    payment = confirm_paid(BonusPayment.objects.get().pk)
    assert payment.state == PaymentState.PAID
    assert not pay_bonuses(study, kind=BonusKind.BONUS, client=client).paid
    assert fake.paid_amounts() == {"P1": Decimal("0.40")}


def test_mark_unpaid_allows_exactly_one_retry(study, fake, client):
    person(study, fake, "P1", bonus="0.40")
    original = client.pay_bonuses

    def lost(setup_id):
        from studies.prolific.errors import ProlificUnavailable

        raise ProlificUnavailable("connection reset")  # never reached Prolific

    client.pay_bonuses = lost
    with pytest.raises(PaymentRefused):
        pay_bonuses(study, kind=BonusKind.BONUS, client=client)
    client.pay_bonuses = original
    mark_unpaid(BonusPayment.objects.get().pk)
    assert pay_bonuses(study, kind=BonusKind.BONUS, client=client).paid
    assert fake.paid_amounts() == {"P1": Decimal("0.40")}
    assert BonusPayment.objects.count() == 1  # the same set-up was paid, not a new one


def test_refused_setup_frees_the_lines(study, fake, client):
    fake.add_study("PSTUDY")
    Participant.objects.create(study=study, prolific_pid="GHOST", status=Status.COMPLETED,
                               bonus_gbp=Decimal("1"))  # no submission on Prolific
    with pytest.raises(ProlificAPIError, match="has no submission"):
        pay_bonuses(study, kind=BonusKind.BONUS, client=client)
    payment = BonusPayment.objects.get()
    assert payment.state == PaymentState.FAILED and not payment.lines.get().live
    assert len(bonuses_due(study, BonusKind.BONUS)) == 1  # owed again


def test_dry_run_sends_nothing(study, fake, client):
    person(study, fake, "P1", bonus="0.40")
    result = pay_bonuses(study, kind=BonusKind.BONUS, client=client, dry_run=True)
    assert "would pay 1 bonus payments, 0.40 GBP" in result.message
    assert BonusPayment.objects.count() == 0 and fake.calls("POST", "/submissions/") == []


def run_command(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_pay_command_twice_pays_once(fake, study, settings):
    settings.PROLIFIC_API_TOKEN = "tok"
    settings.PROLIFIC_API_URL = fake.url
    for pid, status, bonus, base in [("P1", Status.COMPLETED, "1.20", "4.50"),
                                     ("P2", Status.TIMED_OUT, "0", "1.75")]:
        person(study, fake, pid, status=status, bonus=bonus, base=base)
    out = run_command("prolific_pay_bonuses", "--study", "s")
    assert "paid 1 bonus payments, 1.20 GBP" in out and "paid 1 partial payments, 1.75" in out
    out = run_command("prolific_pay_bonuses", "--study", "s")
    assert "no bonus payments due" in out and "no partial payments due" in out
    assert fake.paid_amounts() == {"P1": Decimal("1.20"), "P2": Decimal("1.75")}
