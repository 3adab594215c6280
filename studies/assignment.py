"""Entry of a Prolific participant: one attempt per ID, block list, balanced assignment.

Arrivals of one study are serialised by a row lock on the Study, so concurrent arrivals cannot
overfill a condition. The lock is ``FOR NO KEY UPDATE`` (``select_for_update(no_key=True)``): it
excludes other arrivals but not the ``FOR KEY SHARE`` that every insert referencing the study
(another participant's Event, Response or Participant row) takes to check its foreign key, so
the rest of the study does not wait while an arrival is assigned. A slot is held by every active session and by
every completed one that was not rejected; screened-out, withdrawn, returned and timed-out
sessions free theirs. The least-filled open condition wins; ties are broken by a random draw
seeded with the study seed and the number of sessions so far (reproducible).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q

from .models import BlockEntry, Condition, Event, EventKind, Participant, Review, Status, Study
from .readiness import problems as readiness_problems
from .runtime import spec_of
from .sessions import block_list_add, expire_stale


@dataclass(frozen=True)
class ProlificIds:
    pid: str
    study_id: str = ""
    session_id: str = ""


@dataclass(frozen=True)
class Entry:
    participant: Participant | None
    refusal: str = ""  # key of a polite refusal page
    resumed: bool = False


REAL = Q(participants__pilot=False)  # pilot sessions never hold a slot nor count toward a target
HOLDS_SLOT = REAL & (Q(participants__status=Status.ACTIVE) | (
    Q(participants__status=Status.COMPLETED) & ~Q(participants__review=Review.REJECTED)))
COMPLETED = REAL & Q(participants__status=Status.COMPLETED) & \
    ~Q(participants__review=Review.REJECTED)


def fill(study: Study):
    """Conditions annotated with ``held`` (active + valid completed) and ``done`` (valid completed)."""
    return study.conditions.annotate(held=Count("participants", filter=HOLDS_SLOT),
                                     done=Count("participants", filter=COMPLETED))


def choose(study: Study, n_sessions: int) -> tuple[Condition | None, int]:
    """The least-filled open condition and its least-used variant (None when all are full)."""
    spec = spec_of(study)
    rng = random.Random(f"{study.seed}:{n_sessions}")
    open_ = [c for c in fill(study) if c.held < c.target]
    if not open_:
        return None, 0
    low = min(c.held for c in open_)
    condition = rng.choice(sorted((c for c in open_ if c.held == low), key=lambda c: c.position))
    variants = spec.condition(condition.name).variants
    used = dict(Participant.objects.real().filter(condition=condition).filter(
        Q(status=Status.ACTIVE) | Q(status=Status.COMPLETED)).values_list("variant")
        .annotate(n=Count("id")))
    least = min(used.get(v, 0) for v in variants)
    return condition, rng.choice([v for v in variants if used.get(v, 0) == least])


def _refuse(study: Study, ids: ProlificIds, reason: str) -> Entry:
    Event.objects.create(study=study, kind=EventKind.REFUSED,
                         data={"pid": ids.pid, "reason": reason})
    return Entry(None, reason)


def _returning(study, ids, token, previous: Participant) -> Entry | None:
    """The same person back (their browser's cookie, or Prolific's SESSION_ID of the same
    submission) resumes an active session or sees the final page of an ended one, with its
    code again; anyone else with that PROLIFIC_PID is refused."""
    same = token == previous.token or bool(ids.session_id and
                                           ids.session_id == previous.prolific_session_id)
    if previous.status == Status.ACTIVE:
        return Entry(previous, resumed=True) if same else _refuse(study, ids, "elsewhere")
    if previous.status == Status.FULL or previous.retake_allowed:
        return None
    return Entry(previous, resumed=True) if same else _refuse(study, ids, "already")


def enter(study: Study, ids: ProlificIds, token: str = "") -> Entry:
    """Resume, refuse or assign; every decision inside one transaction holding the study lock."""
    with transaction.atomic():
        study = Study.objects.select_for_update(no_key=True).get(pk=study.pk)
        expire_stale(study)
        previous = Participant.objects.real().filter(study=study, prolific_pid=ids.pid) \
            .select_related("condition").order_by("-attempt").first()
        if previous is not None:
            entry = _returning(study, ids, token, previous)
            if entry is not None:
                return entry
        spec = spec_of(study)
        if spec.block_list and spec.block_list.refuse_listed and BlockEntry.objects.filter(
                list_name=spec.block_list.name, prolific_pid=ids.pid).exclude(
                source_study=study.slug).exists():
            return _refuse(study, ids, "blocked")
        if not study.accepting:
            return _refuse(study, ids, "closed")
        if readiness_problems(study):
            return _refuse(study, ids, "not_ready")
        condition, variant = choose(study, study.participants.real().exclude(
            status=Status.FULL).count())
        if condition is None:
            if previous is None:
                Participant.objects.create(study=study, prolific_pid=ids.pid,
                                           prolific_study_id=ids.study_id,
                                           prolific_session_id=ids.session_id,
                                           status=Status.FULL, end_reason="study full")
            return _refuse(study, ids, "full")
        return Entry(_create(study, ids, condition, variant, previous))


def _create(study, ids, condition, variant, previous: Participant | None) -> Participant:
    fields = {"condition": condition, "variant": variant, "prolific_study_id": ids.study_id,
              "prolific_session_id": ids.session_id}
    if previous is not None and previous.status == Status.FULL:
        for name, value in fields.items():
            setattr(previous, name, value)
        previous.status, previous.end_reason = Status.ACTIVE, ""
        from . import clock

        previous.started_at = previous.last_seen_at = clock.now()
        previous.save()
        participant = previous
    else:
        attempt = previous.attempt + 1 if previous is not None else 1
        participant = Participant.objects.create(study=study, prolific_pid=ids.pid,
                                                 attempt=attempt, **fields)
    block_list_add(study, ids.pid)
    Event.objects.create(study=study, participant=participant, kind=EventKind.ENTER,
                         data={"condition": condition.name, "variant": variant,
                               "attempt": participant.attempt})
    return participant
