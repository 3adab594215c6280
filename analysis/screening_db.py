"""Database queries behind the screening pages (kept out of the views)."""

from __future__ import annotations

import pandas as pd

from studies.models import Participant, Status

from . import screening
from .models import Annotation, ScreeningDecision


def completed(study):
    return (Participant.objects.real().filter(study=study, status=Status.COMPLETED)
            .select_related("condition").prefetch_related("responses").order_by("started_at", "id"))


def justifications(participant) -> list[tuple[str, str, str]]:
    """(item, response, justification) of the free-text answered items."""
    return [(r.item, r.response, r.justification) for r in participant.responses.all()
            if r.justification or r.item_type == "free_text"]


def participant_key(participant) -> str:
    """The id the tidy export uses for a participant (Contract 4 'participant')."""
    return str(participant.public_id)


def summary(study) -> dict:
    rows = [{"participant": participant_key(a.participant), "annotator": a.annotator.get_username(),
             "label": a.label}
            for a in Annotation.objects.filter(participant__study=study)
            .select_related("participant", "annotator")]
    decisions = [{"participant": participant_key(d.participant), "label": d.label}
                 for d in ScreeningDecision.objects.filter(participant__study=study)
                 .select_related("participant")]
    if not rows:
        return {"annotators": [], "kappas": {}, "kappa": None, "kappa_notes": [], "n_rated": 0,
                "disagreements": [], "unsettled": [], "excluded": [
                    d["participant"] for d in decisions if d["label"] == "exclude"]}
    return screening.summarize(pd.DataFrame(rows), pd.DataFrame(decisions or None,
                               columns=["participant", "label"]))
