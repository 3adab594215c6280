"""Bootstrap CIs of the omnibus effect sizes that have no closed-form interval.

eta²_H of the Kruskal-Wallis test, (H - k + 1) / (N - k), gets a percentile bootstrap interval:
``scipy.stats.bootstrap`` resamples every condition independently (its multi-sample mode) with
the preregistration's bootstrap settings. Run once per report (not in the power simulation).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from .results import ResultRow


def eta_squared_h(*groups) -> float:
    pooled = np.concatenate(groups)
    if np.ptp(pooled) == 0:
        return math.nan
    n, k = pooled.size, len(groups)
    return float((stats.kruskal(*groups).statistic - k + 1) / (n - k))


def with_bootstrap_cis(tests: list[ResultRow], data, settings: dict) -> list[ResultRow]:
    """Kruskal-Wallis rows of the between-conditions tree get a bootstrap CI of eta²_H."""
    out = []
    for row in tests:
        if row.test == "Kruskal-Wallis" and math.isnan(row.ci_low) and data.scores is not None:
            analysis = data.prereg.analysis(row.analysis_id)
            groups = list(data.groups(analysis.params.get("dv", "accuracy")).values())
            if min(g.size for g in groups) >= 2:
                result = stats.bootstrap(groups, eta_squared_h, n_resamples=int(
                    settings["n_resamples"]), method="percentile", vectorized=False,
                    confidence_level=float(settings["confidence_level"]),
                    random_state=np.random.default_rng(int(settings["seed"])))
                ci = result.confidence_interval
                row = row.with_(ci_low=float(ci.low), ci_high=float(ci.high),
                                method_options={**row.method_options, "effect_ci": "bootstrap_percentile"})
        out.append(row)
    return out
