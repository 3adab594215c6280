"""The expected property gradient magnitude ``E[|grad_X|]`` (paper, Eq. 2).

"assuming a set of equidistant property realizations x, we approximate the expected gradient
magnitude with respect to X with E_X[|grad_X F(I_X)|] = 1/|X| sum_{x in X} |grad_x F(I_x)|"
(section 3.4): the mean over the grid's nodes of the magnitude of the finite-difference
derivative (:mod:`.finite_differences`). With two nodes it is ``|F(I_1) - F(I_0)| / dx``, the
paper's link to CaCE (appendix A.4, Eqs. 5-6).
"""

from __future__ import annotations

import numpy as np

from .finite_differences import Scheme, derivative_matrix


def grid_or_steps(n_points: int, x=None) -> np.ndarray:
    """The nodes: ``x`` if given, else ``0, 1, ..., N-1`` (numpy.gradient's default spacing).

    Unit spacing is the paper's reading of the score: "a score of E[|grad_X|] = 0.01 indicates an
    average deviation of one percent for each discrete step of X" (section 3.4).
    """
    if x is None:
        return np.arange(n_points, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (n_points,):
        raise ValueError(f"{n_points} outputs per path need {n_points} grid values, got {x.shape}")
    return x


def property_gradient_score(y, x=None, *, scheme: Scheme = "central") -> np.ndarray:
    """``E[|grad_X|]`` of every path in ``y`` (``[..., N]``, outputs along the last axis).

    ``x``: the ``N`` grid values (default: unit steps). Returns an array shaped ``y.shape[:-1]``.
    """
    y = np.asarray(y, dtype=np.float64)
    if y.ndim < 1:
        raise ValueError("outputs must have the grid along their last axis")
    if not np.all(np.isfinite(y)):
        raise ValueError("model outputs along an intervention must be finite")
    d = derivative_matrix(grid_or_steps(y.shape[-1], x), scheme=scheme)
    return np.abs(y @ d.T).mean(axis=-1)
