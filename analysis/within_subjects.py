"""Within-subject tests: exact McNemar, Wilcoxon signed-rank, repeated-measures and mixed ANOVA,
chi-square on contingency tables.

scipy: binomial test (exact McNemar), Wilcoxon signed-rank, chi-square contingency.
statsmodels: ``AnovaRM`` for repeated-measures ANOVA (balanced, fully within designs).
pingouin: ``mixed_anova``, because neither scipy nor statsmodels has a mixed (split-plot) ANOVA
with a between-subjects factor and a within-subjects factor in one call.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from .between_subjects import r_ci
from .noncentral_ci import cramers_v_ci, eta_squared_ci
from .results import AnalysisError, ResultRow


def mcnemar_exact(first, second, *, alternative: str, label: str) -> ResultRow:
    """Exact McNemar test of paired 0/1 outcomes (e.g. 'selected as relevant').

    b = first 1 & second 0, c = first 0 & second 1. Under H0 c ~ Binomial(b + c, 1/2).
    ``alternative='greater'`` means the first is chosen more often than the second.
    """
    first = np.asarray(first, dtype=float)
    second = np.asarray(second, dtype=float)
    if first.size != second.size:
        raise AnalysisError(f"McNemar {label}: the paired outcomes differ in length")
    if first.size == 0:
        raise AnalysisError(f"McNemar {label}: no participants")
    for values in (first, second):
        odd = values[~np.isin(values, (0.0, 1.0))]
        if odd.size:
            raise AnalysisError(f"McNemar {label}: needs paired 0/1 outcomes, found {odd[0]:g}")
    b = int(((first == 1) & (second == 0)).sum())
    c = int(((first == 0) & (second == 1)).sum())
    low = high = math.nan
    if b + c == 0:
        p = 1.0
    else:
        # H1 'greater': b > c, i.e. c is small -> binomial test of b with alternative 'greater'
        p = float(stats.binomtest(b, b + c, 0.5, alternative=alternative).pvalue)
        # exact (Clopper-Pearson) interval of b / (b + c), as an interval of the odds b / c
        share = stats.binomtest(b, b + c).proportion_ci(confidence_level=0.95, method="exact")
        low = share.low / (1 - share.low) if share.low < 1 else math.inf
        high = share.high / (1 - share.high) if share.high < 1 else math.inf
    odds = b / c if c else math.inf
    return ResultRow(test="McNemar (exact)", statistic=float(b), statistic_name="b (discordant 1/0)",
                      p=p, n=int(first.size), effect_size=odds, ci_low=low, ci_high=high,
                      effect_size_name="odds ratio b/c", method_options={"alternative": alternative,
                                                                 "exact": True,
                                                                 "effect_ci": "clopper_pearson"},
                      label=label, note=f"b = {b}, c = {c}; "
                                        f"{first.mean():.1%} vs {second.mean():.1%}")


def signed_rank_plus(differences: np.ndarray, *, zero_method: str) -> float:
    """W+ (sum of ranks of the positive differences), as JASP and R report it."""
    d = np.asarray(differences, dtype=float)
    if zero_method == "wilcox":
        d = d[d != 0]
    ranks = stats.rankdata(np.abs(d))
    plus = ranks[d > 0].sum()
    if zero_method == "zsplit":
        plus += ranks[d == 0].sum() / 2
    return float(plus)


def r_wilcox_test(d: np.ndarray, *, alternative: str) -> tuple[float, str]:
    """The p-value of R's ``wilcox.test(x, y, paired = TRUE)`` with its defaults, which is
    what JASP (0.13, Borowski et al.'s tool) calls: zero differences are dropped; with fewer
    than 50 remaining differences and neither ties nor zeros the exact signed-rank
    distribution is used, otherwise the normal approximation with tie-corrected variance and
    continuity correction. Returns (p, the variant used)."""
    d = np.asarray(d, dtype=float)
    zeros = bool((d == 0).any())
    d = d[d != 0]
    n = d.size
    ranks = stats.rankdata(np.abs(d))
    v = float(ranks[d > 0].sum())
    _, counts = np.unique(ranks, return_counts=True)
    ties = bool((counts > 1).any())
    if n < 50 and not ties and not zeros:
        p = float(stats.wilcoxon(d, alternative=alternative, method="exact").pvalue)
        return p, "exact"
    z = v - n * (n + 1) / 4
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - (counts**3 - counts).sum() / 48)
    shift = {"two-sided": math.copysign(0.5, z) if z else 0.0, "greater": 0.5,
             "less": -0.5}[alternative]
    z = (z - shift) / sigma
    p = {"two-sided": 2 * min(stats.norm.cdf(z), stats.norm.sf(z)), "greater": stats.norm.sf(z),
         "less": stats.norm.cdf(z)}[alternative]
    why = ", ".join(w for w, present in (("zeros", zeros), ("ties", ties), ("n >= 50", n >= 50))
                    if present)
    return float(p), f"normal approximation with continuity correction ({why})"


def wilcoxon_signed_rank(x, y, *, alternative: str, method: str, correction: bool,
                         zero_method: str, label: str, decimals: int = 10) -> ResultRow:
    """Wilcoxon signed-rank test of x - y, rounding the differences to ``decimals`` so equal
    means count as ties/zeros. Every variant is explicit: method ('exact', 'asymptotic',
    'auto' as scipy, or 'R' as R's wilcox.test defaults, see :func:`r_wilcox_test`),
    continuity ``correction`` (normal approximation only) and ``zero_method``. The row also
    carries, in ``p_alternatives``, the p R/JASP would print with their defaults. Effect size
    r = Z / sqrt(n), signed as x - y."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size != y.size:
        raise AnalysisError(f"Wilcoxon {label}: unequal numbers of paired values")
    d = np.round(x - y, decimals)
    nonzero = int((d != 0).sum())
    if nonzero == 0:
        raise AnalysisError(f"Wilcoxon {label}: all {d.size} paired differences are zero")
    if x.size < 2:
        raise AnalysisError(f"Wilcoxon {label}: needs at least two participants")
    p_r, r_variant = r_wilcox_test(d, alternative=alternative)
    if method == "R":
        if zero_method != "wilcox" or not correction:
            raise AnalysisError(f"Wilcoxon {label}: method 'R' drops zeros (zero_method "
                                f"'wilcox') and corrects for continuity (continuity: true)")
        p, note = p_r, f"R/JASP defaults: {r_variant}"
        z = getattr(stats.wilcoxon(d, zero_method="wilcox", correction=True,
                                   alternative=alternative, method="asymptotic"),
                    "zstatistic", math.nan)
    else:
        result = stats.wilcoxon(d, zero_method=zero_method, correction=correction,
                                alternative=alternative, method=method)
        p, note = float(result.pvalue), f"scipy statistic {float(result.statistic):g}"
        z = getattr(result, "zstatistic", math.nan)
    n = x.size
    z = float(z)
    plus = signed_rank_plus(d, zero_method=zero_method)
    minus = signed_rank_plus(-d, zero_method=zero_method)
    z = math.copysign(abs(z), plus - minus) if plus != minus else 0.0 * z  # NaN stays NaN
    r = z / math.sqrt(n) if not math.isnan(z) else math.nan
    low, high = r_ci(r, n)
    return ResultRow(test="Wilcoxon signed-rank", statistic=plus,
                      statistic_name="W+", p=p, n=n, z=z,
                      effect_size=r, ci_low=low, ci_high=high,
                      effect_size_name="r = Z/sqrt(n) (sign of a - b)" if not math.isnan(z)
                      else "",
                      method_options={"alternative": alternative, "method": method,
                               "continuity": correction, "zero_method": zero_method},
                      p_alternatives={"R wilcox.test defaults (JASP 0.13)": p_r},
                      label=label, note=f"{n - nonzero} zero difference(s); {note}; "
                                        f"R/JASP would print p = {p_r:.4f} ({r_variant})")


def rm_anova(data: pd.DataFrame, *, dv: str, subject: str, within: list[str],
             label: str) -> list[ResultRow]:
    """statsmodels AnovaRM on per-subject cell means (one row per effect)."""
    from statsmodels.stats.anova import AnovaRM

    cells = data.groupby([subject, *within], observed=True)[dv].mean().reset_index()
    if np.ptp(cells[dv].to_numpy(dtype=float)) == 0:
        raise AnalysisError(f"RM ANOVA {label}: every cell mean is {cells[dv].iloc[0]:g}; "
                            f"F is undefined on constant data")
    counts = cells.groupby(subject).size()
    expected = int(np.prod([cells[w].nunique() for w in within]))
    if (counts != expected).any():
        raise AnalysisError(f"RM ANOVA {label}: subject {counts[counts != expected].index[0]!r} "
                            f"lacks some of the {expected} within-subject cells")
    if cells[subject].nunique() < 2:
        raise AnalysisError(f"RM ANOVA {label}: needs at least two subjects")
    table = AnovaRM(cells, depvar=dv, subject=subject, within=list(within)).fit().anova_table
    total = float(((cells[dv] - cells[dv].mean()) ** 2).sum())
    rows = []
    for effect, row in table.iterrows():
        f = float(row["F Value"])
        d1, d2 = float(row["Num DF"]), float(row["Den DF"])
        error = _error_ss(cells, dv=dv, subject=subject, effect=effect.split(":"))
        note, p = "", float(row["Pr > F"])
        if error <= 1e-12 * total:
            # no subject-by-effect variation: AnovaRM divides by (almost) zero
            note = (f"the error term of {effect} is zero (every subject shows the same "
                    f"effect); F is undefined")
            f = p = math.nan
        low, high = eta_squared_ci(f, d1, d2)
        rows.append(ResultRow(test="repeated-measures ANOVA (statsmodels AnovaRM)", statistic=f,
                               statistic_name="F", p=p, df=f"{d1:g}, {d2:g}",
                               n=int(cells[subject].nunique()),
                               effect_size=f * d1 / (f * d1 + d2) if note == "" else math.nan,
                               effect_size_name="partial eta²", ci_low=low, ci_high=high,
                               method_options={"sphericity_correction": "none",
                                               "effect_ci": "noncentral_F"},
                               label=f"{label}: {effect}", note=note))
    return rows


def _error_ss(cells: pd.DataFrame, *, dv: str, subject: str, effect: list[str]) -> float:
    """Sum of squares of the subject x ``effect`` interaction (the effect's error term) in a
    balanced one-value-per-cell table, by inclusion-exclusion over the marginal means."""
    from itertools import combinations

    factors = [subject, *effect]
    residual = pd.Series(0.0, index=cells.index)
    for size in range(len(factors) + 1):
        for subset in combinations(factors, size):
            sign = (-1) ** (len(factors) - size)
            means = (cells.groupby(list(subset), observed=True)[dv].transform("mean")
                     if subset else pd.Series(cells[dv].mean(), index=cells.index))
            residual += sign * means
    return float((residual ** 2).sum())


def mixed_anova(data: pd.DataFrame, *, dv: str, subject: str, within: str, between: str,
                label: str, ss_type: int = 2) -> list[ResultRow]:
    """Mixed ANOVA. ``ss_type=2``: pingouin (weighted means; what pingouin reports).
    ``ss_type=3``: type III sums of squares (unweighted means, as JASP/afex report) for a
    two-level within factor, computed with statsmodels OLS on the within differences; the two
    differ only when the between groups have unequal sizes."""
    import pingouin

    cells = data.groupby([subject, between, within], observed=True)[dv].mean().reset_index()
    if np.ptp(cells[dv].to_numpy(dtype=float)) == 0:
        raise AnalysisError(f"mixed ANOVA {label}: every cell mean is {cells[dv].iloc[0]:g}; "
                            f"F is undefined on constant data")
    if cells[between].nunique() < 2 or cells[within].nunique() < 2:
        raise AnalysisError(f"mixed ANOVA {label}: needs two or more levels of {between!r} "
                            f"and of {within!r}")
    if ss_type == 3:
        return _mixed_type3(cells, dv=dv, subject=subject, within=within, between=between,
                            label=label)
    table = pingouin.mixed_anova(data=cells, dv=dv, within=within, between=between,
                                 subject=subject, correction=False)
    rows = []
    for _, row in table.iterrows():
        low, high = eta_squared_ci(float(row["F"]), float(row["DF1"]), float(row["DF2"]))
        rows.append(ResultRow(test="mixed ANOVA (pingouin)", statistic=float(row["F"]),
                               statistic_name="F", p=float(row["p_unc"]),
                               df=f"{row['DF1']:g}, {row['DF2']:g}",
                               n=int(cells[subject].nunique()), effect_size=float(row["np2"]),
                               effect_size_name="partial eta²", ci_low=low, ci_high=high,
                               method_options={"sphericity_correction": "none", "ss_type": 2,
                                               "effect_ci": "noncentral_F"},
                               label=f"{label}: {row['Source']}"))
    return rows


def chi_square(data: pd.DataFrame, *, rows: str, columns: str, correction: bool,
               label: str) -> ResultRow:
    """Chi-square test of independence on the counts of ``rows`` x ``columns``."""
    table = pd.crosstab(data[rows], data[columns])
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise AnalysisError(f"chi-square {label}: the table {rows} x {columns} needs at least "
                            f"2 x 2 cells, has {table.shape[0]} x {table.shape[1]}")
    chi2, p, dof, expected = stats.chi2_contingency(table.values, correction=correction)
    n = int(table.values.sum())
    # Cramér's V is defined on the uncorrected statistic (Yates would shrink it on a 2 x 2)
    cramer = float(stats.contingency.association(table.values, method="cramer",
                                                 correction=False))
    small = int((expected < 5).sum())
    plain = chi2 if not correction else stats.chi2_contingency(table.values, correction=False)[0]
    low, high = cramers_v_ci(float(plain), int(dof), n, table.shape)
    return ResultRow(test="chi-square test of independence", statistic=float(chi2),
                      statistic_name="chi²", p=float(p), df=str(dof), n=n,
                      effect_size=cramer, effect_size_name="Cramér's V", ci_low=low, ci_high=high,
                      method_options={"yates_correction": correction,
                                      "effect_ci": "noncentral_chi2"}, label=label,
                      note=f"table {table.to_dict()}" + (f"; {small} expected count(s) < 5"
                                                         if small else ""))


def _mixed_type3(cells, *, dv, subject, within, between, label) -> list[ResultRow]:
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    wide = cells.pivot_table(index=[subject, between], columns=within, values=dv).reset_index()
    levels = [c for c in wide.columns if c not in (subject, between)]
    if len(levels) != 2:
        raise AnalysisError(f"mixed ANOVA {label}: type III is implemented for a two-level "
                            f"within factor; {within!r} has {len(levels)} levels")
    wide = wide.dropna()
    wide["_diff"] = wide[levels[0]] - wide[levels[1]]
    wide["_mean"] = (wide[levels[0]] + wide[levels[1]]) / 2
    wide["_group"] = wide[between].astype(str)
    diff = smf.ols("_diff ~ C(_group, Sum)", data=wide).fit()
    mean = smf.ols("_mean ~ C(_group, Sum)", data=wide).fit()
    n, g = len(wide), wide["_group"].nunique()
    within_f = float(diff.tvalues["Intercept"] ** 2)
    between_row = anova_lm(mean, typ=3).iloc[1]
    inter_row = anova_lm(diff, typ=3).iloc[1]
    rows = []
    for source, f, d1 in ((between, float(between_row["F"]), g - 1), (within, within_f, 1),
                          ("Interaction", float(inter_row["F"]), g - 1)):
        p = float(stats.f.sf(f, d1, n - g))
        low, high = eta_squared_ci(f, d1, n - g)
        rows.append(ResultRow(test="mixed ANOVA (type III, statsmodels OLS)", statistic=f,
                               statistic_name="F", p=p, df=f"{d1:g}, {n - g:g}", n=n,
                               effect_size=f * d1 / (f * d1 + n - g),
                               effect_size_name="partial eta²", ci_low=low, ci_high=high,
                               method_options={"ss_type": 3, "effect_ci": "noncentral_F"},
                               label=f"{label}: {source}"))
    return rows
