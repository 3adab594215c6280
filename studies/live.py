"""The dashboard's live view of a running study, from the studies' own records (pilot sessions
left out): the completion funnel, time per step, failures per comprehension gate and, unless the
spec blinds them (``blind_outcomes``), outcome accuracies by condition. The preregistered
exclusions are counted by the analysis layer on the tidy export (``analysis:live-exclusions``)."""

from __future__ import annotations

import pandas as pd
from django.db.models import Max

from .export_contract import SCORED_ITEM_TYPES, UNSCORED_TRIAL_KINDS, ItemType
from .models import Event, EventKind, Participant, Response, Status, Study
from .runtime import spec_of
from .spec.steps import ComprehensionGateSpec

ENDED = (Status.SCREENED_OUT, Status.WITHDRAWN, Status.TIMED_OUT, Status.RETURNED)
OUTCOME_ITEMS = SCORED_ITEM_TYPES  # answers with a key that the study measures
LEAVING = ("Next", "GoTo", "ScreenOut", "Decline")  # outcomes that end a visit of a step


def live_view(study: Study) -> dict:
    spec = spec_of(study)
    real = Participant.objects.real().filter(study=study).exclude(status=Status.FULL)
    return {"steps": _steps(study, spec, real), "gates": _gates(spec, real),
            "accuracy": None if spec.blind_outcomes else _accuracy(real),
            "blinded": spec.blind_outcomes}


def _steps(study, spec, real) -> list[dict]:
    """Per step: participants who reached it, who ended there, and the median seconds spent."""
    furthest = dict(Event.objects.filter(participant__in=real, kind=EventKind.PAGE_VIEW)
                    .values_list("participant").annotate(m=Max("step_index")))
    last = len(spec.steps) - 1
    for pk, index, status in real.values_list("pk", "step_index", "status"):
        furthest[pk] = last if status == Status.COMPLETED else max(furthest.get(pk, 0), index)
    ended = pd.Series(list(real.filter(status__in=ENDED).values_list("screened_step", flat=True)),
                      dtype=object).value_counts()
    seconds = _seconds_per_step(real)
    rows = []
    for i, step in enumerate(spec.steps):
        spent = seconds.get(step.id)
        rows.append({"index": i + 1, "step": step.id, "type": step.type,
                     "reached": sum(m >= i for m in furthest.values()),
                     "ended_here": int(ended.get(step.id, 0)),
                     "timed": 0 if spent is None else len(spent),
                     "median_s": None if spent is None else round(float(spent.median()), 1)})
    return rows


def _seconds_per_step(real) -> dict[str, pd.Series]:
    """step id -> seconds per participant on it (all visits added), from the stored submits."""
    rows = Event.objects.filter(participant__in=real, kind=EventKind.SUBMIT,
                                data__outcome__in=LEAVING, data__has_key="elapsed_s") \
        .values_list("participant_id", "step", "data__elapsed_s")
    frame = pd.DataFrame(list(rows), columns=["participant", "step", "seconds"])
    if frame.empty:
        return {}
    per = frame.astype({"seconds": float}).groupby(["step", "participant"])["seconds"].sum()
    return {step: group for step, group in per.groupby(level="step")}


def _gates(spec, real) -> list[dict]:
    """Per comprehension gate: attempts, failed attempts, participants screened out there."""
    gates = [s for s in spec.steps if isinstance(s, ComprehensionGateSpec)]
    rows = Response.objects.filter(participant__in=real, item_type=ItemType.COMPREHENSION) \
        .values_list("participant_id", "step", "round", "correct")
    frame = pd.DataFrame(list(rows), columns=["participant", "step", "round", "correct"])
    attempts = frame.groupby(["step", "participant", "round"])["correct"].all() \
        if len(frame) else pd.Series(dtype=bool)
    out_there = pd.Series(list(real.filter(status=Status.SCREENED_OUT)
                               .values_list("screened_step", flat=True)), dtype=object)
    out = []
    for gate in gates:
        mine = attempts[attempts.index.get_level_values("step") == gate.id] \
            if len(attempts) else attempts
        out.append({"step": gate.id, "attempts": int(len(mine)), "failed": int((~mine).sum()),
                    "screened_out": int((out_there == gate.id).sum())})
    return out


def _accuracy(real) -> list[dict]:
    """Per condition: completed participants and their mean share of correct outcome answers."""
    rows = Response.objects.filter(participant__in=real.filter(status=Status.COMPLETED),
                                   item_type__in=OUTCOME_ITEMS, correct__isnull=False) \
        .exclude(trial_kind__in=UNSCORED_TRIAL_KINDS) \
        .values_list("participant__condition__name", "participant_id", "correct")
    frame = pd.DataFrame(list(rows), columns=["condition", "participant", "correct"])
    if frame.empty:
        return []
    per = frame.astype({"correct": float}).groupby(["condition", "participant"])["correct"].mean()
    return [{"condition": c, "n": int(len(g)), "accuracy": round(float(g.mean()), 3)}
            for c, g in per.groupby(level="condition")]

