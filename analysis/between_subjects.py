"""Between-subjects tests (study 2 of Two4Two): the preregistered decision tree and its pieces.

scipy provides Shapiro-Wilk, Levene, Kruskal-Wallis, Mann-Whitney U (Wilcoxon rank-sum), one-way
ANOVA and Fisher's exact test; statsmodels provides the multiple-comparison corrections
(``multipletests``: Bonferroni, Holm). pingouin is used only for Welch's ANOVA
(``pingouin.welch_anova``), which neither scipy nor statsmodels offers as a one-call
function with the Welch degrees of freedom in a tidy table.

Every choice is a keyword argument; the only choices taken from the data are the preregistered
branches (normal or not, equal variances or not), and each is returned as its own row.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from .noncentral_ci import eta_squared_ci
from .results import AnalysisError, ResultRow


def _values(values, label: str, minimum: int = 1) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    if array.size < minimum:
        raise AnalysisError(f"{label}: needs at least {minimum} observation(s), has {array.size}")
    return array


def _binary(values, label: str) -> np.ndarray:
    """0/1 outcomes; anything else (2, 0.5) is an error, never counted."""
    array = _values(values, label)
    odd = array[(array != 0) & (array != 1)]
    if odd.size:
        raise AnalysisError(f"{label}: needs 0/1 values, found {odd[0]:g}")
    return array


def _spread(arrays: dict, label: str, *, every: bool) -> None:
    """Refuse zero-variance groups: ``every`` -> if all are constant, else if any is."""
    constant = [k for k, a in arrays.items() if np.ptp(a) == 0]
    if constant and (not every or len(constant) == len(arrays)):
        raise AnalysisError(f"{label}: zero variance in {', '.join(map(str, constant))} "
                            f"(every value {arrays[constant[0]][0]:g}); the statistic is "
                            f"undefined")


def shapiro(values, *, label: str, alpha: float) -> ResultRow:
    data = _values(values, f"Shapiro-Wilk for {label}", 3)
    if np.ptp(data) == 0:
        raise AnalysisError(f"Shapiro-Wilk for {label}: all {data.size} values are identical "
                            f"({data[0]:g}); normality cannot be tested on constant data")
    result = stats.shapiro(data)
    normal = bool(result.pvalue >= alpha)
    return ResultRow(test="Shapiro-Wilk", statistic=float(result.statistic), statistic_name="W",
                      p=float(result.pvalue), n=int(data.size), label=label, alpha=alpha,
                      decision="normal" if normal else "not normal")


def levene(groups: dict, *, center: str, alpha: float) -> ResultRow:
    named = {k: _values(v, f"Levene for {k}", 2) for k, v in groups.items()}
    _spread(named, "Levene", every=True)
    arrays = list(named.values())
    result = stats.levene(*arrays, center=center)
    equal = bool(result.pvalue >= alpha)
    return ResultRow(test="Levene", statistic=float(result.statistic), statistic_name="W",
                      p=float(result.pvalue), n=sum(a.size for a in arrays),
                      df=f"{len(arrays) - 1}, {sum(a.size for a in arrays) - len(arrays)}",
                      method_options={"center": center}, label=" vs ".join(groups), alpha=alpha,
                      decision="equal variances" if equal else "unequal variances")


def kruskal(groups: dict) -> ResultRow:
    # a group of one has no distribution to compare; H and eta²_H would be numbers without
    # meaning (eta²_H = -0.29 on such data)
    arrays = [_values(v, f"Kruskal-Wallis for {k}", 2) for k, v in groups.items()]
    if len(arrays) < 2:
        raise AnalysisError("Kruskal-Wallis needs at least two conditions")
    pooled = np.concatenate(arrays)
    if np.ptp(pooled) == 0:
        raise AnalysisError("Kruskal-Wallis: every value is identical in all conditions")
    result = stats.kruskal(*arrays)
    n, k = pooled.size, len(arrays)
    epsilon2 = (result.statistic - k + 1) / (n - k) if n > k else math.nan
    return ResultRow(test="Kruskal-Wallis", statistic=float(result.statistic), statistic_name="H",
                      p=float(result.pvalue), df=str(k - 1), n=n, effect_size=float(epsilon2),
                      effect_size_name="eta²_H = (H-k+1)/(N-k)",
                      method_options={"tie_correction": True}, label=" vs ".join(groups))


def rank_sum_z(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """U of ``a`` and its normal-approximation Z (tie-corrected, no continuity correction)."""
    n1, n2 = a.size, b.size
    ranks = stats.rankdata(np.concatenate([a, b]))
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    _, counts = np.unique(ranks, return_counts=True)
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - (counts**3 - counts).sum() / (n * (n - 1))))
    if sigma == 0:
        raise AnalysisError("rank-sum test: all values are identical, Z is undefined")
    return float(u), float((u - n1 * n2 / 2) / sigma)


def mann_whitney(a, b, *, alternative: str, method: str = "asymptotic",
                 use_continuity: bool = True, label: str = "") -> ResultRow:
    """Wilcoxon rank-sum (Mann-Whitney U) of ``a`` against ``b``; effect size r = Z / sqrt(N)
    signed as a - b: negative when ``a`` ranks lower (the direction of a 'less' hypothesis)."""
    a = _values(a, f"rank-sum {label} (first group)")
    b = _values(b, f"rank-sum {label} (second group)")
    u, z = rank_sum_z(a, b)
    result = stats.mannwhitneyu(a, b, alternative=alternative, method=method,
                                use_continuity=use_continuity)
    n = a.size + b.size
    r = z / math.sqrt(n)
    low, high = r_ci(r, n)
    return ResultRow(test="Wilcoxon rank-sum (Mann-Whitney U)", statistic=float(result.statistic),
                      statistic_name="U", p=float(result.pvalue), n=n, z=z,
                      effect_size=r, effect_size_name="r = Z/sqrt(N) (sign of a - b)",
                      ci_low=low, ci_high=high,
                      method_options={"alternative": alternative, "method": method,
                               "continuity": use_continuity, "effect_ci": "fisher_z"},
                      label=label,
                      note=f"Z = {z:.3f} (tie-corrected, no continuity correction)")


def r_ci(r: float, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Approximate CI of a correlation-type effect size r = Z / sqrt(N) by Fisher's z."""
    if n <= 3 or math.isnan(r) or abs(r) >= 1:
        return math.nan, math.nan
    half = stats.norm.ppf(0.5 + level / 2) / math.sqrt(n - 3)
    return math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half)


