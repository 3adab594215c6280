"""What a participant is owed under the spec's payment schedule (paper, Appendix D.2 point 7).

completed: ``base_pay_gbp`` = base pay, ``bonus_gbp`` = bonus per correct answer x correct answers;
screened out or timed out: ``base_pay_gbp`` = the partial payment of the step where the session
ended (Prolific pays it as a bonus), no bonus; everyone else: nothing.
"""

from __future__ import annotations

from decimal import Decimal

from .models import Participant, Status
from .spec import StudySpec

CENT = Decimal("0.01")


def settle(spec: StudySpec, participant: Participant) -> None:
    """Set ``base_pay_gbp`` and ``bonus_gbp`` from the participant's final state (not saved)."""
    pay = spec.payment
    base, bonus = Decimal("0"), Decimal("0")
    if participant.status == Status.COMPLETED:
        base = Decimal(pay.base)
        bonus = Decimal(pay.bonus_per_correct) * participant.correct_answers
    elif participant.status in (Status.SCREENED_OUT, Status.TIMED_OUT):
        base = pay.partial_for(participant.screened_step)
    participant.base_pay_gbp = base.quantize(CENT)
    participant.bonus_gbp = bonus.quantize(CENT)
