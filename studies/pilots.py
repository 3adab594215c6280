"""Pilot sessions: a researcher (staff login) or a reviewer (signed preview link) walks the study
as a participant would, and may jump to any step. A pilot takes no slot, counts toward no
condition target, is never paid, block-listed or sent to Prolific, does not lock the
preregistration, and is left out of exports unless they are asked for (``include_pilot``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core import signing
from django.db import transaction

from . import clock
from .models import Event, EventKind, Participant, Status, Study
from .readiness import problems
from .runtime import spec_of
from .spec.steps import CompletionSpec

PREVIEW_SALT = "studies.preview"
PREVIEW_MAX_AGE_S = 14 * 24 * 3600
PREVIEW_BY = "preview link"


class PilotError(ValueError):
    """A pilot cannot start or jump; the message says why."""


@dataclass(frozen=True)
class JumpTarget:
    index: int
    id: str
    title: str
    type: str


def pilot_pid() -> str:
    """A made-up ID that can never match a Prolific ID (those are 24 hexadecimal characters)."""
    return "pilot-" + secrets.token_hex(9)


def start_pilot(study: Study, condition: str, *, by: str) -> Participant:
    spec = spec_of(study)
    chosen = spec.condition(condition)
    if chosen is None:
        names = ", ".join(c.name for c in spec.conditions)
        raise PilotError(f"condition {condition!r} is not one of this study's ({names})")
    missing = problems(study)
    if missing:
        raise PilotError(f"the study is not ready for a pilot: {missing[0]}"
                         + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    p = Participant.objects.create(study=study, prolific_pid=pilot_pid(), pilot=True,
                                   pilot_by=by[:150],
                                   condition=study.conditions.get(name=chosen.name),
                                   variant=chosen.variants[0])
    Event.objects.create(study=study, participant=p, kind=EventKind.PILOT,
                         data={"started_by": p.pilot_by, "condition": chosen.name})
    return p


def jump_targets(p: Participant) -> list[JumpTarget]:
    """Every step of the pilot's condition but the completion step (reached by finishing)."""
    spec = spec_of(p.study)
    cond = p.condition.name if p.condition else None
    steps = [spec.step(i, cond) for i in range(len(spec.steps))]
    return [JumpTarget(s.index, s.id, s.title or s.id, s.type) for s in steps
            if not isinstance(s, CompletionSpec)]


def jump(p: Participant, raw_index: str) -> JumpTarget:
    """Move a pilot to step ``raw_index`` (reopening an ended pilot); its clocks restart."""
    targets = {str(t.index): t for t in jump_targets(p)}
    if raw_index not in targets:
        raise PilotError(f"there is no step {raw_index[:20]!r} to jump to")
    target = targets[raw_index]
    with transaction.atomic():
        locked = Participant.objects.select_for_update(of=("self",)).get(pk=p.pk, pilot=True)
        now = clock.now()
        if locked.status != Status.ACTIVE:
            locked.started_at = now
        locked.status, locked.end_reason, locked.ended_at = Status.ACTIVE, "", None
        locked.completed_at, locked.completion_code = None, ""
        locked.step_index, locked.step_started_at = target.index, None
        locked.page_nonce, locked.last_seen_at = "", now
        locked.save()
        Event.objects.create(study_id=locked.study_id, participant=locked, kind=EventKind.PILOT,
                             step=target.id, step_index=target.index, data={"jump": target.id})
    return target


def preview_token(study: Study, condition: str) -> str:
    return signing.dumps({"study": study.slug, "condition": condition}, salt=PREVIEW_SALT)


def read_preview_token(study: Study, token: str) -> str:
    """The condition a valid preview link of ``study`` names; PilotError otherwise."""
    try:
        data = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE_S)
    except signing.SignatureExpired:
        raise PilotError("this preview link has expired; ask the researcher for a new one") \
            from None
    except signing.BadSignature:
        raise PilotError("this preview link is not valid") from None
    if data.get("study") != study.slug:
        raise PilotError("this preview link belongs to another study")
    return data["condition"]
