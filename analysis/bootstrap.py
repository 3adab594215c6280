"""Bootstrap confidence intervals of mean accuracies (scipy.stats.bootstrap, fixed seed)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from .results import AnalysisError


def mean_ci(values, *, n_resamples: int, seed: int, confidence_level: float,
            method: str = "percentile") -> tuple[float, float]:
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    if data.size < 2:
        raise AnalysisError(f"bootstrap CI needs at least two values, has {data.size}")
    if np.ptp(data) == 0:
        return float(data[0]), float(data[0])  # every resample has the same mean
    result = stats.bootstrap((data,), np.mean, n_resamples=n_resamples, method=method,
                             confidence_level=confidence_level, rng=np.random.default_rng(seed))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)
