"""Trial-level designs (e.g. 2AFC psychophysics): per-subject aggregation and mean ± 2 SEM.

Catch and practice trials are removed by the preregistration's ``trial_filters`` before this
module sees the data; here every subject contributes one mean per cell, and group statistics are
computed over those subject means (as Borowski et al. 2021 do).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .results import AnalysisError


def subject_means(trials: pd.DataFrame, *, dv: str, by: list[str],
                  subject: str = "participant") -> pd.DataFrame:
    """One row per subject and cell of ``by`` with the mean of ``dv`` and the trial count."""
    missing = [c for c in [dv, subject, *by] if c not in trials.columns]
    if missing:
        raise AnalysisError(f"trial aggregation needs the column(s) {missing}")
    if trials.empty:
        raise AnalysisError("no trials left after the preregistered trial filters")
    values = pd.to_numeric(trials[dv], errors="coerce")
    if values.isna().all():
        raise AnalysisError(f"column {dv!r} has no numeric values")
    frame = trials.assign(**{dv: values})
    grouped = frame.groupby([subject, *by], observed=True)[dv]
    return grouped.agg(["mean", "count"]).rename(columns={"count": "trials"}).reset_index()


def mean_2sem(means: pd.DataFrame, *, by: list[str]) -> pd.DataFrame:
    """Across-subject mean, SEM (ddof=1) and the ±2 SEM interval per cell."""
    rows = []
    for key, group in means.groupby(by, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        values = group["mean"].to_numpy(dtype=float)
        sem = values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else np.nan
        rows.append({**dict(zip(by, key, strict=True)), "n_subjects": int(values.size),
                     "mean": float(values.mean()), "sem": float(sem),
                     "two_sem": float(2 * sem), "trials": int(group["trials"].sum())})
    return pd.DataFrame(rows)


def paired(means: pd.DataFrame, *, factor: str, a: str, b: str,
           subject: str = "participant") -> tuple[np.ndarray, np.ndarray, list]:
    """Subject means of level ``a`` and ``b`` of ``factor``, aligned by subject."""
    levels = set(means[factor].astype(str))
    for level in (a, b):
        if level not in levels:
            raise AnalysisError(f"level {level!r} of {factor!r} is not in the data "
                                f"(levels: {sorted(levels)})")
    wide = means.assign(**{factor: means[factor].astype(str)}).pivot_table(
        index=subject, columns=factor, values="mean")
    wide = wide[[a, b]].dropna()
    if len(wide) < 2:
        raise AnalysisError(f"paired comparison {a} vs {b}: fewer than two subjects have both")
    return wide[a].to_numpy(), wide[b].to_numpy(), list(wide.index)
