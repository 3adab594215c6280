"""Ending a session: status, code, payment, block list and an Event, in one place."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from . import clock
from .amounts_owed import settle
from .models import BlockEntry, Event, EventKind, Participant, Status, Study
from .runtime import spec_of

CODE_OF_STATUS = {
    Status.COMPLETED: "completion",
    Status.SCREENED_OUT: "screened_out",
    Status.WITHDRAWN: "no_consent",
    Status.TIMED_OUT: "timed_out",
    Status.RETURNED: "no_consent",
    Status.RELEASED: "no_consent",
}


def end_session(participant: Participant, status: Status, reason: str, *, code_kind: str = "",
                step_id: str = "") -> None:
    """Move an active participant (locked by the caller) to a final status and save it."""
    spec = spec_of(participant.study)
    now = clock.now()
    old = participant.status
    participant.status = status
    participant.end_reason = reason[:200]
    participant.ended_at = now
    participant.screened_step = step_id or participant.screened_step
    if status == Status.COMPLETED:
        participant.completed_at = now
    participant.completion_code = spec.code(code_kind or CODE_OF_STATUS[status])
    if not participant.pilot:  # a pilot is owed nothing
        settle(spec, participant)
    participant.page_nonce = ""
    participant.save()
    Event.objects.create(study_id=participant.study_id, participant=participant,
                         kind=EventKind.STATUS, step=step_id,
                         data={"from": old, "to": status, "reason": reason})


def block_list_add(study: Study, pid: str) -> None:
    spec = spec_of(study)
    if spec.block_list and spec.block_list.add_participants:
        BlockEntry.objects.get_or_create(list_name=spec.block_list.name, prolific_pid=pid,
                                         defaults={"source_study": study.slug,
                                                   "reason": f"took part in {study.slug}"})


def time_out_reason(participant: Participant, now=None) -> str:
    """Why an active participant is past a time limit ('' when not)."""
    spec = spec_of(participant.study)
    now = now or clock.now()
    if now > participant.started_at + timedelta(minutes=spec.time_limit_minutes):
        return f"overall time limit of {spec.time_limit_minutes:g} minutes passed"
    step = spec.step(participant.step_index, participant.condition and participant.condition.name)
    if step.time_limit_s and participant.step_started_at and \
            now > participant.step_started_at + timedelta(seconds=step.time_limit_s):
        return f"time limit of {step.time_limit_s:g} s on step {step.id!r} passed"
    return ""


def expire_if_due(participant: Participant) -> bool:
    """Time out a locked, active participant past a limit; True if it happened."""
    if participant.status != Status.ACTIVE:
        return False
    reason = time_out_reason(participant)
    if not reason:
        return False
    spec = spec_of(participant.study)
    cond = participant.condition.name if participant.condition else None
    end_session(participant, Status.TIMED_OUT, reason,
                step_id=spec.step(participant.step_index, cond).id)
    return True


def expire_stale(study: Study) -> int:
    """Time out every active participant of ``study`` past a limit (frees their slots). Only
    candidates are locked and checked: started before the overall limit, or on their step for
    longer than the shortest step limit (every step's version of every condition), so the work
    grows with the sessions that are due, not with all active ones (it runs on every arrival)."""
    n = 0
    spec = spec_of(study)
    now = clock.now()
    due = Q(started_at__lt=now - timedelta(minutes=spec.time_limit_minutes))
    limits = [s.time_limit_s for s in spec.steps if s.time_limit_s] + [
        s.time_limit_s for versions in spec.overrides.values() for s in versions.values()
        if s.time_limit_s]
    if limits:
        due |= Q(step_started_at__lt=now - timedelta(seconds=min(limits)))
    active = Participant.objects.filter(due, study=study, status=Status.ACTIVE)
    ids = list(active.values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            p = Participant.objects.select_for_update(of=("self",)).select_related("study", "condition") \
                .get(pk=pk)
            n += expire_if_due(p)
    return n
