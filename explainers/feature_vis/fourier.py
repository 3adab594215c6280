"""The Fourier image parameterisation with decorrelated colour (Olah et al. 2017; lucid's
``param.image(fft=True, decorrelate=True)``, the one Borowski et al. 2021 used).

The parameters are the real and imaginary parts of each channel's 2-D real spectrum; each
frequency is scaled by ``1 / max(f, 1 / max(H, W)) ** decay_power * sqrt(H * W)`` so that
gradient steps change low frequencies as much as high ones (a whitened, "preconditioned"
search space). The inverse FFT, lucid's division by 4, the colour decorrelation and a sigmoid
give an image in (0, 1).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .color import from_rgb, to_rgb

LUCID_SCALE = 4.0  # lucid divides the inverse FFT by 4 ("magic constant")
LOGIT_EPS = 1e-4  # from_images clamps pixels into [eps, 1 - eps] before the logit


def spectrum_scale(height: int, width: int, decay_power: float = 1.0) -> torch.Tensor:
    """``[H, W // 2 + 1]`` scale of each frequency of an ``H x W`` real spectrum."""
    fy = torch.fft.fftfreq(height, dtype=torch.float64)[:, None]
    fx = torch.fft.rfftfreq(width, dtype=torch.float64)[None, :]
    freqs = torch.sqrt(fx * fx + fy * fy)
    scale = 1.0 / torch.clamp(freqs, min=1.0 / max(height, width)) ** decay_power
    return (scale * math.sqrt(height * width)).to(torch.float32)


class FourierImage(nn.Module):
    """``batch`` images of ``height x width`` pixels; calling it returns ``[N, 3, H, W]`` in (0, 1)."""

    def __init__(
        self,
        *,
        batch: int,
        height: int,
        width: int | None = None,
        sd: float = 0.01,
        decay_power: float = 1.0,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        width = height if width is None else width
        for name, value in (("batch", batch), ("height", height), ("width", width)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not sd > 0:
            raise ValueError(f"sd must be positive, got {sd!r}")
        self.height, self.width, self.decay_power = height, width, decay_power
        self.register_buffer("scale", spectrum_scale(height, width, decay_power))
        shape = (batch, 3, height, width // 2 + 1, 2)
        self.spectrum = nn.Parameter(torch.randn(shape, generator=generator) * sd)

    def forward(self) -> torch.Tensor:
        spectrum = torch.view_as_complex(self.spectrum) * self.scale
        image = torch.fft.irfft2(spectrum, s=(self.height, self.width)) / LUCID_SCALE
        return torch.sigmoid(to_rgb(image))

    @classmethod
    def from_images(cls, images: torch.Tensor, *, decay_power: float = 1.0) -> FourierImage:
        """The parameters whose image is ``images`` (``[N, 3, H, W]`` in [0, 1]; pixels are
        clamped into [1e-4, 1 - 1e-4], where the sigmoid can be inverted)."""
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"expected images [N, 3, H, W], got {tuple(images.shape)}")
        n, _, height, width = images.shape
        param = cls(batch=n, height=height, width=width, decay_power=decay_power)
        x = images.detach().to(torch.float32).clamp(LOGIT_EPS, 1 - LOGIT_EPS)
        image = from_rgb(torch.logit(x)) * LUCID_SCALE
        spectrum = torch.fft.rfft2(image) / param.scale
        with torch.no_grad():
            param.spectrum.copy_(torch.view_as_real(spectrum))
        return param
