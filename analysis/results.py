"""One tidy row per statistical test.

Every test function in :mod:`analysis.between_subjects`, :mod:`analysis.within_subjects` and
:mod:`analysis.trial_designs` returns a :class:`ResultRow`; a list of them becomes a DataFrame with
:func:`results_frame`. Variant choices (alternative, exact/approximate, correction, zero handling)
are stored as a plain dict so every row says exactly how its number was computed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import pandas as pd


class AnalysisError(ValueError):
    """Bad input for an analysis: the message says what is wrong and what to change."""


@dataclass(frozen=True)
class ResultRow:
    test: str
    statistic: float = math.nan
    p: float = math.nan
    statistic_name: str = ""
    effect_size: float = math.nan
    effect_size_name: str = ""
    ci_low: float = math.nan
    ci_high: float = math.nan
    n: int = 0
    df: str = ""
    z: float = math.nan
    method_options: dict = field(default_factory=dict)  # the method's options that shaped it
    label: str = ""
    preregistered: bool = False
    analysis_id: str = ""
    p_adjusted: float = math.nan
    p_alternatives: dict = field(default_factory=dict)  # name -> p under other stated options
    alpha: float = math.nan
    significant: bool | None = None
    decision: str = ""
    note: str = ""

    def with_(self, **changes) -> ResultRow:
        return replace(self, **changes)

    def as_row(self) -> dict:
        row = asdict(self)
        row["method_options"] = ", ".join(f"{k}={v}" for k, v in sorted(self.method_options.items()))
        return row


def results_frame(results: list[ResultRow]) -> pd.DataFrame:
    columns = list(ResultRow.__dataclass_fields__)
    return pd.DataFrame([r.as_row() for r in results], columns=columns)


def judge(result: ResultRow, alpha: float) -> ResultRow:
    """Record alpha and whether the (adjusted if present) p-value falls below it."""
    p = result.p_adjusted if not math.isnan(result.p_adjusted) else result.p
    significant = None if math.isnan(p) else bool(p < alpha)
    return result.with_(alpha=alpha, significant=significant)
