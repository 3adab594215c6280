"""The explorer's action log as tidy tables: ``explorer_actions(study)`` has one row per action
(server timestamp, what was selected / previewed / mixed / interpolated, the values, the
resulting scene's ten factors and the score returned); ``explorer_summaries(actions)`` has one
row per participant and explorer step (actions of each kind, probes per factor group, time
exploring). Pilot sessions are left out unless ``include_pilot``; withdrawn participants' actions
are left out (their withdrawal is honoured), as in the tidy responses."""

from __future__ import annotations

import pandas as pd

from explainers.explorer import FACTOR_GROUPS
from explainers.synthetic import FACTORS

from ..models import ExplorerAction, ExplorerActionKind, Status, Study

SCENE_COLUMNS = [f"scene_{name}" for name in FACTORS]
ACTION_COLUMNS = [
    "study", "participant", "condition", "step", "seq", "action", "selected", "group", "source",
    "t", "score", "label", "confidence", "cached", "compute_ms", "at", "since_first_s",
    "client_ms", *SCENE_COLUMNS,
]
ACTION_DTYPES = {"seq": "Int64", "selected": "Int64", "source": "Int64", "t": "Float64",
                 "score": "Float64", "confidence": "Float64", "cached": "boolean",
                 "compute_ms": "Float64", "since_first_s": "Float64", "client_ms": "Float64"}
KINDS = list(ExplorerActionKind.values)
# a probe shows the model's score of a changed factor group: previews, mixes and interpolations
PROBES = (ExplorerActionKind.PREVIEW, ExplorerActionKind.MIX, ExplorerActionKind.INTERPOLATE)
SUMMARY_COLUMNS = [
    "study", "participant", "condition", "step", "actions", *(f"n_{k}" for k in KINDS),
    *(f"probes_{g}" for g in FACTOR_GROUPS), "scenes_selected", "explore_s",
    "first_at", "last_at",
]


def explorer_actions(study: Study, *, include_pilot: bool = False) -> pd.DataFrame:
    actions = ExplorerAction.objects.filter(study=study) \
        .exclude(participant__status=Status.WITHDRAWN) \
        .select_related("participant", "participant__condition", "study") \
        .order_by("participant_id", "step_index", "id")
    if not include_pilot:
        actions = actions.filter(participant__pilot=False)
    rows, seq, first = [], {}, {}
    for a in actions:
        key = (a.participant_id, a.step)
        seq[key] = seq.get(key, 0) + 1
        first.setdefault(key, a.created_at)
        p = a.participant
        rows.append({
            "study": a.study.slug, "participant": str(p.public_id),
            "condition": p.condition.name if p.condition else "", "step": a.step,
            "seq": seq[key], "action": a.action, "selected": a.selected, "group": a.group,
            "source": a.source, "t": a.t, "score": a.score, "label": a.label,
            "confidence": a.confidence, "cached": a.cached, "compute_ms": a.compute_ms,
            "at": a.created_at.isoformat(),
            "since_first_s": (a.created_at - first[key]).total_seconds(),
            "client_ms": a.client_ms,
            **{f"scene_{name}": a.scene.get(name) for name in FACTORS}})
    return pd.DataFrame(rows, columns=ACTION_COLUMNS).astype(ACTION_DTYPES)


def explorer_summaries(actions: pd.DataFrame) -> pd.DataFrame:
    """One row per participant and step of an :func:`explorer_actions` table."""
    out = []
    for (participant, step), rows in actions.groupby(["participant", "step"], sort=False):
        counts = rows["action"].value_counts()
        probes = rows[rows["action"].isin([str(k) for k in PROBES])]
        times = pd.to_datetime(rows["at"])
        out.append({
            "study": rows["study"].iloc[0], "participant": participant,
            "condition": rows["condition"].iloc[0], "step": step, "actions": len(rows),
            **{f"n_{k}": int(counts.get(k, 0)) for k in KINDS},
            **{f"probes_{g}": int((probes["group"] == g).sum()) for g in FACTOR_GROUPS},
            "scenes_selected": int(rows.loc[rows["action"] == "select", "selected"].nunique()),
            "explore_s": (times.max() - times.min()).total_seconds(),
            "first_at": rows["at"].iloc[0], "last_at": rows["at"].iloc[-1]})
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)
