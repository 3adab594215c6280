"""Files to upload to Prolific: bonus payments (``PID,amount``, no header, GBP with two
decimals, only positive bonuses of approved participants), participants to approve and those
screened out (one Prolific ID per line)."""

from __future__ import annotations

from ..models import Participant, Review, Status, Study


def bonus_file(study: Study) -> str:
    rows = (Participant.objects.real().filter(study=study, status=Status.COMPLETED,
                                       review=Review.APPROVED, bonus_gbp__gt=0)
            .order_by("id").values_list("prolific_pid", "bonus_gbp"))
    return "".join(f"{pid},{amount:.2f}\n" for pid, amount in rows)


def approve_list(study: Study) -> str:
    """Completed sessions not rejected by the researcher."""
    pids = (Participant.objects.real().filter(study=study, status=Status.COMPLETED)
            .exclude(review=Review.REJECTED).order_by("id").values_list("prolific_pid", flat=True))
    return "".join(f"{pid}\n" for pid in pids)


def screen_out_list(study: Study) -> str:
    pids = (Participant.objects.real().filter(study=study, status=Status.SCREENED_OUT)
            .order_by("id").values_list("prolific_pid", flat=True))
    return "".join(f"{pid}\n" for pid in pids)
