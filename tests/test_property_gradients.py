"""E[|grad_X|] and the shuffle test of Penzel & Denzler's Algorithm 1 (appendix A.5).

Identity tests against closed forms and against independent computations (numpy.gradient, a
loop that runs Algorithm 1 as printed)."""

import numpy as np
import pytest
from scipy import stats

from explainers.interventions import (
    derivative_matrix,
    fornberg_weights,
    permutation_test,
    property_gradient_score,
)
from explainers.interventions.permutation import permutation_bank


def test_fornberg_weights_match_the_classical_stencils():
    np.testing.assert_allclose(fornberg_weights(0.0, [-1.0, 0.0, 1.0], 2),
                               [[0, 1, 0], [-0.5, 0, 0.5], [1, -2, 1]], atol=1e-14)
    # five-point central first derivative: (1, -8, 0, 8, -1) / 12
    np.testing.assert_allclose(fornberg_weights(0.0, [-2, -1, 0, 1, 2], 1)[1],
                               np.array([1, -8, 0, 8, -1]) / 12, atol=1e-14)
    # uneven nodes: exact for every polynomial of degree <= len(nodes) - 1
    nodes = np.array([0.0, 0.3, 1.1, 1.5])
    w = fornberg_weights(0.7, nodes, 1)[1]
    for degree in range(4):
        assert w @ nodes**degree == pytest.approx(degree * 0.7 ** max(degree - 1, 0), abs=1e-12)


@pytest.mark.parametrize("n", [2, 3, 11])
def test_derivative_is_numpy_gradient_on_even_and_uneven_grids(n):
    rng = np.random.default_rng(n)
    y = rng.normal(size=(5, n))
    x = np.cumsum(rng.uniform(0.1, 2.0, n))
    np.testing.assert_allclose(y @ derivative_matrix(x).T, np.gradient(y, x, axis=-1), atol=1e-12)
    np.testing.assert_allclose(y @ derivative_matrix(np.arange(n)).T, np.gradient(y, axis=-1),
                               atol=1e-12)


