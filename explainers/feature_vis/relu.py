"""lucid's redirected ReLU gradient (``render_vis(relu_gradient_override=True)``, its default,
which Borowski et al.'s modified ``render.py`` kept): while optimising an input, an image whose
ReLU passes no gradient at all gets the gradient through anyway, except where it would push an
already negative input lower. This keeps units that start dead from stalling the first steps.

:func:`redirected_relu` swaps ``torch.nn.functional.relu`` (what ``nn.ReLU`` and ``F.relu``
call) for that function for the duration of a ``with`` block; ``torch.relu`` called directly is
not affected.
"""

from __future__ import annotations

import contextlib

import torch
from torch.nn import functional as F


class RedirectedReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        zero = torch.zeros_like(grad)
        relu_grad = torch.where(x < 0, zero, grad)
        # grad is d(loss to minimise)/d(output): > 0 would push the input lower
        redirected = torch.where((x < 0) & (grad > 0), zero, grad)
        if x.ndim == 0:
            return relu_grad if relu_grad.abs() > 0 else redirected
        passes = relu_grad.reshape(x.shape[0], -1).norm(dim=1) > 0
        return torch.where(passes.view(-1, *([1] * (x.ndim - 1))), relu_grad, redirected)


def _relu(input, inplace=False):  # noqa: A002 - the signature of F.relu
    return RedirectedReLU.apply(input)


@contextlib.contextmanager
def redirected_relu():
    original = F.relu
    F.relu = _relu
    try:
        yield
    finally:
        F.relu = original
