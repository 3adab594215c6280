"""Decorrelated colour (Olah et al. 2017, lucid's ``_linear_decorrelate_color``).

The optimised image lives in a colour space whose axes are the principal components of
ImageNet's RGB colour distribution (the square root of its covariance, normalised so that the
longest column has unit length). ``to_rgb`` maps that space to RGB logits, ``from_rgb`` back.
"""

from __future__ import annotations

import torch

# lucid.optvis.param.color.color_correlation_svd_sqrt (ImageNet RGB covariance, square root)
COLOR_CORRELATION_SVD_SQRT = torch.tensor(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=torch.float64
)
COLOR_CORRELATION = (
    COLOR_CORRELATION_SVD_SQRT / COLOR_CORRELATION_SVD_SQRT.norm(dim=0).max()
).to(torch.float32)


def to_rgb(decorrelated: torch.Tensor) -> torch.Tensor:
    """``[N, 3, H, W]`` in the decorrelated space -> RGB (before the sigmoid)."""
    return torch.einsum("ij,njhw->nihw", COLOR_CORRELATION.to(decorrelated), decorrelated)


def from_rgb(rgb: torch.Tensor) -> torch.Tensor:
    """The inverse of :func:`to_rgb`."""
    inverse = torch.linalg.inv(COLOR_CORRELATION.double()).to(rgb)
    return torch.einsum("ij,njhw->nihw", inverse, rgb)
