"""Confidence intervals of eta², partial eta², Cramér's V (noncentral inversion) and of Welch's
mean difference, checked against independent computations: the noncentral distributions written
out as Poisson mixtures (scipy.special.betainc / central chi²), the Welch-Satterthwaite interval by
hand, and coverage in simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from analysis import between_subjects as tb
from analysis import within_subjects as tw
from analysis.noncentral_ci import cramers_v_ci, eta_squared_ci


def _pois(lam: float, terms: int = 400) -> tuple[np.ndarray, np.ndarray]:
    j = np.arange(terms)
    return j, stats.poisson.pmf(j, lam / 2)


def ncf_cdf_mixture(x: float, d1: float, d2: float, lam: float) -> float:
    """Noncentral F cdf as a Poisson(lam/2) mixture of regularised incomplete beta functions."""
    j, w = _pois(lam)
    return float((w * special.betainc(d1 / 2 + j, d2 / 2, d1 * x / (d1 * x + d2))).sum())


def ncx2_cdf_mixture(x: float, df: float, lam: float) -> float:
    j, w = _pois(lam)
    return float((w * stats.chi2.cdf(x, df + 2 * j)).sum())


@pytest.mark.parametrize("f, d1, d2", [(5.0, 2, 27), (12.3, 1, 40), (4.1, 3, 96), (45.4, 2, 597)])
def test_it_puts_alpha_half_in_each_tail_of_the_noncentral_f(f, d1, d2):
    low, high = eta_squared_ci(f, d1, d2)
    n = d1 + d2 + 1
    lam_low, lam_high = low * n / (1 - low), high * n / (1 - high)
    assert 0 < low < f * d1 / (f * d1 + d2) < high < 1
    assert ncf_cdf_mixture(f, d1, d2, lam_low) == pytest.approx(0.95, abs=1e-6)
    assert ncf_cdf_mixture(f, d1, d2, lam_high) == pytest.approx(0.05, abs=1e-6)


def test_it_floors_the_lower_bound_at_zero_for_a_small_f():
    low, high = eta_squared_ci(0.4, 2, 27)
    assert low == 0.0
    assert 0 < high < 0.3
    assert stats.f.cdf(0.4, 2, 27) < 0.95  # lambda = 0 already leaves 0.4 inside the tail
    assert eta_squared_ci(0.01, 2, 27) == (0.0, pytest.approx(eta_squared_ci(0.01, 2, 27)[1]))
    assert eta_squared_ci(0.001, 3, 60)[1] == 0.0  # even the upper tail is out of reach


def test_it_gives_cramers_v_bounds_where_the_noncentral_chi2_has_alpha_half_tails():
    chi2, df, n, shape = 30.0, 6, 200, (3, 4)
    low, high = cramers_v_ci(chi2, df, n, shape)
    k = min(shape) - 1
    assert low < math.sqrt(chi2 / (n * k)) < high
    assert ncx2_cdf_mixture(chi2, df, low ** 2 * n * k) == pytest.approx(0.95, abs=1e-6)
    assert ncx2_cdf_mixture(chi2, df, high ** 2 * n * k) == pytest.approx(0.05, abs=1e-6)


def test_it_covers_the_population_eta_squared_about_90_percent_of_the_time():
    rng = np.random.default_rng(11)
    means, n = np.array([0.0, 0.3, 0.6]), 20
    f2 = means.var() / 1.0  # population variance of the group means over sigma² = 1
    true_eta2 = f2 / (1 + f2)
    hits, reps = 0, 500
    for _ in range(reps):
        groups = {f"g{i}": rng.normal(m, 1.0, n) for i, m in enumerate(means)}
        row = tb.anova_oneway(groups)
        hits += row.ci_low <= true_eta2 <= row.ci_high
    assert 0.87 <= hits / reps <= 0.93  # binomial sd at 90 %: 1.3 %


def test_it_gives_the_welch_interval_of_the_mean_difference():
    rng = np.random.default_rng(3)
    a, b = rng.normal(0.7, 0.1, 14), rng.normal(0.6, 0.25, 23)
    row = tb.welch_t(a, b, alternative="greater", label="a vs b")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    half = stats.t.ppf(0.975, df) * math.sqrt(va + vb)
    diff = a.mean() - b.mean()
    assert row.effect_size == pytest.approx(diff)
    assert (row.ci_low, row.ci_high) == (pytest.approx(diff - half), pytest.approx(diff + half))
    assert row.method_options["effect_ci"] == "welch_t"


def test_it_gives_rm_and_mixed_anova_rows_an_interval_around_their_partial_eta_squared():
    rng = np.random.default_rng(5)
    rows = []
    for s in range(24):
        group = "A" if s < 12 else "B"
        for level, shift in (("x", 0.0), ("y", 0.4)):
            rows.append({"subject": s, "group": group, "within": level,
                         "dv": rng.normal(shift + (0.2 if group == "B" else 0), 0.5)})
    data = pd.DataFrame(rows)
    for row in (tw.rm_anova(data, dv="dv", subject="subject", within=["within"], label="rm")
                + tw.mixed_anova(data, dv="dv", subject="subject", within="within",
                                 between="group", label="mixed")
                + tw.mixed_anova(data, dv="dv", subject="subject", within="within",
                                 between="group", label="mixed3", ss_type=3)):
        d1, d2 = (float(x) for x in row.df.split(","))
        assert row.ci_low <= row.effect_size <= row.ci_high, row.label
        assert (row.ci_low, row.ci_high) == eta_squared_ci(row.statistic, d1, d2)


def test_it_computes_cramers_v_interval_on_the_uncorrected_statistic_under_yates():
    data = pd.DataFrame({"r": ["a"] * 30 + ["b"] * 30,
                         "c": ["x"] * 20 + ["y"] * 10 + ["x"] * 9 + ["y"] * 21})
    corrected = tw.chi_square(data, rows="r", columns="c", correction=True, label="t")
    plain = tw.chi_square(data, rows="r", columns="c", correction=False, label="t")
    assert corrected.statistic < plain.statistic
    assert (corrected.ci_low, corrected.ci_high) == (plain.ci_low, plain.ci_high)
    assert plain.ci_low < plain.effect_size < plain.ci_high


@pytest.mark.parametrize("d1, d2", [(1, 9), (2, 27), (3, 96)])
def test_its_lower_bound_is_above_zero_exactly_when_f_is_significant_at_05(d1, d2):
    critical = stats.f.ppf(0.95, d1, d2)
    assert eta_squared_ci(critical * 0.999, d1, d2)[0] == 0.0
    assert eta_squared_ci(critical * 1.001, d1, d2)[0] > 0.0
