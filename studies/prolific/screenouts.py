"""Screened-out submissions resolved on Prolific with their partial payment.

Prolific's custom-screening studies end a screen-out with ``POST
/studies/{id}/screen-out-submissions/`` (``submission_ids``, ``bonus_per_submission``): the
submissions become SCREENED OUT and each is paid that amount. Our partial payments differ by the
step where the session ended (D.2 point 7), so one call is made per amount. The call is not
idempotent, so, as for bonuses, the ledger (:class:`BonusPayment` of kind ``screen_out``, one
live :class:`BonusLine` per participant) is written before it and the payment is claimed
(``created -> paying``) before it is sent; a call whose outcome is unknown stays ``paying`` and
is never repeated automatically (``prolific_pay_bonuses --confirm-paid / --mark-unpaid``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from studies.models import Participant, Status, Study

from .client import ProlificClient, Submission, SubmissionStatus
from .errors import ProlificAPIError, ProlificError
from .models import BonusKind, BonusLine, BonusPayment, PaymentState

RESOLVABLE = {SubmissionStatus.ACTIVE, SubmissionStatus.AWAITING_REVIEW}


def due(study: Study, matched: dict[int, Submission]) -> dict[Decimal, list[tuple]]:
    """Amount -> [(participant, submission id)] of screened-out sessions not yet resolved."""
    covered = BonusLine.objects.filter(kind=BonusKind.SCREEN_OUT, live=True) \
        .values("participant_id")
    groups: dict[Decimal, list[tuple]] = defaultdict(list)
    for p in (Participant.objects.real()
              .filter(study=study, status=Status.SCREENED_OUT, pk__in=matched)
              .exclude(pk__in=covered).order_by("id")):
        sub = matched[p.pk]
        if sub.status in RESOLVABLE:
            groups[p.base_pay_gbp].append((p, sub.id))
    return dict(groups)


def resolve(study: Study, matched: dict[int, Submission], *, client: ProlificClient) -> list[str]:
    """Screen out every resolvable screened-out submission; messages of what failed."""
    errors = []
    for unpaid in BonusPayment.objects.filter(study=study, kind=BonusKind.SCREEN_OUT,
                                              state=PaymentState.CREATED):  # --mark-unpaid
        with transaction.atomic():
            unpaid.state = PaymentState.FAILED
            unpaid.save(update_fields=["state", "updated_at"])
            unpaid.lines.update(live=False)  # owed again: the next call screens them out
    if BonusPayment.objects.filter(study=study, kind=BonusKind.SCREEN_OUT,
                                   state=PaymentState.PAYING).exists():
        return ["a screen-out call's outcome is unknown; check Prolific, then run "
                "prolific_pay_bonuses --confirm-paid ID or --mark-unpaid ID"]
    for amount, rows in sorted(due(study, matched).items()):
        try:
            _screen_out(study, amount, rows, client)
        except (ProlificError, IntegrityError) as exc:
            errors.append(f"screen-out of {len(rows)} at {amount} GBP: {exc}")
    return errors


def _screen_out(study: Study, amount: Decimal, rows: list[tuple], client) -> None:
    csv = "\n".join(f"{sub_id},{amount}" for _, sub_id in rows)
    with transaction.atomic():
        payment = BonusPayment.objects.create(
            study=study, prolific_study_id=study.prolific_study_id, kind=BonusKind.SCREEN_OUT,
            csv=csv, csv_sha256=hashlib.sha256(csv.encode()).hexdigest(),
            total_gbp=amount * len(rows), state=PaymentState.PAYING, setup_id="screen-out")
        BonusLine.objects.bulk_create(
            BonusLine(payment=payment, participant=p, prolific_pid=p.prolific_pid,
                      kind=BonusKind.SCREEN_OUT, amount_gbp=amount) for p, _ in rows)
    try:
        client.screen_out(study.prolific_study_id, [sub_id for _, sub_id in rows], amount)
    except ProlificAPIError as exc:  # refused: nothing was done, the lines are owed again
        with transaction.atomic():
            BonusPayment.objects.filter(pk=payment.pk).update(
                state=PaymentState.FAILED, error=str(exc)[:4000], updated_at=timezone.now())
            payment.lines.update(live=False)
        raise
    except ProlificError as exc:  # outcome unknown: stays "paying"
        BonusPayment.objects.filter(pk=payment.pk).update(error=str(exc)[:4000])
        raise
    now = timezone.now()
    BonusPayment.objects.filter(pk=payment.pk).update(state=PaymentState.PAID, paid_at=now,
                                                      updated_at=now)
    Participant.objects.filter(pk__in=[p.pk for p, _ in rows]).update(
        prolific_status=SubmissionStatus.SCREENED_OUT)
