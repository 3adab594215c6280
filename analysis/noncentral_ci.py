"""Confidence intervals of ANOVA and chi-square effect sizes by inverting a noncentral distribution.

The interval of the noncentrality parameter lambda is the set of values for which the observed
statistic is not in either alpha/2 tail (Steiger & Fouladi 1997; Steiger 2004, "Beyond the F
test", Psychological Methods 9(2)); it is then mapped to the effect size:

- eta² and partial eta² from F(df1, df2): ``lambda / (lambda + df1 + df2 + 1)`` (Steiger 2004,
  Eq. 11; what R's effectsize ``F_to_eta2`` and MBESS report; in a one-way design df1 + df2 + 1
  is N);
- Cramér's V from chi²(df) on an r x c table of N counts: ``sqrt((lambda) / (N (min(r, c) - 1)))``
  (Smithson 2003, ch. 7; effectsize ``chisq_to_cramers_v`` without small-sample adjustment).

Both intervals are two-sided at ``level``, **0.90 unless told**: the F and chi² tests are
one-sided in lambda, so the 90 % interval excludes 0 exactly when the test is significant at
alpha = .05 (Steiger 2004, p. 171, recommends the 1 - 2 alpha interval for this reason; a 95 %
interval would include 0 for every p between .025 and .05). A bound whose tail cannot be reached
even at lambda = 0 is 0. scipy's ``ncf`` and ``ncx2`` give the distributions;
:func:`lambda_interval` inverts them with Brent's method.
"""

from __future__ import annotations

import math

from scipy import optimize, stats

LEVEL = 0.90


def lambda_interval(cdf, observed: float, *, level: float = LEVEL) -> tuple[float, float]:
    """(low, high) noncentrality for a family whose ``cdf(observed, lam)`` falls as lam grows."""
    if not (0 < level < 1) or math.isnan(observed):
        return math.nan, math.nan
    tail = (1 - level) / 2

    def bound(target: float) -> float:
        if cdf(observed, 0.0) <= target:
            return 0.0  # even lambda = 0 puts the observed value beyond this tail
        high = max(10.0, 2 * observed)
        while cdf(observed, high) > target:
            high *= 2
            if high > 1e9:
                return math.inf
        return optimize.brentq(lambda lam: cdf(observed, lam) - target, 0.0, high,
                               xtol=1e-10, rtol=1e-12)

    return bound(1 - tail), bound(tail)


def _f_cdf(df1: float, df2: float):
    def cdf(x: float, lam: float) -> float:
        return float(stats.f.cdf(x, df1, df2) if lam == 0 else stats.ncf.cdf(x, df1, df2, lam))
    return cdf


def _chi2_cdf(df: float):
    def cdf(x: float, lam: float) -> float:
        return float(stats.chi2.cdf(x, df) if lam == 0 else stats.ncx2.cdf(x, df, lam))
    return cdf


def eta_squared_ci(f: float, df1: float, df2: float, *, level: float = LEVEL) -> tuple[float, float]:
    """CI of eta² (one-way) or partial eta² from an observed F(df1, df2)."""
    if math.isnan(f) or df1 <= 0 or df2 <= 0:
        return math.nan, math.nan
    low, high = lambda_interval(_f_cdf(df1, df2), f, level=level)
    scale = df1 + df2 + 1
    return low / (low + scale), (1.0 if math.isinf(high) else high / (high + scale))


def cramers_v_ci(chi2: float, df: int, n: int, shape: tuple[int, int], *,
                 level: float = LEVEL) -> tuple[float, float]:
    """CI of Cramér's V from an observed (uncorrected) chi² on a table of ``shape`` with n counts."""
    k = min(shape) - 1
    if math.isnan(chi2) or n <= 0 or k < 1:
        return math.nan, math.nan
    low, high = lambda_interval(_chi2_cdf(df), chi2, level=level)
    return (min(1.0, math.sqrt(low / (n * k))),
            1.0 if math.isinf(high) else min(1.0, math.sqrt(high / (n * k))))
