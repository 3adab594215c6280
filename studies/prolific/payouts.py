"""Bonuses and partial payments through Prolific, made idempotent on our side.

Prolific's ``pay`` call is not idempotent: called twice, it pays twice. So:

1. what is due is computed from the participants (completed: ``bonus_gbp``; screened out or
   timed out: ``base_pay_gbp``, the spec's partial payment, which Prolific pays as a bonus),
   leaving out rejected submissions and everyone who already has a live ledger line of that kind;
2. the payment and one line per participant are written to the ledger (state ``created``) in one
   transaction before anything is sent; unique constraints refuse a second live line for the same
   participant and kind, and a second live payment with the same CSV;
3. the bonus is set up on Prolific and its id stored;
4. the payment is claimed (``created -> paying``, a conditional UPDATE, so two workers cannot both
   pay) and committed BEFORE the pay call; after the call it becomes ``paid``.

A payment left in ``paying`` (the pay call's outcome is unknown: a timeout, a 5xx) is never paid
again automatically: check Prolific's dashboard, then :func:`confirm_paid` or :func:`mark_unpaid`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from studies.models import Participant, Review, Status, Study

from .client import ProlificClient, SubmissionStatus
from .errors import PaymentRefused, ProlificAPIError, ProlificError
from .models import BonusKind, BonusLine, BonusPayment, PaymentState

# Which participants each kind pays, and from which amount field (studies.amounts_owed.settle sets
# base_pay_gbp of screened-out and timed-out sessions to the spec's partial payment). Screened-out
# sessions are paid by Prolific's screen-out call instead (studies.prolific.screenouts).
_DUE = {
    BonusKind.BONUS: ((Status.COMPLETED,), "bonus_gbp"),
    BonusKind.PARTIAL: ((Status.TIMED_OUT,), "base_pay_gbp"),
}


@dataclass(frozen=True)
class PaymentResult:
    payment: BonusPayment | None
    paid: bool
    message: str


def bonuses_due(study: Study, kind: str) -> list[tuple[Participant, Decimal]]:
    """Participants owed a ``kind`` payment that no live ledger line covers yet; nothing is due
    for a submission rejected here (``review``) or on Prolific (``prolific_status``)."""
    statuses, field = _DUE[BonusKind(kind)]
    participants = (
        Participant.objects.real().filter(study=study, status__in=statuses,
                                          **{f"{field}__gt": 0})
        .exclude(review=Review.REJECTED)
        .exclude(prolific_status=SubmissionStatus.REJECTED)
        .exclude(
            pk__in=BonusLine.objects.filter(kind=kind, live=True).values("participant_id")
        )
        .order_by("id")
    )
    return [(p, getattr(p, field)) for p in participants]


def build_csv(rows: list[tuple[str, Decimal]]) -> str:
    """``PID,amount`` lines (one per Prolific ID, amounts summed over attempts), sorted."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for pid, amount in rows:
        totals[pid] += Decimal(amount)
    return "\n".join(f"{pid},{totals[pid].quantize(Decimal('0.01'))}" for pid in sorted(totals))


def pay_bonuses(study: Study, *, kind: str, client: ProlificClient, dry_run=False) -> PaymentResult:
    """Pay what is due of ``kind`` for ``study``, at most once per participant."""
    if not study.prolific_study_id:
        raise PaymentRefused(f"study {study.slug} has no Prolific study id")
    pending = BonusPayment.objects.filter(study=study, kind=kind)
    stuck = pending.filter(state=PaymentState.PAYING).first()
    if stuck is not None:
        raise PaymentRefused(
            f"payment {stuck.pk} ({stuck.total_gbp} GBP, set-up {stuck.setup_id}) was sent to "
            "Prolific but its outcome is unknown; check Prolific, then run "
            f"prolific_pay_bonuses --confirm-paid {stuck.pk} or --mark-unpaid {stuck.pk}"
        )
    resumable = pending.filter(state=PaymentState.CREATED).exclude(setup_id="").first()
    if resumable is not None:
        if dry_run:
            return PaymentResult(resumable, False, f"would pay set-up payment {resumable.pk}")
        return _pay(resumable, client)

    due = bonuses_due(study, kind)
    if not due:
        return PaymentResult(None, False, f"no {kind} payments due for {study.slug}")
    csv = build_csv([(p.prolific_pid, amount) for p, amount in due])
    total = sum((amount for _, amount in due), Decimal(0))
    if dry_run:
        return PaymentResult(None, False, f"would pay {len(due)} {kind} payments, {total} GBP")
    payment = _record(study, kind, due, csv, total)
    try:
        setup = client.setup_bonuses(study.prolific_study_id, csv)
    except ProlificError as exc:
        _fail(payment, exc)
        raise
    payment.setup_id = setup.id
    payment.save(update_fields=["setup_id", "updated_at"])
    return _pay(payment, client)


