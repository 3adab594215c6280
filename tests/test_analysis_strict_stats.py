"""Degenerate data get a clear error or NaN with a note, never a number; effect sizes are the
right ones with the right sign; each checked against an independent computation."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import cohen_kappa_score

from analysis import between_subjects as tb
from analysis import screening
from analysis import within_subjects as tw
from analysis.results import AnalysisError


def _cells(values):
    """participant x A (2 levels) x B (2 levels) with the given value function."""
    rows = [(s, a, b, values(s, a, b)) for s in range(6) for a in ("x", "y") for b in ("u", "v")]
    return pd.DataFrame(rows, columns=["participant", "A", "B", "y"])


def test_rm_anova_on_constant_data_is_an_error():
    # today: F = 535 for A, F = -0.47 for A:B
    with pytest.raises(AnalysisError, match="constant data"):
        tw.rm_anova(_cells(lambda s, a, b: 1.0), dv="y", subject="participant",
                    within=["A", "B"], label="constant")


def test_rm_anova_zero_error_term_is_nan_with_a_note():
    # every subject shows exactly the same A effect: subject x A variation is zero
    data = _cells(lambda s, a, b: 0.1 * s + (0.3 if a == "x" else 0.0)
                  + (0.05 * s if b == "u" else 0.0))
    rows = {r.label.split(": ")[1]: r for r in tw.rm_anova(
        data, dv="y", subject="participant", within=["A", "B"], label="rm")}
    assert math.isnan(rows["A"].statistic) and math.isnan(rows["A"].p)  # today F = -5e30
    assert "error term of A is zero" in rows["A"].note
    assert rows["B"].statistic > 0 and not rows["B"].note


def test_rm_anova_error_terms_match_an_independent_computation():
    rng = np.random.default_rng(7)
    data = _cells(lambda s, a, b: rng.normal() + (0.8 if a == "x" else 0.0))
    rows = tw.rm_anova(data, dv="y", subject="participant", within=["A", "B"], label="rm")
    wide = data.pivot_table(index="participant", columns=["A", "B"], values="y")
    # two-level factors: F of an effect = t² of the one-sample t-test of its contrast
    contrasts = {"A": wide["x"].sum(axis=1) - wide["y"].sum(axis=1),
                 "B": wide.xs("u", axis=1, level="B").sum(axis=1)
                 - wide.xs("v", axis=1, level="B").sum(axis=1),
                 "A:B": (wide[("x", "u")] - wide[("x", "v")]) - (wide[("y", "u")]
                                                                 - wide[("y", "v")])}
    for row in rows:
        effect = row.label.split(": ")[1]
        t = stats.ttest_1samp(contrasts[effect], 0.0).statistic
        assert row.statistic == pytest.approx(t ** 2, rel=1e-9)


def test_kruskal_with_a_group_of_one_is_an_error():
    groups = {"a": [0.2], "b": [0.2, 0.4, 0.6], "c": [0.4, 0.6, 0.8]}
    with pytest.raises(AnalysisError, match="Kruskal-Wallis for a: needs at least 2"):
        tb.kruskal(groups)


def test_mcnemar_refuses_values_that_are_not_0_1():
    # today: scored, with a note that reads "125.0% vs 50.0%"
    with pytest.raises(AnalysisError, match="needs paired 0/1 outcomes, found 2"):
        tw.mcnemar_exact([2, 1, 1, 1], [0, 1, 1, 0], alternative="greater", label="legs vs color")


def test_fisher_refuses_values_that_are_not_0_1():
    with pytest.raises(AnalysisError, match="needs 0/1 values, found 0.5"):
        tb.fisher_exact([1, 0, 0.5], [1, 1, 0], alternative="two-sided", label="legs")


def test_welch_anova_with_a_zero_variance_group_is_a_clear_error():
    # today: pingouin's raw ValueError
    groups = {"b": [0.2, 0.2, 0.2], "i": [0.2, 0.4, 0.6], "c": [0.4, 0.6, 0.8]}
    with pytest.raises(AnalysisError, match="Welch's ANOVA: zero variance in b"):
        tb.welch_anova(groups)


@pytest.mark.parametrize("run", [
    lambda g: tb.levene(g, center="median", alpha=0.05),
    lambda g: tb.anova_oneway(g),
    lambda g: tb.planned_contrast(g, "b", "i", alternative="less", label="H2"),
    lambda g: tb.welch_t(g["b"], g["i"], alternative="less", label="H2"),
], ids=["levene", "anova", "contrast", "welch_t"])
def test_zero_variance_in_every_group_is_an_error(run):
    with pytest.raises(AnalysisError, match="zero variance"):
        run({"b": [0.6, 0.6, 0.6], "i": [0.8, 0.8, 0.8]})


def test_cramers_v_comes_from_the_uncorrected_chi_square():
    data = pd.DataFrame({"condition": ["natural"] * 30 + ["optimized"] * 30,
                         "rating": ["high"] * 20 + ["low"] * 10 + ["high"] * 11 + ["low"] * 19})
    row = tw.chi_square(data, rows="condition", columns="rating", correction=True, label="x")
    table = pd.crosstab(data["condition"], data["rating"]).values
    corrected = stats.chi2_contingency(table, correction=True)[0]
    uncorrected = stats.chi2_contingency(table, correction=False)[0]
    assert row.statistic == pytest.approx(corrected)  # the test itself: as preregistered
    assert row.effect_size == pytest.approx(math.sqrt(uncorrected / 60))  # phi of the table
    a, b, c, d = table.ravel()
    phi = (a * d - b * c) / math.sqrt((a + b) * (c + d) * (a + c) * (b + d))
    assert row.effect_size == pytest.approx(abs(phi))


def test_rank_sum_effect_size_has_the_sign_of_a_minus_b():
    concepts = np.array([0.2, 0.4, 0.4, 0.6, 0.2, 0.4, 0.8, 0.2])
    baseline = np.array([0.8, 0.8, 1.0, 0.6, 0.8, 1.0, 0.6, 0.8])
    row = tb.mann_whitney(concepts, baseline, alternative="less", label="H1")
    ranks = stats.rankdata(np.r_[concepts, baseline])
    n1, n2, n = concepts.size, baseline.size, 16
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    _, t = np.unique(ranks, return_counts=True)
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - (t ** 3 - t).sum() / (n * (n - 1))))
    z = (u - n1 * n2 / 2) / sigma
    assert z < 0 and row.effect_size == pytest.approx(z / math.sqrt(n))  # today: +|Z|/sqrt(N)
    flipped = tb.mann_whitney(baseline, concepts, alternative="greater", label="H1'")
    assert flipped.effect_size == pytest.approx(-row.effect_size)


def test_signed_rank_effect_size_has_the_sign_of_a_minus_b():
    x = np.array([0.5, 0.6, 0.4, 0.55, 0.45, 0.5, 0.35, 0.6])
    y = np.array([0.7, 0.8, 0.65, 0.6, 0.5, 0.75, 0.7, 0.9])
    row = tw.wilcoxon_signed_rank(x, y, alternative="less", method="asymptotic",
                                  correction=False, zero_method="wilcox", label="a vs b")
    z = abs(stats.wilcoxon(np.round(x - y, 10), method="asymptotic").zstatistic)
    assert row.effect_size == pytest.approx(-z / math.sqrt(8))


def test_kappa_of_annotators_who_disagree_on_everyone_is_not_one():
    people = [str(i) for i in range(6)]
    labels = pd.DataFrame({"participant": people * 2, "annotator": ["A"] * 6 + ["B"] * 6,
                           "label": ["include"] * 6 + ["exclude"] * 6})
    summary = screening.summarize(labels)
    expected = cohen_kappa_score([True] * 6, [False] * 6, labels=[False, True])
    assert summary["kappa"] == pytest.approx(expected) and summary["kappa"] != 1.0  # today 1.0
    agreeing = labels.assign(label="include")
    summary = screening.summarize(agreeing)
    assert summary["kappa"] is None  # 0/0: undefined, not perfect
    assert "kappa undefined" in summary["kappa_notes"][0]


def _signed_rank_enumeration(d, alternative="two-sided"):
    d = np.asarray(d, dtype=float)
    ranks = stats.rankdata(np.abs(d))
    observed = ranks[d > 0].sum()
    mean = ranks.sum() / 2
    sums = np.array([sum(r for r, s in zip(ranks, signs, strict=True) if s)
                     for signs in itertools.product([0, 1], repeat=d.size)])
    return float(np.mean(np.abs(sums - mean) >= abs(observed - mean) - 1e-12))


def test_r_wilcox_test_exact_without_ties_or_zeros():
    d = np.array([0.3, -0.1, 0.45, 0.2, 0.7, -0.25, 0.5, 0.05, 0.6])
    p, variant = tw.r_wilcox_test(d, alternative="two-sided")
    assert variant == "exact" and p == pytest.approx(_signed_rank_enumeration(d))


def test_r_wilcox_test_with_zeros_and_ties_is_the_corrected_normal_approximation():
    d = np.array([8, 6, 0, 2, 10, 3, 4, 3, 9, 1]) / 45  # Borowski Exp. I natural - synthetic
    p, variant = tw.r_wilcox_test(d, alternative="two-sided")
    nz = d[d != 0]
    n, v = nz.size, stats.rankdata(np.abs(nz)).sum()  # all positive: V = 45
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - (2 ** 3 - 2) / 48)  # one pair tied
    z = (v - n * (n + 1) / 4 - 0.5) / sigma
    assert "zeros" in variant and "ties" in variant
    assert p == pytest.approx(2 * stats.norm.sf(z), rel=1e-12)
    assert p == pytest.approx(0.0091, abs=0.0001)
