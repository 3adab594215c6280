"""One tidy row per statistical test.

Every test function in :mod:`analysis.tests_between`, :mod:`analysis.tests_within` and
:mod:`analysis.trials` returns a :class:`TestResult`; a list of them becomes a DataFrame with
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
class TestResult:
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
    variant: dict = field(default_factory=dict)
    label: str = ""
    preregistered: bool = False
    analysis_id: str = ""
    p_adjusted: float = math.nan
    p_alternatives: dict = field(default_factory=dict)  # name -> p of another stated variant
    alpha: float = math.nan
    significant: bool | None = None
    decision: str = ""
    note: str = ""

    __test__ = False  # not a pytest test class

    def with_(self, **changes) -> TestResult:
        return replace(self, **changes)

    def as_row(self) -> dict:
        row = asdict(self)
        row["variant"] = ", ".join(f"{k}={v}" for k, v in sorted(self.variant.items()))
        return row


def results_frame(results: list[TestResult]) -> pd.DataFrame:
    columns = list(TestResult.__dataclass_fields__)
    return pd.DataFrame([r.as_row() for r in results], columns=columns)


def judge(result: TestResult, alpha: float) -> TestResult:
    """Record alpha and whether the (adjusted if present) p-value falls below it."""
    p = result.p_adjusted if not math.isnan(result.p_adjusted) else result.p
    significant = None if math.isnan(p) else bool(p < alpha)
    return result.with_(alpha=alpha, significant=significant)
