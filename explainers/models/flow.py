"""Glow building blocks: actnorm, invertible 1x1 convolution, affine coupling, squeeze.

Every block maps ``x -> (y, logdet)`` in ``forward`` and ``y -> x`` in ``inverse``; ``logdet`` is
the per-sample log-determinant of the Jacobian (shape ``[N]``).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def squeeze(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, 4C, H/2, W/2), keeping every value."""
    n, c, h, w = x.shape
    x = x.view(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(n, c * 4, h // 2, w // 2)


def unsqueeze(x: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`squeeze`."""
    n, c, h, w = x.shape
    x = x.view(n, c // 4, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3)
    return x.reshape(n, c // 4, h * 2, w * 2)


class ActNorm(nn.Module):
    """Per-channel affine map, initialised from the first batch to zero mean and unit variance."""

    def __init__(self, channels: int):
        super().__init__()
        self.loc = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.logs = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.register_buffer("initialized", torch.tensor(0, dtype=torch.uint8))

    @torch.no_grad()
    def _init(self, x: torch.Tensor) -> None:
        mean = x.mean(dim=(0, 2, 3), keepdim=True)
        std = x.std(dim=(0, 2, 3), keepdim=True)
        self.loc.copy_(-mean)
        self.logs.copy_(torch.log(1.0 / (std + 1e-6)))
        self.initialized.fill_(1)

    def forward(self, x: torch.Tensor):
        if self.training and not bool(self.initialized):
            self._init(x)
        y = (x + self.loc) * torch.exp(self.logs)
        logdet = self.logs.sum() * x.shape[2] * x.shape[3]
        return y, logdet.expand(x.shape[0])

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        return y * torch.exp(-self.logs) - self.loc


class InvConv1x1(nn.Module):
    """Invertible 1x1 convolution in Glow's LU parametrisation (W = P L (U + diag(s)))."""

    def __init__(self, channels: int, generator: torch.Generator | None = None):
        super().__init__()
        q, _ = torch.linalg.qr(torch.randn(channels, channels, generator=generator))
        p, lower, upper = torch.linalg.lu(q)
        s = torch.diag(upper)
        self.register_buffer("perm", p)
        self.register_buffer("sign_s", torch.sign(s))
        self.register_buffer("l_mask", torch.tril(torch.ones(channels, channels), -1), False)
        self.register_buffer("eye", torch.eye(channels), False)
        self.lower = nn.Parameter(lower)
        self.upper = nn.Parameter(torch.triu(upper, 1))
        self.log_s = nn.Parameter(torch.log(torch.abs(s)))

    def weight(self) -> torch.Tensor:
        lower = self.lower * self.l_mask + self.eye
        upper = self.upper * self.l_mask.T + torch.diag(self.sign_s * torch.exp(self.log_s))
        return self.perm @ lower @ upper

    def forward(self, x: torch.Tensor):
        w = self.weight()
        y = F.conv2d(x, w.view(*w.shape, 1, 1))
        logdet = self.log_s.sum() * x.shape[2] * x.shape[3]
        return y, logdet.expand(x.shape[0])

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        w_inv = torch.linalg.inv(self.weight().double()).to(y.dtype)
        return F.conv2d(y, w_inv.view(*w_inv.shape, 1, 1))


class AffineCoupling(nn.Module):
    """y_b = x_b * exp(s(x_a)) + t(x_a), with s soft-clamped to [-clamp, clamp]."""

    def __init__(self, channels: int, hidden: int, clamp: float = 2.0):
        super().__init__()
        self.c_a = channels // 2
        c_b = channels - self.c_a
        self.clamp = clamp
        self.net = nn.Sequential(
            nn.Conv2d(self.c_a, hidden, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(hidden, hidden, 1),
            nn.ReLU(),
            nn.Conv2d(hidden, 2 * c_b, 3, padding=1),
        )
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def _scale_shift(self, x_a: torch.Tensor):
        h = self.net(x_a)
        shift, raw = h[:, 0::2], h[:, 1::2]
        log_scale = self.clamp * torch.tanh(raw / self.clamp)
        return log_scale, shift

    def forward(self, x: torch.Tensor):
        x_a, x_b = x[:, : self.c_a], x[:, self.c_a :]
        log_scale, shift = self._scale_shift(x_a)
        y_b = x_b * torch.exp(log_scale) + shift
        return torch.cat([x_a, y_b], 1), log_scale.flatten(1).sum(1)

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        y_a, y_b = y[:, : self.c_a], y[:, self.c_a :]
        log_scale, shift = self._scale_shift(y_a)
        return torch.cat([y_a, (y_b - shift) * torch.exp(-log_scale)], 1)


class FlowStep(nn.Module):
    """One Glow step: actnorm, invertible 1x1 convolution, affine coupling."""

    def __init__(self, channels: int, hidden: int, clamp: float, generator=None):
        super().__init__()
        self.actnorm = ActNorm(channels)
        self.invconv = InvConv1x1(channels, generator=generator)
        self.coupling = AffineCoupling(channels, hidden, clamp)

    def forward(self, x: torch.Tensor):
        x, ld1 = self.actnorm(x)
        x, ld2 = self.invconv(x)
        x, ld3 = self.coupling(x)
        return x, ld1 + ld2 + ld3

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        y = self.coupling.inverse(y)
        y = self.invconv.inverse(y)
        return self.actnorm.inverse(y)


class SplitPrior(nn.Module):
    """Glow's learned prior for the channels faded out at a level: a zero-initialised 3x3
    convolution of the kept channels gives their mean and log-scale, so the faded channels are
    stored as the standardised residual ``eps = (out - mean) * exp(-logs)``. A counterfactual
    keeps ``eps`` and recomputes the faded detail from the moved kept channels. At
    initialisation it is the fixed N(0, I) prior (mean 0, log-scale 0)."""

    def __init__(self, kept: int, faded: int):
        super().__init__()
        self.conv = nn.Conv2d(kept, 2 * faded, 3, padding=1)
        nn.init.zeros_(self.conv.weight)
        nn.init.zeros_(self.conv.bias)

    def _mean_logs(self, kept: torch.Tensor):
        h = self.conv(kept)
        return h[:, 0::2], h[:, 1::2]

    def forward(self, kept: torch.Tensor, out: torch.Tensor):
        """-> (eps, log-scale summed per sample); log N(out; mean, s) = log N(eps) - that sum."""
        mean, logs = self._mean_logs(kept)
        return (out - mean) * torch.exp(-logs), logs.flatten(1).sum(1)

    def inverse(self, kept: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        mean, logs = self._mean_logs(kept)
        return mean + eps * torch.exp(logs)
