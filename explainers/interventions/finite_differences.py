"""Finite-difference derivative along an intervention grid, with Fornberg's weights.

The paper (section 3.4): "To accurately approximate Eq. 2 given our discrete list of intervened
input samples, we employ Fornberg's finite differences [15], as provided in [22]." [15] is
Fornberg (1988), "Generation of finite difference formulas on arbitrarily spaced grids"; [22] is
NumPy (Harris et al. 2020), i.e. ``numpy.gradient``. So the scheme is numpy.gradient's: the
three-point (second-order) central formula at interior points and, with numpy's default
``edge_order=1``, the two-point one-sided quotient at both ends. Appendix A.5, Fig. 9 names the
central difference quotient as the default ("for the zigzag function, we use the forward
difference quotient instead of the central difference quotient"), available here as
``scheme="forward"``.

The derivative is linear in the outputs, so it is built once as an ``N x N`` matrix ``D``
(row ``i`` = Fornberg weights of the stencil around node ``i``); ``D @ y`` is the derivative of
every path at once, which also makes the permutation test a matrix product.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Scheme = Literal["central", "forward"]


def fornberg_weights(z: float, x, m: int = 1) -> np.ndarray:
    """Weights ``c[k, j]``: the ``k``-th derivative at ``z`` is ``sum_j c[k, j] f(x[j])``.

    Fornberg (1988), the algorithm of its section 3 (``c[k, j]`` for all orders ``k <= m`` on
    the nodes ``x[0..n]``, any spacing). Returns an ``(m + 1, len(x))`` array.
    """
    x = np.asarray(x, dtype=np.float64)
    n = len(x) - 1
    if n < m:
        raise ValueError(f"a derivative of order {m} needs at least {m + 1} nodes, got {n + 1}")
    if len(np.unique(x)) != len(x):
        raise ValueError("the nodes of a finite-difference stencil must be distinct")
    c = np.zeros((m + 1, n + 1))
    c[0, 0] = 1.0
    c1 = 1.0
    c4 = x[0] - z
    for i in range(1, n + 1):
        mn = min(i, m)
        c2 = 1.0
        c5 = c4
        c4 = x[i] - z
        for j in range(i):
            c3 = x[i] - x[j]
            c2 = c2 * c3
            if j == i - 1:
                for k in range(mn, 0, -1):
                    c[k, i] = c1 * (k * c[k - 1, i - 1] - c5 * c[k, i - 1]) / c2
                c[0, i] = -c1 * c5 * c[0, i - 1] / c2
            for k in range(mn, 0, -1):
                c[k, j] = (c4 * c[k, j] - k * c[k - 1, j]) / c3
            c[0, j] = c4 * c[0, j] / c3
        c1 = c2
    return c


def derivative_matrix(x, *, scheme: Scheme = "central") -> np.ndarray:
    """``D`` (``N x N``) with ``D @ y`` = first derivative of ``y`` sampled at the nodes ``x``.

    ``central``: numpy.gradient with ``edge_order=1`` (three-point stencil ``{i-1, i, i+1}`` at
    interior nodes, two-point one-sided stencils at the ends). ``forward``: the forward quotient
    ``{i, i+1}`` everywhere, the backward one at the last node. ``x`` must increase strictly.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or len(x) < 2:
        raise ValueError(f"an intervention grid needs at least 2 points, got {x.shape}")
    if not np.all(np.isfinite(x)) or not np.all(np.diff(x) > 0):
        raise ValueError("intervention grid values must be finite and strictly increasing")
    if scheme not in ("central", "forward"):
        raise ValueError(f"unknown finite-difference scheme {scheme!r}; use central or forward")
    n = len(x)
    d = np.zeros((n, n))
    for i in range(n):
        if scheme == "central" and 0 < i < n - 1:
            stencil = [i - 1, i, i + 1]
        elif i < n - 1:
            stencil = [i, i + 1]
        else:
            stencil = [i - 1, i]
        d[i, stencil] = fornberg_weights(x[i], x[stencil], 1)[1]
    return d