def test_bad_grids_are_refused():
    with pytest.raises(ValueError, match="at least 2 points"):
        derivative_matrix([0.0])
    with pytest.raises(ValueError, match="strictly increasing"):
        derivative_matrix([0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="scheme"):
        derivative_matrix([0.0, 1.0], scheme="backward")
    with pytest.raises(ValueError, match="finite"):
        property_gradient_score([0.0, np.nan])


def test_constant_output_scores_zero_with_p_one():
    y = np.full((4, 2, 11), 0.7)
    result = permutation_test(y, permutations=500)
    assert np.all(result.local_score == 0) and np.all(result.global_score == 0)
    assert np.all(result.local_p == 1) and np.all(result.global_p == 1)
    assert not result.local_significant.any()


@pytest.mark.parametrize("c", [-3.0, 0.25, 2.0])
def test_linear_output_scores_abs_slope_and_is_significant(c):
    x = np.cumsum(np.r_[0.0, np.random.default_rng(1).uniform(0.2, 1.0, 10)])  # uneven grid
    y = c * x
    assert property_gradient_score(y, x) == pytest.approx(abs(c), rel=1e-12)
    assert property_gradient_score(c * np.arange(11.0)) == pytest.approx(abs(c))  # unit steps
    result = permutation_test(y[None], x, permutations=2000)
    assert result.local_score[0, 0] == pytest.approx(abs(c))
    assert result.local_p[0, 0] < 0.01 and result.local_significant[0, 0]


def test_two_points_give_the_difference_quotient_the_cace_link():
    # appendix A.4: with binary states the score is |F(I_0) - F(I_1)| (per unit of x)
    assert property_gradient_score([0.2, 0.9], [1.0, 3.0]) == pytest.approx(0.35)
    assert property_gradient_score([0.9, 0.2]) == pytest.approx(0.7)
    # both orders of two outputs have the same score: no permutation can be more extreme
    assert permutation_test(np.array([[0.2, 0.9]]), permutations=100).local_p[0, 0] == 1


def test_a_step_has_a_finite_score_and_needs_enough_points_to_be_significant():
    """Appendix A.5: "we can investigate relationships where theoretically no gradient exists
    ... by approximating gradients for discrete observations ... we can circumvent the issue of
    nonexisting gradients". A step of height h between two interior nodes scores h / (N dx):
    the central quotient sees it at both neighbours with h / (2 dx). Shuffling a step gives
    jagged paths, so the score lies below the null: significant with 21 points; with 11 points
    a single isolated jump ties with the step too often (two-sided p = 0.03)."""
    for n in (11, 21):
        x = np.linspace(0.0, 2.0, n)
        y = np.where(np.arange(n) >= n // 2, 0.8, 0.1)
        assert property_gradient_score(y, x) == pytest.approx(0.7 / (n * (x[1] - x[0])))
    p11 = permutation_test(np.where(np.arange(11) >= 5, 0.8, 0.1)[None], permutations=10_000)
    p21 = permutation_test(np.where(np.arange(21) >= 10, 0.8, 0.1)[None], permutations=10_000)
    assert 0.01 < p11.local_p[0, 0] < 0.06
    assert p21.local_p[0, 0] < 0.01


def test_the_test_is_two_sided_a_zigzag_lies_above_its_null():
    # Fig. 9(n): the zigzag with the forward quotient; its score is the largest possible
    y = np.tile([0.0, 1.0], 8)[None]
    two = permutation_test(y, permutations=2000, scheme="forward")
    assert two.local_p[0, 0] < 0.01
    assert permutation_test(y, permutations=2000, scheme="forward",
                            alternative="greater").local_p[0, 0] < 0.01
    assert permutation_test(y, permutations=2000, scheme="forward",
                            alternative="less").local_p[0, 0] == 1


def _algorithm_1(y, x, bank):
    """Algorithm 1 as printed, one permutation at a time, with numpy.gradient."""
    score = np.abs(np.gradient(y, x)).mean()
    less = greater = 0.0
    for perm in bank:
        permuted = np.abs(np.gradient(y[perm], x)).mean()
        less += (permuted <= score + 1e-12) / len(bank)
        greater += (permuted >= score - 1e-12) / len(bank)
    return score, min(1.0, 2 * min(less, greater))


@pytest.mark.parametrize("grid", ["even", "uneven"])
def test_vectorised_test_equals_algorithm_1_run_as_printed(grid):
    rng = np.random.default_rng(5)
    n, k = 9, 300
    x = np.arange(n, dtype=float) if grid == "even" else np.cumsum(rng.uniform(0.2, 1.0, n))
    y = np.sin(x)[None, :] + rng.normal(scale=[[0.05], [0.5], [2.0]], size=(3, n))
    result = permutation_test(y, x, permutations=k, seed=11)
    bank = permutation_bank(n, k, np.random.default_rng(11))
    for i in range(3):
        score, p = _algorithm_1(y[i], x, bank)
        assert result.local_score[i, 0] == pytest.approx(score, rel=1e-12)
        assert result.local_p[i, 0] == pytest.approx(p, abs=1e-12)
    dense = permutation_test(y, x, permutations=k, seed=11, force_dense=True)
    np.testing.assert_allclose(dense.local_p, result.local_p)
    np.testing.assert_allclose(dense.global_p, result.global_p)


def test_exchangeable_outputs_give_uniform_p_values():
    """Under the null (outputs unrelated to the grid) local and global p are ~ uniform."""
    rng = np.random.default_rng(0)
    local = permutation_test(rng.normal(size=(2000, 1, 11)), permutations=400, seed=1)
    assert stats.kstest(local.local_p.ravel(), "uniform").pvalue > 0.001
    global_p = [permutation_test(rng.exponential(size=(15, 1, 7)), permutations=200,
                                 seed=s).global_p[0] for s in range(200)]
    assert stats.kstest(global_p, "uniform").pvalue > 0.001
    assert np.mean(np.array(global_p) < 0.05) < 0.1


def test_global_score_is_the_mean_of_local_scores_and_finds_a_shared_trend():
    rng = np.random.default_rng(2)
    x = np.linspace(0, 1, 11)
    trend = 0.3 * x + rng.normal(scale=0.05, size=(40, 11))  # weak per image, clear over images
    noise = rng.normal(scale=0.05, size=(40, 11))
    result = permutation_test(np.stack([trend, noise], axis=1), permutations=2000)
    np.testing.assert_allclose(result.global_score, result.local_score.mean(axis=0))
    assert result.global_p[0] < 0.01 and result.global_p[1] > 0.01
    frame = result.global_frame(["trend", "noise"])
    assert list(frame.columns[:4]) == ["factor", "score", "p", "significant"]
    assert frame.significant.tolist() == [True, False]


def test_bad_settings_are_refused():
    y = np.zeros((2, 1, 5))
    with pytest.raises(ValueError, match="positive integer"):
        permutation_test(y, permutations=0)
    with pytest.raises(ValueError, match="significance level"):
        permutation_test(y, alpha=1.5)
    with pytest.raises(ValueError, match="alternative"):
        permutation_test(y, alternative="both")
    with pytest.raises(ValueError, match=r"\[images, factors, points\]"):
        permutation_test(np.zeros(5))
