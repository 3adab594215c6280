"""One row per test as it was planned: name, what is compared, statistic, df, Z, p, adjusted p,
effect size with its CI, and the decision; the options are said in words, never as raw keys."""

from __future__ import annotations

import math

from ..results import ResultRow
from .text import fmt, fmt_p

HEADER = ["analysis", "test", "compared", "statistic", "df", "Z", "p", "p adjusted",
          "effect size [CI, 95% unless the how says otherwise]", "decision", "how"]
ALTERNATIVE = {"two-sided": "two-sided", "less": "one-sided (less)",
               "greater": "one-sided (greater)"}
METHOD = {"asymptotic": "normal approximation", "exact": "exact distribution",
          "auto": "exact or normal approximation by scipy's rule", "approx": "normal approximation"}
ZERO = {"wilcox": "zero differences dropped", "pratt": "zero differences ranked (Pratt)",
        "zsplit": "zero differences split"}
CI = {"fisher_z": "CI by Fisher's z", "conditional_exact": "exact conditional CI",
      "clopper_pearson": "exact (Clopper-Pearson) CI",
      "bootstrap_percentile": "percentile bootstrap CI (resampled within conditions)",
      "noncentral_F": "90% CI by noncentral F (Steiger 2004; excludes 0 exactly when F is "
                      "significant at .05)",
      "noncentral_chi2": "90% CI by noncentral chi² (excludes 0 exactly when chi² is "
                         "significant at .05)",
      "welch_t": "95% CI of the mean difference (Welch)"}
CORRECTION_NAMES = {"bonferroni": "Bonferroni", "holm": "Holm"}


def _phrase(key: str, value) -> str:
    if key == "alternative":
        return ALTERNATIVE.get(value, f"alternative {value}")
    if key == "method":
        return METHOD.get(value, f"method {value}")
    if key == "continuity":
        return "continuity correction" if value else "no continuity correction"
    if key == "tie_correction":
        return "tie-corrected" if value else "not tie-corrected"
    if key == "center":
        return f"Levene centred at the {value}"
    if key == "zero_method":
        return ZERO.get(value, f"zero differences: {value}")
    if key == "effect_ci":
        return CI.get(value, f"CI: {value}")
    if key == "equal_var":
        return "equal variances assumed" if value else "unequal variances (Welch)"
    if key == "exact":
        return "exact" if value else "approximate"
    if key == "sphericity_correction":
        return "no sphericity correction" if value == "none" else f"{value} sphericity correction"
    if key == "ss_type":
        return f"type {'I' * int(value) if int(value) < 4 else value} sums of squares"
    if key == "yates_correction":
        return "Yates' correction" if value else "no Yates' correction"
    return f"{key.replace('_', ' ')}: {value}"


def how(row: ResultRow) -> str:
    return "; ".join(_phrase(k, v) for k, v in sorted(row.method_options.items()) if k != "correction")


def correction_words(method_options: dict) -> str:
    """'bonferroni over 2 tests' -> 'Bonferroni over 2 tests'; '' when there is none."""
    correction = str(method_options.get("correction", "none"))
    if correction == "none":
        return ""
    method, _, rest = correction.partition(" ")
    return f"{CORRECTION_NAMES.get(method, method)} {rest}".strip()


def adjusted(row: ResultRow) -> str:
    words = correction_words(row.method_options)
    if math.isnan(row.p_adjusted) or not words:
        return ""
    return f"{fmt_p(row.p_adjusted)} ({words})"


def effect(row: ResultRow) -> str:
    if math.isnan(row.effect_size):
        return ""
    text = f"{row.effect_size_name} = {fmt(row.effect_size)}"
    if not (math.isnan(row.ci_low) or math.isnan(row.ci_high)):
        text += f" [{fmt(row.ci_low)}, {fmt(row.ci_high)}]"
    return text


def decision(row: ResultRow) -> str:
    if row.decision:
        return row.decision
    if row.significant is None:
        return row.note
    p_name = "adjusted p" if not math.isnan(row.p_adjusted) else "p"
    return (f"significant ({p_name} < {row.alpha:g})" if row.significant else
            f"not significant ({p_name} >= {row.alpha:g})")


def test_row(row: ResultRow) -> list[str]:
    statistic = (f"{row.statistic_name} = {fmt(row.statistic)}" if row.statistic_name else "")
    return [row.analysis_id, row.test, row.label, statistic, row.df,
            "" if math.isnan(row.z) else fmt(row.z), fmt_p(row.p), adjusted(row), effect(row),
            decision(row), how(row)]


def tests_blocks(tests: list[ResultRow], *, preregistered: bool) -> list[tuple]:
    rows = [t for t in tests if t.preregistered == preregistered]
    if not rows:
        return []
    branches = [f"{t.analysis_id}: {t.label}: {t.decision}" for t in rows if t.test == "decision"]
    blocks = [("table", HEADER, [test_row(t) for t in rows if t.test != "decision"])]
    if branches:
        blocks.insert(0, ("list", [f"branch taken, {b}" for b in branches]))
    return blocks
