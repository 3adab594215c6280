"""Simple rule-based flags for the dashboard (the preregistered exclusions live in analysis/).

Each rule looks at one participant's stored data and returns a reason or None.
"""

from __future__ import annotations

from collections import Counter

from .export_contract import ItemType, TrialKind
from .models import EventKind, Participant, Status

MIN_DISTINCT_JUSTIFICATIONS = 3  # fewer distinct texts over five attributes looks copied
MAX_FOCUS_LOSSES = 10


def _copied(p: Participant, answers, events) -> str | None:
    texts = [r.justification.strip().lower() for r in answers if r.item_type == ItemType.RELEVANCE]
    if len(texts) >= 3 and len(set(texts)) < MIN_DISTINCT_JUSTIFICATIONS:
        return f"justifications copied ({len(set(texts))} distinct of {len(texts)})"
    return None


def _gate(p: Participant, answers, events) -> str | None:
    return f"failed a comprehension gate {p.gate_failures}x" if p.gate_failures else None


def _focus(p: Participant, answers, events) -> str | None:
    lost = events[EventKind.FOCUS_LOST]
    return f"left the page {lost} times" if lost > MAX_FOCUS_LOSSES else None


def _catch(p: Participant, answers, events) -> str | None:
    missed = sum(r.correct is False for r in answers if r.trial_kind == TrialKind.CATCH)
    return f"missed {missed} catch trial(s)" if missed else None


def _rejected_posts(p: Participant, answers, events) -> str | None:
    n = events[EventKind.REJECTED]
    return f"{n} stale or forged submissions" if n >= 3 else None


RULES = (_copied, _gate, _focus, _catch, _rejected_posts)


def flags(study) -> list[dict]:
    out = []
    participants = (Participant.objects.real().filter(study=study)
                    .exclude(status__in=[Status.FULL, Status.WITHDRAWN])
                    .select_related("condition").prefetch_related("responses"))
    event_counts: dict[int, Counter] = {}
    for pid, kind in study.events.filter(
            kind__in=[EventKind.FOCUS_LOST, EventKind.REJECTED]).values_list(
            "participant_id", "kind"):
        event_counts.setdefault(pid, Counter())[kind] += 1
    for p in participants:
        answers = list(p.responses.all())
        reasons = [r for rule in RULES
                   if (r := rule(p, answers, event_counts.get(p.pk, Counter())))]
        if p.status in (Status.SCREENED_OUT, Status.TIMED_OUT, Status.RETURNED, Status.RELEASED):
            reasons.insert(0, f"{p.get_status_display()}: {p.end_reason}")
        if reasons:
            out.append({"participant": str(p.public_id), "pid": p.prolific_pid,
                        "condition": p.condition.name if p.condition else "",
                        "status": p.status, "reasons": reasons})
    return out
