"""Descriptive analyses of the relevance designs by a participant's answer to another item.

Two4Two study 2, D.2 point 8: "We plan to use descriptive statistics to see how accuracies change
per condition for each expertise level and how expertise was distributed within our sample."
One row per condition (and over all conditions) and level: participants, their share of the
condition, mean and SD of the dependent variable. Answers outside the preregistered levels are
refused with row and column; analysed participants without an answer get their own row.
"""

from __future__ import annotations

import pandas as pd

from .results import AnalysisError
from .tidy import where

NO_ANSWER = "(no answer)"


def levels_of(data, analysis) -> pd.Series:
    """The analysed participants' answer to ``item`` (participant -> level)."""
    p = analysis.params
    levels = [str(level) for level in p["levels"]]
    responses = data.responses
    rows = responses[(responses["item"].astype(str) == str(p["item"]))
                     & responses["participant"].isin(data.scores.index)]
    answer = rows["response"].astype(str).str.strip()
    bad = ~answer.isin(levels)
    if bad.any():
        row = bad.idxmax()
        raise AnalysisError(f"{analysis.id}: {where(responses, row, 'response')}: {answer[row]!r} "
                            f"(participant {rows.loc[row, 'participant']!r}, item {p['item']!r}) "
                            f"is not one of the levels {levels}")
    twice = rows["participant"].duplicated()
    if twice.any():
        raise AnalysisError(f"{analysis.id}: participant {rows.loc[twice.idxmax(), 'participant']!r}"
                            f" answered {p['item']!r} twice ({where(responses, twice.idxmax(), 'item')})")
    by = pd.Series(answer.to_numpy(), index=rows["participant"].to_numpy())
    return by.reindex(data.scores.index).fillna(NO_ANSWER)


def by_answer(data, analysis) -> tuple[pd.DataFrame, list[str]]:
    p = analysis.params
    dv = analysis.value("dv")
    if dv not in data.scores.columns:
        raise AnalysisError(f"{analysis.id}: dv {dv!r} is not a participant score")
    scores = data.scores.assign(level=levels_of(data, analysis))
    levels = [str(level) for level in p["levels"]]
    if (scores["level"] == NO_ANSWER).any():
        levels.append(NO_ANSWER)
    groups = [(c, scores[scores["condition"] == c]) for c in data.prereg.conditions]
    if len(groups) > 1:
        groups.append(("all", scores))
    rows = []
    for condition, group in groups:
        for level in levels:
            values = group.loc[group["level"] == level, dv].astype(float)
            rows.append({"condition": condition, p["item"]: level, "n": len(values),
                         "share_percent": 100 * len(values) / len(group),
                         f"{dv}_percent": 100 * values.mean() if len(values) else float("nan"),
                         "sd_percent": 100 * values.std(ddof=1) if len(values) > 1
                         else float("nan")})
    deviations = []
    missing = int((scores["level"] == NO_ANSWER).sum())
    if missing:
        deviations.append(f"{analysis.id}: {missing} of {len(scores)} analysed participants have "
                          f"no answer to {p['item']!r}; they are shown as {NO_ANSWER!r}")
    return pd.DataFrame(rows), deviations