def anova_oneway(groups: dict) -> ResultRow:
    named = {k: _values(v, f"ANOVA for {k}", 2) for k, v in groups.items()}
    _spread(named, "one-way ANOVA", every=True)
    arrays = list(named.values())
    result = stats.f_oneway(*arrays)
    pooled = np.concatenate(arrays)
    ss_between = sum(a.size * (a.mean() - pooled.mean()) ** 2 for a in arrays)
    ss_total = ((pooled - pooled.mean()) ** 2).sum()
    df1, df2 = len(arrays) - 1, pooled.size - len(arrays)
    low, high = eta_squared_ci(float(result.statistic), df1, df2)
    return ResultRow(test="one-way ANOVA", statistic=float(result.statistic), statistic_name="F",
                      p=float(result.pvalue), n=pooled.size, df=f"{df1}, {df2}",
                      effect_size=float(ss_between / ss_total), effect_size_name="eta²",
                      ci_low=low, ci_high=high, method_options={"effect_ci": "noncentral_F"},
                      label=" vs ".join(groups))


def planned_contrast(groups: dict, a: str, b: str, *, alternative: str, label: str) -> ResultRow:
    """t-test of mean(a) - mean(b) with the pooled ANOVA error term (df = N - k)."""
    arrays = {k: _values(v, f"contrast group {k}", 2) for k, v in groups.items()}
    n_total, k = sum(x.size for x in arrays.values()), len(arrays)
    _spread(arrays, f"planned contrast {label}", every=True)
    mse = sum(((x - x.mean()) ** 2).sum() for x in arrays.values()) / (n_total - k)
    diff = arrays[a].mean() - arrays[b].mean()
    se = math.sqrt(mse * (1 / arrays[a].size + 1 / arrays[b].size))
    t = diff / se
    dist = stats.t(n_total - k)
    p = {"two-sided": 2 * dist.sf(abs(t)), "greater": dist.sf(t), "less": dist.cdf(t)}[alternative]
    return ResultRow(test="planned contrast (pooled ANOVA error)", statistic=float(t),
                      statistic_name="t", p=float(p), df=str(n_total - k),
                      n=arrays[a].size + arrays[b].size, effect_size=float(diff / math.sqrt(mse)),
                      effect_size_name="d = diff / sqrt(MSE)",
                      method_options={"alternative": alternative}, label=label)


