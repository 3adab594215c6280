"""The shuffle test of the paper's Algorithm 1 (appendix A.5), local and global, vectorised.

Algorithm 1, as printed: ``p <- 0``; ``sigma_orig <- S(F(I_X))``; ``for i in 1..K``:
``F(I_X^perm) <- permute(F(I_X))``, ``sigma_perm <- S(F(I_X^perm))``, ``if compare(sigma_orig,
sigma_perm): p <- p + 1/K`` ("Comparison depends on S (<, >, two-sided, etc.)"); ``if p < delta:
return significant``. Section 3.5: "We use E[|grad_X|] as our test statistic ... we use a
significance level 0.01 and perform 10K permutations" (the defaults here). Appendix A.5: "our
test statistic is two-sided" (Fig. 9(n): the zigzag's score lies *above* its null distribution,
while smooth changes -- linear, sinus, parabola, step -- lie *below* it, because shuffling a
smooth path makes it jagged). So ``alternative="two-sided"`` (the default) counts both tails,
each exactly as Algorithm 1 counts (``+1/K`` per permutation whose statistic is at most / at
least the original), and doubles the smaller: ``p = min(1, 2 min(p_less, p_greater))``. A
constant path ties with every permutation, so both tails are 1 and ``p = 1``.

Vectorised, for one bank of ``K`` random permutations shared by all paths. On an equidistant
grid (the paper's assumption, and the command's) every row of ``D`` is a two-point difference
``w (y_b - y_a)`` (the central three-point formula's middle weight is 0), so the statistic is
``1/N sum_r |w_r| |y_{b_r} - y_{a_r}|``: a weighted sum over the ``N(N-1)/2`` pairwise absolute
differences of the path, and the ``K`` permuted statistics of all paths are one matrix product
``[paths, pairs] @ [pairs, K]`` (each permutation moves the weights to other pairs). On an uneven
grid the three-point rows are not differences; then the ``K`` permuted derivatives come from the
``N x KN`` matrix ``[D P_1 | ... | D P_K]^T`` (slower; same numbers, tested). Every local test (one image, one factor) uses the same bank,
so each is exactly Algorithm 1 with ``K`` random permutations. The **global** test (over images,
per factor; the paper's appendix A.4: "a consequential approach to deriving global explanations
would be to take a second expectation over a probing or test dataset of inputs") has the mean of
the local scores as its statistic; its ``k``-th permuted value averages, over images, each
image's permuted statistic under a bank permutation drawn for that image independently (the
``K`` permuted statistics of each image in an independent random order), so the images are
shuffled independently of each other, as the null hypothesis allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .finite_differences import Scheme, derivative_matrix
from .scores import grid_or_steps

Alternative = Literal["two-sided", "less", "greater"]
DEFAULT_PERMUTATIONS = 10_000  # section 3.5: "perform 10K permutations"
DEFAULT_ALPHA = 0.01  # section 3.5: "we use a significance level 0.01"
_CHUNK_BYTES = 64 * 2**20
_RELATIVE_TIE = 1e-9


@dataclass(frozen=True)
class PermutationTest:
    """Scores and p-values for ``[images, factors]`` paths (``local_*``) and per factor
    (``global_*``, over the images). ``significant`` means ``p < alpha`` (Algorithm 1)."""

    local_score: np.ndarray
    local_p: np.ndarray
    global_score: np.ndarray
    global_p: np.ndarray
    permutations: int
    alpha: float
    alternative: str
    scheme: str

    @property
    def local_significant(self) -> np.ndarray:
        return self.local_p < self.alpha

    @property
    def global_significant(self) -> np.ndarray:
        return self.global_p < self.alpha

    def global_frame(self, factors) -> pd.DataFrame:
        """One tidy row per factor: factor, score, p, significant (+ the test's settings)."""
        factors = list(factors)
        if len(factors) != len(self.global_score):
            raise ValueError(f"{len(self.global_score)} factors tested, {len(factors)} names given")
        return pd.DataFrame(
            {
                "factor": factors,
                "score": self.global_score,
                "p": self.global_p,
                "significant": self.global_significant,
                "n_images": self.local_score.shape[0],
                "permutations": self.permutations,
                "alpha": self.alpha,
                "alternative": self.alternative,
            }
        )

    def local_frame(self, factors) -> pd.DataFrame:
        """One tidy row per (image, factor): image, factor, score, p, significant."""
        factors = list(factors)
        n_images, n_factors = self.local_score.shape
        if len(factors) != n_factors:
            raise ValueError(f"{n_factors} factors tested, {len(factors)} names given")
        return pd.DataFrame(
            {
                "image": np.repeat(np.arange(n_images), n_factors),
                "factor": np.tile(factors, n_images),
                "score": self.local_score.ravel(),
                "p": self.local_p.ravel(),
                "significant": self.local_significant.ravel(),
            }
        )


def permutation_bank(n_points: int, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """``[K, N]``: ``K`` independent uniformly random orderings of the ``N`` outputs."""
    return rng.permuted(np.tile(np.arange(n_points), (permutations, 1)), axis=1)


def permuted_operator(d: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """``N x (K N)``: ``y @ result`` = the derivatives ``D (P_k y)`` of all ``K`` permutations,
    where ``(P_k y)[j] = y[bank[k, j]]``."""
    k, n = bank.shape
    op = np.zeros((k, n, n))
    op[np.arange(k)[:, None], bank, :] = d.T[None, :, :]
    return op.transpose(1, 0, 2).reshape(n, k * n)


def difference_rows(d: np.ndarray):
    """``(a, b, |w|)`` if every row of ``D`` is ``w (y_b - y_a)``, else ``None``."""
    scale = np.abs(d).max()
    a, b, w = [], [], []
    for row in d:
        (nodes,) = np.nonzero(np.abs(row) > 1e-12 * scale)
        if len(nodes) != 2 or abs(row[nodes].sum()) > 1e-12 * scale:
            return None
        a.append(nodes[0])
        b.append(nodes[1])
        w.append(abs(row[nodes[1]]))
    return np.array(a), np.array(b), np.array(w)


def pair_weights(rows, bank: np.ndarray) -> np.ndarray:
    """``[pairs, K]``: permutation ``k``'s weight on each pair ``i < j`` (``np.triu_indices``),
    so that ``|y_i - y_j|`` over pairs times this gives the ``K`` permuted statistics."""
    a, b, w = rows
    k, n = bank.shape
    lo = np.minimum(bank[:, a], bank[:, b])
    hi = np.maximum(bank[:, a], bank[:, b])
    full = np.zeros((k, n, n))
    np.add.at(full, (np.arange(k)[:, None], lo, hi), w[None, :] / n)
    iu = np.triu_indices(n, 1)
    return np.ascontiguousarray(full[:, iu[0], iu[1]].T)


class _NullStatistics:
    """The ``K`` permuted statistics of a batch of paths, by pairs when ``D`` allows it."""

    def __init__(self, d: np.ndarray, bank: np.ndarray, *, force_dense: bool = False):
        self.k, self.n = bank.shape
        rows = None if force_dense else difference_rows(d)
        if rows is not None:
            self.pairs = np.triu_indices(self.n, 1)
            self.weights = pair_weights(rows, bank)
            identity = np.arange(self.n)[None, :]
            self.observed_weights = pair_weights(rows, identity)
            self.dense = None
            self.chunk = max(1, _CHUNK_BYTES // (8 * self.k))
        else:
            self.d = d
            self.dense = permuted_operator(d, bank)
            self.chunk = max(1, _CHUNK_BYTES // (8 * self.dense.shape[1]))

    def __call__(self, paths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(observed ``[c]``, null ``[c, K]``)."""
        if self.dense is None:
            diffs = np.abs(paths[:, self.pairs[0]] - paths[:, self.pairs[1]])
            return (diffs @ self.observed_weights)[:, 0], diffs @ self.weights
        null = np.abs(paths @ self.dense).reshape(len(paths), self.k, self.n).mean(axis=-1)
        return np.abs(paths @ self.d.T).mean(axis=-1), null


def _p_value(less: np.ndarray, greater: np.ndarray, k: int, alternative: str) -> np.ndarray:
    if alternative == "less":
        return less / k
    if alternative == "greater":
        return greater / k
    return np.minimum(1.0, 2.0 * np.minimum(less, greater) / k)


def check_test_settings(permutations, alpha, alternative="two-sided") -> None:
    """Refuse a bad K, significance level or alternative (before any model is read)."""
    if isinstance(permutations, bool) or not isinstance(permutations, int) or permutations < 1:
        raise ValueError(f"permutations must be a positive integer (K > 0), got {permutations!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"the significance level must lie in (0, 1), got {alpha!r}")
    if alternative not in ("two-sided", "less", "greater"):
        raise ValueError(f"alternative must be two-sided, less or greater, got {alternative!r}")


def permutation_test(
    y,
    x=None,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    alpha: float = DEFAULT_ALPHA,
    alternative: Alternative = "two-sided",
    scheme: Scheme = "central",
    seed: int = 0,
    **_options,
) -> PermutationTest:
    """Algorithm 1 with ``E[|grad_X|]`` for every path of ``y`` and per factor over images.

    ``y``: ``[images, factors, N]`` (or ``[images, N]``, one factor) model outputs along the
    intervention grids; ``x``: the ``N`` grid values (default unit steps, see
    :func:`.scores.grid_or_steps`).
    """
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2:
        y = y[:, None, :]
    if y.ndim != 3 or y.shape[0] < 1 or y.shape[1] < 1:
        raise ValueError(f"outputs must be [images, factors, points], got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("model outputs along an intervention must be finite")
    check_test_settings(permutations, alpha, alternative)
    n_images, n_factors, n_points = y.shape
    d = derivative_matrix(grid_or_steps(n_points, x), scheme=scheme)
    rng = np.random.default_rng(seed)
    statistics = _NullStatistics(d, permutation_bank(n_points, permutations, rng), **_options)
    largest_slope = np.abs(d).sum(axis=1).max()

    local_score = np.zeros((n_images, n_factors))
    less = np.zeros((n_images, n_factors))
    greater = np.zeros((n_images, n_factors))
    global_null = np.zeros((n_factors, permutations))
    for f in range(n_factors):
        for start in range(0, n_images, statistics.chunk):
            part = slice(start, start + statistics.chunk)
            paths = y[part, f]
            observed, null = statistics(paths)
            local_score[part, f] = observed
            tie = _RELATIVE_TIE * largest_slope * np.abs(paths).max(axis=1, keepdims=True)
            less[part, f] = (null <= observed[:, None] + tie).sum(axis=1)
            greater[part, f] = (null >= observed[:, None] - tie).sum(axis=1)
            order = rng.permuted(np.tile(np.arange(permutations), (len(paths), 1)), axis=1)
            global_null[f] += np.take_along_axis(null, order, axis=1).sum(axis=0)
    global_null /= n_images
    global_score = local_score.mean(axis=0)
    tie = _RELATIVE_TIE * largest_slope * np.abs(y).max(axis=(0, 2))[:, None]
    g_less = (global_null <= global_score[:, None] + tie).sum(axis=1)
    g_greater = (global_null >= global_score[:, None] - tie).sum(axis=1)
    return PermutationTest(
        local_score=local_score,
        local_p=_p_value(less, greater, permutations, alternative),
        global_score=global_score,
        global_p=_p_value(g_less, g_greater, permutations, alternative),
        permutations=permutations,
        alpha=float(alpha),
        alternative=alternative,
        scheme=scheme,
    )
