"""Timed-out sessions whose Prolific submission is still open, resolved the way Prolific documents.

A session that passes the spec's time limit here ends as ``timed_out``: its page shows the
timed-out code, and the partial payment owed for the steps done is paid as a bonus
(:mod:`.payouts`, kind ``partial``). On Prolific its submission may still be open:

* ACTIVE (the participant has not gone back to Prolific): Prolific times it out itself once the
  study's ``maximum_allowed_time`` has passed (the draft sets it a few minutes above the spec's
  time limit, :mod:`.drafts`); it becomes TIMED-OUT and Prolific reopens its place. Nothing is sent.
* AWAITING REVIEW (the participant entered the timed-out code): approving it would pay the full
  reward for an unfinished study, and a time-out is no ground for a rejection. Prolific's
  documented way for a submission that did only part of the study is to ask the participant to
  return it (``POST /submissions/{id}/request-return/`` with ``request_return_reasons``) and to
  pay the part done as a bonus. The request is sent once per participant (a ``return_request``
  Event records it; a submission whose ``return_requested`` Prolific already shows, e.g. asked
  from Prolific's own pages, is only recorded). Once returned, Prolific reopens the place and the
  places ledger stops counting it as lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from studies.models import Event, EventKind, Participant, Status, Study

from .client import ProlificClient, Submission, SubmissionStatus
from .errors import ProlificError


@dataclass
class ReturnsResult:
    requested: int = 0  # asked to return this poll
    prolific_times_out: int = 0  # still ACTIVE on Prolific: its maximum_allowed_time ends it
    errors: list[str] = field(default_factory=list)


def reasons(participant: Participant) -> list[str]:
    """What Prolific's message to the participant is built around."""
    out = ["Did not finish the study within its time limit."]
    if participant.base_pay_gbp and participant.base_pay_gbp > 0:
        out.append(f"The part you did is paid as a bonus of £{participant.base_pay_gbp}.")
    return out


def resolve(study: Study, matched: dict[int, Submission], *,
            client: ProlificClient) -> ReturnsResult:
    """Ask for the return of every timed-out session's AWAITING REVIEW submission, once."""
    result = ReturnsResult()
    asked = Event.objects.filter(study=study, kind=EventKind.RETURN_REQUESTED) \
        .values("participant_id")
    timed_out = Participant.objects.real().filter(study=study, status=Status.TIMED_OUT,
                                                  pk__in=matched).exclude(pk__in=asked)
    for p in timed_out.order_by("id"):
        sub = matched[p.pk]
        if sub.status in (SubmissionStatus.ACTIVE, SubmissionStatus.RESERVED):
            result.prolific_times_out += 1
        elif sub.status == SubmissionStatus.AWAITING_REVIEW:
            _request(p, sub, client, result)
    return result


def _request(p: Participant, sub: Submission, client, result: ReturnsResult) -> None:
    with transaction.atomic():
        locked = Participant.objects.select_for_update(of=("self",)).get(pk=p.pk)
        if Event.objects.filter(participant=locked, kind=EventKind.RETURN_REQUESTED).exists():
            return  # another poll asked meanwhile
        data = {"submission": sub.id}
        if sub.return_requested:
            data["asked_on_prolific_at"] = sub.return_requested  # nothing to send
        else:
            sent = reasons(locked)
            try:
                client.request_return(sub.id, sent)
            except ProlificError as exc:  # nothing recorded: the next poll asks again
                result.errors.append(f"return request for submission {sub.id}: {exc}")
                return
            data["reasons"] = sent
            result.requested += 1
        Event.objects.create(study_id=locked.study_id, participant=locked,
                             kind=EventKind.RETURN_REQUESTED, step=locked.screened_step,
                             data=data)