def welch_anova(groups: dict) -> ResultRow:
    import pingouin

    named = {k: _values(v, f"Welch ANOVA for {k}", 2) for k, v in groups.items()}
    # Welch's weights are n / variance: one constant group makes them undefined
    _spread(named, "Welch's ANOVA", every=False)
    frame = pd.DataFrame([(k, x) for k, v in named.items() for x in v], columns=["g", "y"])
    table = pingouin.welch_anova(data=frame, dv="y", between="g").iloc[0]
    return ResultRow(test="Welch's ANOVA (pingouin)", statistic=float(table["F"]),
                      statistic_name="F", p=float(table["p_unc"]), n=len(frame),
                      df=f"{table['ddof1']:g}, {table['ddof2']:.2f}",
                      effect_size=float(table["np2"]), effect_size_name="partial eta²",
                      label=" vs ".join(groups))


def welch_t(a, b, *, alternative: str, label: str) -> ResultRow:
    a = _values(a, f"Welch t {label}", 2)
    b = _values(b, f"Welch t {label}", 2)
    _spread({"first group": a, "second group": b}, f"Welch t {label}", every=True)
    result = stats.ttest_ind(a, b, equal_var=False, alternative=alternative)
    # the effect is the mean difference; its interval is Welch's, two-sided 95 % whatever the
    # test's alternative (a one-sided test's interval would be unbounded on one side)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(confidence_level=0.95)
    return ResultRow(test="Welch t-test", statistic=float(result.statistic), statistic_name="t",
                      p=float(result.pvalue), df=f"{result.df:.2f}", n=a.size + b.size,
                      effect_size=float(a.mean() - b.mean()),
                      effect_size_name="mean difference (first - second)",
                      ci_low=float(ci.low), ci_high=float(ci.high),
                      method_options={"alternative": alternative, "equal_var": False,
                                      "effect_ci": "welch_t"}, label=label)


def fisher_exact(a, b, *, alternative: str, label: str) -> ResultRow:
    a = _binary(a, f"Fisher {label}")
    b = _binary(b, f"Fisher {label}")
    table = [[int(a.sum()), int(a.size - a.sum())], [int(b.sum()), int(b.size - b.sum())]]
    result = stats.fisher_exact(table, alternative=alternative)
    odds = stats.contingency.odds_ratio(table, kind="conditional")
    ci = odds.confidence_interval(confidence_level=0.95)
    return ResultRow(test="Fisher's exact test", statistic=float(result.statistic),
                      statistic_name="odds ratio", p=float(result.pvalue), n=a.size + b.size,
                      effect_size=float(odds.statistic), ci_low=float(ci.low),
                      ci_high=float(ci.high), effect_size_name="conditional odds ratio",
                      method_options={"alternative": alternative, "effect_ci": "conditional_exact"},
                      label=label,
                      note=f"correct {table[0][0]}/{a.size} vs {table[1][0]}/{b.size}")


def adjust(results: list[ResultRow], *, method: str) -> list[ResultRow]:
    """statsmodels multipletests over the rows' p-values; writes p_adjusted."""
    if method == "none" or not results:
        return [r.with_(p_adjusted=r.p, method_options={**r.method_options, "correction": "none"})
                for r in results]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adjusted = multipletests([r.p for r in results], method=method)[1]
    return [r.with_(p_adjusted=float(p), method_options={**r.method_options, "correction":
                                                    f"{method} over {len(results)} tests"})
            for r, p in zip(results, adjusted, strict=True)]
