"""Scores against the answer key: accuracy per participant and per attribute.

The answer key comes from the preregistration (``answer_key:``) when it has one, otherwise from
the ``answer_key`` column of the export (which the study server fills from ground_truth.json).
"""

from __future__ import annotations

import pandas as pd

from studies.export_contract import ItemType, Relevance

from .results import AnalysisError
from .tidy import BLANK, text, where

RELEVANCE = tuple(Relevance)


def check_responses(responses: pd.DataFrame, *, source: str = "response") -> None:
    """Every answered relevance item is one of the item's options (relevant / irrelevant,
    case and surrounding spaces ignored); anything else (``Relevent``, ``yes``) is refused
    with its row and column, never scored as a wrong answer. Blank = not answered."""
    if "item_type" not in responses.columns or "response" not in responses.columns:
        return
    rel = responses["item_type"].astype(str) == ItemType.RELEVANCE
    values = text(responses["response"])
    bad = rel & ~values.isin(RELEVANCE) & ~values.isin(BLANK)
    if bad.any():
        index = bad.idxmax()
        raise AnalysisError(f"{where(responses, index, source)}: "
                            f"{responses.at[index, 'response']!r} is not one of the relevance "
                            f"item's options ({', '.join(RELEVANCE)})")


def relevance_items(responses: pd.DataFrame, *, attributes, answer_key: dict) -> pd.DataFrame:
    """The relevance answers, one row per participant and attribute, with ``correct`` and
    ``selected_relevant`` recomputed from the key."""
    for column in ("item_type", "item", "response"):
        if column not in responses.columns:
            raise AnalysisError(f"scoring needs the column {column!r}, which the responses lack")
    rel = responses[responses["item_type"].astype(str) == ItemType.RELEVANCE].copy()
    if rel.empty:
        raise AnalysisError("no relevance answers (item_type == 'relevance') to score")
    unknown = sorted(set(rel["item"].astype(str)) - set(attributes))
    if unknown:
        raise AnalysisError(f"unknown attribute(s) {unknown} in the responses; the "
                            f"preregistration lists {list(attributes)}")
    key = dict(answer_key)
    if not key:
        if "answer_key" not in rel.columns:
            raise AnalysisError("no answer key: give answer_key in the preregistration or an "
                                "answer_key column in the responses")
        key = rel.groupby("item")["answer_key"].first().astype(str).to_dict()
        conflicting = rel.groupby("item")["answer_key"].nunique()
        if (conflicting > 1).any():
            raise AnalysisError(f"the answer_key column differs between participants for "
                                f"{list(conflicting[conflicting > 1].index)}")
    missing = [a for a in attributes if a not in key]
    if missing:
        raise AnalysisError(f"the answer key has no entry for attribute(s) {missing}")
    check_responses(rel)
    rel["response"] = text(rel["response"])
    rel = rel[~rel["response"].isin(BLANK)]  # not answered: per_participant says who
    rel["key"] = rel["item"].map(key).str.lower()
    rel["correct"] = (rel["response"] == rel["key"]).astype(int)
    rel["selected_relevant"] = (rel["response"] == "relevant").astype(int)
    duplicated = rel.duplicated(["participant", "item"])
    if duplicated.any():
        raise AnalysisError(f"participant {rel.loc[duplicated, 'participant'].iloc[0]!r} answered "
                            f"{rel.loc[duplicated, 'item'].iloc[0]!r} twice")
    return rel


def per_participant(rel: pd.DataFrame, *, attributes) -> pd.DataFrame:
    """Wide table: one row per participant, columns = attributes (0/1), n_correct, accuracy."""
    wide = rel.pivot(index="participant", columns="item", values="correct")
    incomplete = wide[list(attributes)].isna().any(axis=1) if set(attributes) <= set(
        wide.columns) else pd.Series(True, index=wide.index)
    if incomplete.any():
        raise AnalysisError(f"participant {incomplete[incomplete].index[0]!r} did not answer every "
                            f"attribute ({list(attributes)}); exclude or complete them first")
    wide = wide[list(attributes)].astype(int)
    wide["n_correct"] = wide.sum(axis=1)
    wide["accuracy"] = wide["n_correct"] / len(attributes)
    conditions = rel.groupby("participant")["condition"].first()
    wide.insert(0, "condition", conditions.reindex(wide.index))
    return wide


def accuracy_table(scores: pd.DataFrame, *, attributes, conditions) -> pd.DataFrame:
    """Table-2 style: mean accuracy (%) per condition, overall and per attribute."""
    rows = {}
    for condition in conditions:
        group = scores[scores["condition"] == condition]
        if group.empty:
            raise AnalysisError(f"condition {condition!r} has no analysed participants")
        row = {"N": len(group), "overall": 100 * group["accuracy"].mean()}
        row.update({a: 100 * group[a].mean() for a in attributes})
        rows[condition] = row
    if len(conditions) > 1:
        row = {"N": len(scores), "overall": 100 * scores["accuracy"].mean()}
        row.update({a: 100 * scores[a].mean() for a in attributes})
        rows["all"] = row
    table = pd.DataFrame(rows).T
    table.index.name = "condition"
    return table


def selected_relevant(rel: pd.DataFrame) -> pd.DataFrame:
    """Wide 0/1 table of 'selected as relevant' per participant and attribute (McNemar input)."""
    return rel.pivot(index="participant", columns="item", values="selected_relevant")