def _record(study, kind, due, csv, total) -> BonusPayment:
    try:
        with transaction.atomic():
            payment = BonusPayment.objects.create(
                study=study,
                prolific_study_id=study.prolific_study_id,
                kind=kind,
                csv=csv,
                csv_sha256=hashlib.sha256(csv.encode()).hexdigest(),
                total_gbp=total,
            )
            BonusLine.objects.bulk_create(
                BonusLine(payment=payment, participant=p, prolific_pid=p.prolific_pid,
                          kind=kind, amount_gbp=amount)
                for p, amount in due
            )
    except IntegrityError as exc:
        raise PaymentRefused(
            f"these {kind} payments are already in the ledger (another run recorded them)"
        ) from exc
    return payment


def _fail(payment: BonusPayment, exc: Exception) -> None:
    with transaction.atomic():
        payment.state = PaymentState.FAILED
        payment.error = str(exc)[:4000]
        payment.save(update_fields=["state", "error", "updated_at"])
        payment.lines.update(live=False)


def _pay(payment: BonusPayment, client: ProlificClient) -> PaymentResult:
    claimed = BonusPayment.objects.filter(pk=payment.pk, state=PaymentState.CREATED).update(
        state=PaymentState.PAYING, updated_at=timezone.now()
    )
    if claimed != 1:
        raise PaymentRefused(f"payment {payment.pk} is not waiting to be paid (another run?)")
    try:
        client.pay_bonuses(payment.setup_id)
    except ProlificAPIError as exc:  # Prolific refused it: nothing was paid, it may be retried
        BonusPayment.objects.filter(pk=payment.pk).update(
            state=PaymentState.CREATED, error=str(exc)[:4000], updated_at=timezone.now()
        )
        raise
    except ProlificError as exc:  # outcome unknown: stays "paying", never re-sent automatically
        BonusPayment.objects.filter(pk=payment.pk).update(error=str(exc)[:4000])
        raise PaymentRefused(
            f"payment {payment.pk}: the pay call's outcome is unknown ({exc}); check Prolific, "
            f"then run prolific_pay_bonuses --confirm-paid {payment.pk} or "
            f"--mark-unpaid {payment.pk}"
        ) from exc
    _mark_paid(payment.pk)
    payment.refresh_from_db()
    return PaymentResult(
        payment, True, f"paid {payment.lines.count()} {payment.kind} payments, "
        f"{payment.total_gbp} GBP (set-up {payment.setup_id})"
    )


def _mark_paid(payment_id: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        BonusPayment.objects.filter(pk=payment_id).update(
            state=PaymentState.PAID, paid_at=now, error="", updated_at=now
        )
        Participant.objects.filter(
            bonus_lines__payment_id=payment_id, bonus_lines__kind=BonusKind.BONUS
        ).update(bonus_paid_at=now)


def confirm_paid(payment_id: int) -> BonusPayment:
    """The researcher checked on Prolific that a ``paying`` payment went through."""
    payment = BonusPayment.objects.get(pk=payment_id)
    if payment.state != PaymentState.PAYING:
        raise PaymentRefused(f"payment {payment_id} is {payment.state}, not paying")
    _mark_paid(payment_id)
    payment.refresh_from_db()
    return payment


def mark_unpaid(payment_id: int) -> BonusPayment:
    """The researcher checked on Prolific that a ``paying`` payment was NOT made: allow a retry."""
    updated = BonusPayment.objects.filter(pk=payment_id, state=PaymentState.PAYING).update(
        state=PaymentState.CREATED, updated_at=timezone.now()
    )
    if updated != 1:
        raise PaymentRefused(f"payment {payment_id} is not in state paying")
    return BonusPayment.objects.get(pk=payment_id)
