"""A model's logit as a frozen TorchScript graph for fast CPU inference (no gradients).

``frozen_logit(model)`` traces ``model.logit`` on a small random batch, freezes the weights
into the graph (``torch.jit.freeze``) and lets torch optimise it for inference
(``torch.jit.optimize_for_inference``: batch norms folded into the preceding convolutions,
constant weights pre-packed for the CPU kernels). It returns a callable ``images [B,3,S,S] ->
logits [B]`` for any ``B``; it holds no reference to autograd and must not be used for
gradients (explainers that need gradients keep calling the model).

What changes, measured on the shipped models (``tests/test_frozen_logit.py``): the INN's
logits differ by float32 rounding only (no batch norm to fold; bit-identical with 2 torch
threads, up to 7.6e-6 with 1); the CNN's by rounding from folding its batch norms (~3e-6). Speed, on the 2-core CPU shared with
other sessions, 2 Python threads with single-threaded kernels (load 11): the CNN 280 -> 480
img/s, the INN 21 -> 29 img/s (``benchmarks/property_gradients.py --compare-forward``).

``channels_last=True`` converts weights and inputs to the channels-last layout before tracing;
measured beside it it was slower for the frozen CNN and is off by default.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable

import torch
from torch import nn


class _Logit(nn.Module):
    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.logit(x)


def frozen_logit(model, *, channels_last: bool = False, example_batch: int = 4
                 ) -> Callable[[torch.Tensor], torch.Tensor]:
    """``model.logit`` as a frozen, inference-optimised TorchScript function (see the module).

    ``model`` must be an ``nn.Module`` in eval mode with ``logit``, ``image_size`` and
    ``device``; its own parameters are not changed (a copy is traced)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"frozen_logit needs a torch nn.Module, got {type(model).__name__}")
    if model.training:
        raise ValueError("frozen_logit needs a model in eval mode (call model.eval() first)")
    if not isinstance(channels_last, bool):
        raise TypeError(f"channels_last must be True or False, got {channels_last!r}")
    wrapper = _Logit(copy.deepcopy(model)).eval()
    size = int(model.image_size)
    example = torch.rand(example_batch, 3, size, size, generator=torch.Generator().manual_seed(0))
    example = example.to(model.device)
    if channels_last:
        wrapper = wrapper.to(memory_format=torch.channels_last)
        example = example.contiguous(memory_format=torch.channels_last)
    with torch.no_grad(), warnings.catch_warnings():
        # shape checks in the model become constants of the trace: the traced graph is only
        # ever called with images of the traced size (they are rendered at model.image_size)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        # torch marks freeze/optimize_for_inference deprecated in favour of torch.compile,
        # which needs a C++ compiler at run time; ``forward="eager"`` does without either
        warnings.filterwarnings("ignore", r".*is deprecated", DeprecationWarning)
        traced = torch.jit.trace(wrapper, example, check_trace=False)
        graph = torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))
        for _ in range(2):  # TorchScript's executor profiles its first calls: do them here
            graph(example)

    def logit(images: torch.Tensor) -> torch.Tensor:
        if tuple(images.shape[1:]) != (3, size, size):
            raise ValueError(f"expected images [N, 3, {size}, {size}], got {tuple(images.shape)}")
        if channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        with torch.no_grad():
            return graph(images)

    return logit
