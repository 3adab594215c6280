"""Manual screening of free-text answers: agreement, disagreements and settled exclusions.

Annotators label each participant include / unsure / exclude. Agreement is Cohen's kappa
(sklearn.metrics.cohen_kappa_score) on 'include' versus the rest, as in the paper (5.3). A
participant is excluded when a settled decision says so, or when every annotator said
'exclude'; disagreements (and unanimous 'unsure') without a decision stay unsettled.
"""

from __future__ import annotations

from itertools import combinations

import pandas as pd
from sklearn.metrics import cohen_kappa_score

from .results import AnalysisError

LABELS = ("include", "unsure", "exclude")
DECISION_COLUMNS = ["participant", "label"]


def from_files(annotations: str | None, decisions: str | None) -> dict:
    """The summary of a screening kept in files (CSV ``participant,annotator,label`` and, for
    settled disagreements, ``participant,label``); ``{}`` without an annotations file."""
    from .tidy import read_table

    if not annotations:
        return {}
    settled = read_table(decisions) if decisions else pd.DataFrame(columns=DECISION_COLUMNS)
    return summarize(read_table(annotations), settled)


def summarize(annotations: pd.DataFrame, decisions: pd.DataFrame | None = None) -> dict:
    """``annotations``: participant, annotator, label; ``decisions``: participant, label."""
    for column in ("participant", "annotator", "label"):
        if column not in annotations.columns:
            raise AnalysisError(f"annotations lack the column {column!r}")
    bad = sorted(set(annotations["label"]) - set(LABELS))
    if bad:
        raise AnalysisError(f"annotation label(s) {bad} are not one of {LABELS}")
    wide = annotations.pivot_table(index="participant", columns="annotator", values="label",
                                   aggfunc="last")
    annotators = list(wide.columns)
    kappas, notes = {}, []
    for first, second in combinations(annotators, 2):
        both = wide[[first, second]].dropna()
        if len(both) >= 2:
            a, b = both[first] == "include", both[second] == "include"
            pair = f"{first} / {second}"
            if a.nunique() == 1 and b.nunique() == 1 and a.iloc[0] == b.iloc[0]:
                # chance agreement is 1, so kappa = 0/0 (sklearn: NaN): undefined, not 'perfect'
                kappas[pair] = None
                notes.append(f"{pair}: kappa undefined, both gave every one of {len(both)} "
                             f"participants the same label ({'include' if a.iloc[0] else 'not include'})")
            else:
                # sklearn semantics: two raters who disagree on everyone get kappa <= 0
                kappas[pair] = float(cohen_kappa_score(a, b, labels=[False, True]))
    decided = {} if decisions is None or decisions.empty else dict(
        zip(decisions["participant"].astype(str), decisions["label"], strict=True))
    disagreements, unsettled, excluded = [], [], []
    for participant, labels in wide.iterrows():
        labels = labels.dropna()
        distinct = set(labels)
        if len(distinct) > 1:
            disagreements.append(str(participant))
        if str(participant) in decided:
            if decided[str(participant)] == "exclude":
                excluded.append(str(participant))
        elif distinct == {"exclude"}:
            excluded.append(str(participant))
        elif len(distinct) > 1 or distinct == {"unsure"}:
            unsettled.append(str(participant))
    rated = wide.dropna(thresh=2)
    return {"annotators": [str(a) for a in annotators], "kappas": kappas,
            "kappa": next(iter(kappas.values()), None), "kappa_notes": notes,
            "n_rated": int(len(rated)),
            "disagreements": disagreements, "unsettled": unsettled, "excluded": excluded}
