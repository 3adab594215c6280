"""Every statistic against an independent computation (by hand, enumeration or permutation)."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import between_subjects as tb
from analysis import within_subjects as tw
from analysis.results import AnalysisError


def test_exact_mcnemar_matches_binomial_by_hand():
    # 12 participants chose legs but not color (b), 2 chose color but not legs (c)
    legs = np.array([1] * 12 + [0] * 2 + [1] * 20 + [0] * 9)
    color = np.array([0] * 12 + [1] * 2 + [1] * 20 + [0] * 9)
    one = tw.mcnemar_exact(legs, color, alternative="greater", label="legs vs color")
    n = 14
    by_hand_one = sum(stats.binom.pmf(k, n, 0.5) for k in range(12, n + 1))
    assert one.p == pytest.approx(by_hand_one, rel=1e-12)
    two = tw.mcnemar_exact(legs, color, alternative="two-sided", label="legs vs color")
    assert two.p == pytest.approx(min(1.0, 2 * by_hand_one), rel=1e-12)
    # the other direction is not significant at all
    assert tw.mcnemar_exact(legs, color, alternative="less", label="x").p > 0.99
    assert one.note.startswith("b = 12, c = 2")


def _exhaustive_rank_sum_p(a, b, alternative):
    pooled = np.concatenate([a, b])
    ranks = stats.rankdata(pooled)
    observed = ranks[: len(a)].sum()
    sums = np.array([ranks[list(idx)].sum()
                     for idx in itertools.combinations(range(len(pooled)), len(a))])
    if alternative == "greater":
        return np.mean(sums >= observed - 1e-9)
    if alternative == "less":
        return np.mean(sums <= observed + 1e-9)
    centre = len(a) * (len(pooled) + 1) / 2
    return np.mean(np.abs(sums - centre) >= abs(observed - centre) - 1e-9)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_rank_sum_exact_matches_exhaustive_permutation(alternative):
    a = np.array([0.61, 0.83, 0.92, 0.47, 0.99, 0.75])
    b = np.array([0.12, 0.55, 0.31, 0.68, 0.42])
    row = tb.mann_whitney(a, b, alternative=alternative, method="exact", use_continuity=False,
                          label="t")
    assert row.p == pytest.approx(_exhaustive_rank_sum_p(a, b, alternative), abs=1e-12)


def test_rank_sum_with_ties_close_to_many_permutations():
    rng = np.random.default_rng(7)
    a = rng.choice([0.4, 0.6, 0.8, 1.0], size=30, p=[0.1, 0.2, 0.3, 0.4])
    b = rng.choice([0.4, 0.6, 0.8, 1.0], size=30, p=[0.3, 0.3, 0.2, 0.2])
    row = tb.mann_whitney(a, b, alternative="greater", method="asymptotic",
                          use_continuity=False, label="t")
    pooled = np.concatenate([a, b])
    observed = a.mean() - b.mean()  # same ordering as U for a permutation test on ranks
    ranks = stats.rankdata(pooled)
    obs_rank = ranks[:30].sum()
    perm = np.array([ranks[rng.permutation(60)[:30]].sum() for _ in range(20000)])
    p_perm = np.mean(perm >= obs_rank - 1e-9)
    assert observed > 0
    assert row.p == pytest.approx(p_perm, abs=0.01)


def test_effect_size_r_is_z_over_sqrt_n_by_hand():
    a = np.array([1.0, 0.8, 0.8, 0.6, 1.0, 0.8, 0.4])
    b = np.array([0.2, 0.4, 0.6, 0.2, 0.4, 0.8])
    row = tb.mann_whitney(a, b, alternative="two-sided", label="t")
    n1, n2 = len(a), len(b)
    ranks = stats.rankdata(np.concatenate([a, b]))
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    _, t = np.unique(np.concatenate([a, b]), return_counts=True)
    n = n1 + n2
    var = n1 * n2 / 12 * ((n + 1) - (t**3 - t).sum() / (n * (n - 1)))
    z = (u - n1 * n2 / 2) / math.sqrt(var)
    assert row.effect_size == pytest.approx(abs(z) / math.sqrt(n), rel=1e-12)
    assert row.statistic == pytest.approx(u)


def test_kruskal_matches_h_from_ranks_by_hand():
    groups = {"a": [0.2, 0.4, 0.4, 0.6], "b": [0.6, 0.8, 0.8, 1.0, 1.0], "c": [0.0, 0.2, 0.4]}
    row = tb.kruskal(groups)
    values = np.concatenate([np.array(v) for v in groups.values()])
    ranks = stats.rankdata(values)
    n = len(values)
    start, h = 0, 0.0
    for v in groups.values():
        r = ranks[start:start + len(v)]
        h += r.sum() ** 2 / len(v)
        start += len(v)
    h = 12 / (n * (n + 1)) * h - 3 * (n + 1)
    _, t = np.unique(values, return_counts=True)
    h /= 1 - (t**3 - t).sum() / (n**3 - n)
    assert row.statistic == pytest.approx(h, rel=1e-12)
    assert row.p == pytest.approx(stats.chi2.sf(h, 2), rel=1e-12)


def _enumerated_signed_rank_p(d):
    d = d[d != 0]
    ranks = stats.rankdata(np.abs(d))
    observed = ranks[d > 0].sum()
    total = ranks.sum()
    centre = total / 2
    sums = [sum(r for r, s in zip(ranks, signs, strict=True) if s)
            for signs in itertools.product([0, 1], repeat=len(d))]
    sums = np.array(sums)
    return np.mean(np.abs(sums - centre) >= abs(observed - centre) - 1e-9), observed


def test_wilcoxon_exact_matches_enumeration():
    x = np.array([0.91, 0.87, 0.95, 0.78, 0.88, 0.99, 0.84, 0.90, 0.73])
    y = np.array([0.80, 0.89, 0.81, 0.70, 0.85, 0.81, 0.86, 0.74, 0.60])
    row = tw.wilcoxon_signed_rank(x, y, alternative="two-sided", method="exact",
                                  correction=False, zero_method="wilcox", label="t")
    p, plus = _enumerated_signed_rank_p(np.round(x - y, 10))
    assert row.p == pytest.approx(p, abs=1e-12)
    assert row.statistic == pytest.approx(plus)
    assert row.method_options == {"alternative": "two-sided", "method": "exact", "continuity": False,
                           "zero_method": "wilcox"}


def test_wilcoxon_normal_approximation_with_continuity_by_hand():
    x = np.array([0.9, 0.8, 0.85, 0.7, 0.95, 0.9, 0.6, 0.75])
    y = np.array([0.8, 0.8, 0.7, 0.75, 0.8, 0.7, 0.5, 0.7])
    row = tw.wilcoxon_signed_rank(x, y, alternative="two-sided", method="asymptotic",
                                  correction=True, zero_method="wilcox", label="t")
    d = np.round(x - y, 10)
    d = d[d != 0]
    n = len(d)
    ranks = stats.rankdata(np.abs(d))
    plus = ranks[d > 0].sum()
    _, t = np.unique(np.abs(d), return_counts=True)
    sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - (t**3 - t).sum() / 48)
    z = (abs(plus - n * (n + 1) / 4) - 0.5) / sd
    assert row.p == pytest.approx(2 * stats.norm.sf(z), rel=1e-9)
    assert "1 zero difference" in row.note


def test_chi_square_by_hand():
    frame = pd.DataFrame({"ref": ["n"] * 60 + ["s"] * 60,
                          "conf": [3] * 40 + [2] * 15 + [1] * 5 + [3] * 20 + [2] * 25 + [1] * 15})
    row = tw.chi_square(frame, rows="ref", columns="conf", correction=False, label="t")
    observed = pd.crosstab(frame["ref"], frame["conf"]).to_numpy()
    expected = observed.sum(1, keepdims=True) * observed.sum(0, keepdims=True) / observed.sum()
    chi2 = ((observed - expected) ** 2 / expected).sum()
    assert row.statistic == pytest.approx(chi2)
    assert row.p == pytest.approx(stats.chi2.sf(chi2, 2))


def test_rm_anova_two_levels_equals_paired_t_squared():
    rng = np.random.default_rng(3)
    a, b = rng.uniform(0.6, 1, 12), rng.uniform(0.4, 0.9, 12)
    frame = pd.DataFrame({"participant": list(range(12)) * 2, "ref": ["a"] * 12 + ["b"] * 12,
                          "correct": np.concatenate([a, b])})
    row = tw.rm_anova(frame, dv="correct", subject="participant", within=["ref"], label="t")[0]
    t = stats.ttest_rel(a, b)
    assert row.statistic == pytest.approx(t.statistic**2, rel=1e-9)
    assert row.p == pytest.approx(t.pvalue, rel=1e-9)


def test_mixed_anova_type3_equals_pingouin_when_balanced():
    rng = np.random.default_rng(5)
    rows = [{"participant": s, "group": "e" if s < 8 else "l", "ref": ref,
             "correct": rng.uniform(0.5, 1) + (0.1 if ref == "n" else 0)}
            for s in range(16) for ref in ("n", "s")]
    frame = pd.DataFrame(rows)
    two = tw.mixed_anova(frame, dv="correct", subject="participant", within="ref",
                         between="group", label="t", ss_type=2)
    three = tw.mixed_anova(frame, dv="correct", subject="participant", within="ref",
                           between="group", label="t", ss_type=3)
    for a, b in zip(two, three, strict=True):
        assert a.statistic == pytest.approx(b.statistic, rel=1e-6)


def test_holm_adjustment_by_hand():
    rows = [tb.fisher_exact([1] * k + [0] * (20 - k), [1] * 10 + [0] * 10,
                            alternative="two-sided", label=str(k)) for k in (19, 16, 12)]
    adjusted = tb.adjust(rows, method="holm")
    ps = sorted(r.p for r in rows)
    by_hand, running = [], 0.0
    for i, p in enumerate(ps):
        running = max(running, min(1.0, (3 - i) * p))
        by_hand.append(running)
    assert sorted(r.p_adjusted for r in adjusted) == pytest.approx(by_hand)


def _normal_sample(n, loc, scale):
    return stats.norm.ppf((np.arange(1, n + 1) - 0.5) / n, loc=loc, scale=scale)


def _run_branch(groups):
    from analysis.prereg import Analysis
    from analysis.statistical_tests import BetweenConditions

    class Data:
        def groups(self, dv):
            return {k: np.asarray(v, dtype=float) for k, v in groups.items()}

    analysis = Analysis(id="main", test="between_conditions", params={
        "comparisons": [{"id": "H1", "a": "c", "b": "b", "alternative": "less"},
                        {"id": "H2", "a": "i", "b": "b", "alternative": "greater"}],
        "expected_branch": "not normal"})
    return BetweenConditions().run(Data(), analysis, {})


def test_branch_not_normal_runs_kruskal_and_bonferroni_rank_sums():
    skewed = {k: np.r_[np.ones(15), np.full(3, 0.6), [0.2]] - shift for k, shift in
              (("b", 0.0), ("i", 0.0), ("c", 0.3))}
    out = _run_branch(skewed)
    tests = [r.test for r in out.rows]
    assert tests.count("Shapiro-Wilk") == 3
    assert "Kruskal-Wallis" in tests
    rank_sums = [r for r in out.rows if r.test.startswith("Wilcoxon rank-sum")]
    assert len(rank_sums) == 2
    for r in rank_sums:
        assert r.p_adjusted == pytest.approx(min(1.0, 2 * r.p))
    assert out.deviations == []


def test_branch_normal_equal_variances_runs_anova_with_contrasts():
    groups = {"b": _normal_sample(30, 0.6, 0.1), "i": _normal_sample(30, 0.7, 0.1),
              "c": _normal_sample(30, 0.4, 0.1)}
    out = _run_branch(groups)
    tests = [r.test for r in out.rows]
    assert "one-way ANOVA" in tests and "Kruskal-Wallis" not in tests
    levene = next(r for r in out.rows if r.test == "Levene")
    assert levene.decision == "equal variances"
    contrast = next(r for r in out.rows if r.label.startswith("H1"))
    assert contrast.test.startswith("planned contrast")
    mse = np.mean([np.var(v, ddof=1) for v in groups.values()])
    t = (groups["c"].mean() - groups["b"].mean()) / math.sqrt(mse * (2 / 30))
    assert contrast.statistic == pytest.approx(t)
    assert "expected the data to be 'not normal'" in out.deviations[0]


def test_branch_normal_unequal_variances_runs_welch():
    groups = {"b": _normal_sample(30, 0.6, 0.02), "i": _normal_sample(30, 0.7, 0.2),
              "c": _normal_sample(30, 0.4, 0.1)}
    out = _run_branch(groups)
    tests = [r.test for r in out.rows]
    assert "Welch's ANOVA (pingouin)" in tests
    assert [r.test for r in out.rows if r.label.startswith("H")] == ["Welch t-test"] * 2


def test_shapiro_on_constant_data_is_a_clear_error():
    with pytest.raises(AnalysisError, match="identical"):
        tb.shapiro([0.8] * 10, label="accuracy in inn", alpha=0.05)
