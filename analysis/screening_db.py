"""What the screening pages show and count: the free text of completed sessions from the export
(``studies.exports.free_text``) and the annotations stored here, both keyed by the export's
participant id (Contract 4 ``participant``), so that exclusions match the analysed rows."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from studies.exports import free_text, participant_key

from . import screening
from .models import Annotation, ScreeningDecision


@dataclass(frozen=True)
class Screened:
    """One completed session on the screening pages: its export id, condition and
    (item, response, justification) of its free-text answers."""

    key: str
    condition: str
    answers: list[tuple[str, str, str]]


def completed(study) -> list[Screened]:
    """The completed sessions in the order they started, with their free-text answers."""
    frame = free_text(study)
    out = []
    for key, rows in frame.groupby("participant", sort=False):
        answers = [(r.item, r.response, r.justification) for r in rows.itertuples()
                   if r.item_type]
        out.append(Screened(str(key), str(rows["condition"].iloc[0]), answers))
    return out


def annotations(study) -> dict[str, list[Annotation]]:
    """export id -> the annotations of that session."""
    out: dict[str, list[Annotation]] = {}
    for a in (Annotation.objects.filter(participant__study=study)
              .select_related("participant", "annotator").order_by("id")):
        out.setdefault(participant_key(a.participant), []).append(a)
    return out


def decisions(study) -> dict[str, ScreeningDecision]:
    """export id -> the settled decision of that session."""
    return {participant_key(d.participant): d for d in
            ScreeningDecision.objects.filter(participant__study=study).select_related("participant")}


def summary(study) -> dict:
    rows = [{"participant": key, "annotator": a.annotator.get_username(), "label": a.label}
            for key, marks in annotations(study).items() for a in marks]
    settled = [{"participant": key, "label": d.label} for key, d in decisions(study).items()]
    if not rows:
        return {"annotators": [], "kappas": {}, "kappa": None, "kappa_notes": [], "n_rated": 0,
                "disagreements": [], "unsettled": [], "excluded": [
                    d["participant"] for d in settled if d["label"] == "exclude"]}
    return screening.summarize(pd.DataFrame(rows), pd.DataFrame(settled or None,
                               columns=["participant", "label"]))
