"""Keep our participants in step with their Prolific submissions, and approve completed ones.

* RETURNED and TIMED-OUT submissions free their slot: an ``active`` participant of ours is ended
  as ``returned`` / ``timed_out`` through the flow's ``end_session`` (so assignment stops counting
  them, the partial payment owed is settled, and an Event says why).
* A session with no Prolific submission (an invented PROLIFIC_PID, e.g.) is released once it is
  older than the spec's ``prolific.unmatched_grace_minutes``: it frees its slot and is flagged.
* Screened-out submissions are screened out on Prolific with their partial payment
  (:mod:`.screenouts`), and places are raised until every condition can reach its target
  (:mod:`.places`).
* Timed-out sessions whose submission is AWAITING REVIEW are asked to return it, the way
  Prolific documents for a submission that did only part of the study (:mod:`.returns`).
* Approvals are only sent for participants who completed with us AND whose submission is
  AWAITING REVIEW; a submission still ACTIVE is retried on the next poll; screened-out, returned,
  timed-out or rejected submissions are never approved.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction

from studies import clock
from studies.models import Participant, Review, Status, Study
from studies.runtime import spec_of
from studies.sessions import end_session

from . import returns, screenouts
from .client import ProlificClient, Submission, SubmissionStatus
from .errors import ProlificAPIError
from .places import PlacesLedger, ledger, raise_places

FREES_SLOT = {
    SubmissionStatus.RETURNED: Status.RETURNED,
    SubmissionStatus.TIMED_OUT: Status.TIMED_OUT,
}


@dataclass
class SyncResult:
    submissions: int = 0
    freed: Counter = field(default_factory=Counter)
    approved: int = 0
    waiting: int = 0  # completed with us, still ACTIVE on Prolific: approve later
    not_approvable: Counter = field(default_factory=Counter)
    unmatched: int = 0
    released: int = 0
    screen_out_errors: list[str] = field(default_factory=list)
    returns_requested: int = 0
    timed_out_still_active: int = 0  # Prolific's maximum_allowed_time will time them out
    return_errors: list[str] = field(default_factory=list)
    places: PlacesLedger | None = None
    places_raised_to: int | None = None

    def summary(self) -> str:
        freed = ", ".join(f"{n} {s}" for s, n in sorted(self.freed.items())) or "none"
        refused = ", ".join(f"{n} {s}" for s, n in sorted(self.not_approvable.items()))
        return (
            f"{self.submissions} submissions; slots freed: {freed}; approved {self.approved}, "
            f"waiting {self.waiting}" + (f", never approved: {refused}" if refused else "")
            + (f"; {self.unmatched} without a participant here" if self.unmatched else "")
            + (f"; {self.released} sessions without a submission released" if self.released
               else "")
            + (f"; places raised to {self.places_raised_to}" if self.places_raised_to else "")
            + (f"; places capped at {self.places.cap} (want {self.places.wanted})"
               if self.places and self.places.capped else "")
            + (f"; {self.returns_requested} timed-out submissions asked to return"
               if self.returns_requested else "")
            + (f"; {self.timed_out_still_active} timed out here, still ACTIVE on Prolific"
               if self.timed_out_still_active else "")
            + "".join(f"; {e}" for e in self.screen_out_errors + self.return_errors)
        )


def _match(study: Study, submissions: list[Submission]) -> dict[int, Submission]:
    """Participant pk -> its submission (by session id = submission id, else latest attempt)."""
    by_session = {s.id: s for s in submissions}
    by_pid = {s.participant_id: s for s in submissions}
    matched: dict[int, Submission] = {}
    participants = Participant.objects.real().filter(study=study).order_by("prolific_pid",
                                                                          "attempt")
    for p in participants:
        sub = by_session.get(p.prolific_session_id) or by_pid.get(p.prolific_pid)
        if sub is not None:
            matched[p.pk] = sub  # later attempts overwrite earlier ones for a PID-only match
    return matched


def sync_study(study: Study, *, client: ProlificClient, approve=True) -> SyncResult:
    """One poll of one study: update statuses, free slots, approve what can be approved."""
    result = SyncResult()
    if not study.prolific_study_id:
        return result
    submissions = client.list_submissions(study.prolific_study_id)
    result.submissions = len(submissions)
    matched = _match(study, submissions)
    known = {sub.id for sub in matched.values()}
    result.unmatched = sum(1 for s in submissions if s.id not in known)
    for participant in Participant.objects.filter(pk__in=matched).order_by("id"):
        sub = matched[participant.pk]
        _apply_status(participant, sub, result)
        if approve:
            _approve(participant, sub, client, result)
    result.released = release_unmatched(study, matched)
    result.screen_out_errors = screenouts.resolve(study, matched, client=client)
    returned = returns.resolve(study, matched, client=client)
    result.returns_requested = returned.requested
    result.timed_out_still_active = returned.prolific_times_out
    result.return_errors = returned.errors
    result.places = ledger(study)
    result.places_raised_to = raise_places(study, result.places, client=client)
    return result


def release_unmatched(study: Study, matched: dict[int, Submission]) -> int:
    """End active sessions that Prolific has no submission for after the grace period."""
    grace = spec_of(study).prolific.unmatched_grace_minutes
    cutoff = clock.now() - timedelta(minutes=grace)
    stale = Participant.objects.real().filter(study=study, status=Status.ACTIVE,
                                            started_at__lt=cutoff) \
        .exclude(pk__in=matched).values_list("pk", flat=True)
    released = 0
    for pk in list(stale):
        with transaction.atomic():
            p = Participant.objects.select_for_update(of=("self",)) \
                .select_related("study", "condition").get(pk=pk)
            if p.status != Status.ACTIVE:
                continue
            step = spec_of(study).step(p.step_index, p.condition.name if p.condition else None)
            end_session(p, Status.RELEASED, f"no Prolific submission after {grace:g} minutes "
                        "(invented or mistyped PROLIFIC_PID?)", step_id=step.id)
            released += 1
    return released


def _apply_status(participant: Participant, sub: Submission, result: SyncResult) -> None:
    new_status = FREES_SLOT.get(sub.status)
    with transaction.atomic():
        p = Participant.objects.select_for_update(of=("self",)) \
            .select_related("study", "condition").get(pk=participant.pk)
        if p.prolific_status != sub.status:
            p.prolific_status = sub.status
            p.save(update_fields=["prolific_status"])
        if new_status and p.status == Status.ACTIVE:
            spec = spec_of(p.study)
            step = spec.step(p.step_index, p.condition.name if p.condition else None)
            # the flow's own ending: status, code, payment owed (settle) and a STATUS Event
            end_session(p, new_status, f"Prolific submission {sub.status}", step_id=step.id)
            result.freed[new_status.value] += 1
    participant.refresh_from_db()


def _approve(participant: Participant, sub: Submission, client, result: SyncResult) -> None:
    if participant.status != Status.COMPLETED or participant.review != Review.PENDING:
        return
    if sub.status == SubmissionStatus.APPROVED:
        Participant.objects.filter(pk=participant.pk).update(review=Review.APPROVED)
        return
    if sub.status in (SubmissionStatus.ACTIVE, SubmissionStatus.RESERVED):
        result.waiting += 1  # the participant has not submitted on Prolific yet: next poll
        return
    if sub.status != SubmissionStatus.AWAITING_REVIEW:
        result.not_approvable[sub.status] += 1
        return
    try:
        approved = client.approve_submission(sub.id)
    except ProlificAPIError as exc:
        if exc.status == 400:  # e.g. its status changed since we listed: next poll decides
            result.waiting += 1
            return
        raise
    Participant.objects.filter(pk=participant.pk).update(
        review=Review.APPROVED, prolific_status=approved.status or SubmissionStatus.APPROVED
    )
    result.approved += 1
