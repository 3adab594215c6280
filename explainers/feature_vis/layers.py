"""A named layer of any ``nn.Module``: its module (``model.get_submodule`` names, e.g.
``layer3`` or ``layer3.bn2``) and its output for a batch of images, read by a forward hook.

The forward pass stops once every requested layer has produced its output, so visualising an
early layer does not pay for the rest of the network.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn


class LayerError(KeyError):
    """A layer name the model does not have, or one the forward pass never reached."""

    def __str__(self) -> str:
        return str(self.args[0])


class _AllCaptured(Exception):
    pass


def find_layer(model: nn.Module, layer: str) -> nn.Module:
    modules = dict(model.named_modules())
    if not isinstance(layer, str) or not layer or layer not in modules:
        named = [name for name in modules if name]
        shown = ", ".join(named[:40]) + (" ..." if len(named) > 40 else "")
        raise LayerError(f"{type(model).__name__} has no layer {layer!r}; its layers: {shown}")
    return modules[layer]


def _as_tensor(output, layer: str) -> torch.Tensor:
    if isinstance(output, tuple):  # e.g. a flow step returns (h, logdet)
        output = output[0]
    if not isinstance(output, torch.Tensor):
        raise LayerError(f"layer {layer!r} returns {type(output).__name__}, not a tensor")
    return output


def layer_outputs(
    model: nn.Module,
    layers: Sequence[str],
    images: torch.Tensor,
    *,
    forward: Callable[[torch.Tensor], object] | None = None,
) -> dict[str, torch.Tensor]:
    """The output of each of ``layers`` for ``images``; ``forward`` runs the model (default
    ``model(images)``; e.g. ``model.logit`` for a model without ``forward``)."""
    wanted = list(dict.fromkeys(layers))
    captured: dict[str, torch.Tensor] = {}

    def hook_for(name: str):
        def hook(_module, _inputs, output):
            captured[name] = _as_tensor(output, name)
            if len(captured) == len(wanted):
                raise _AllCaptured

        return hook

    handles = [find_layer(model, name).register_forward_hook(hook_for(name)) for name in wanted]
    try:
        (forward or model)(images)
    except _AllCaptured:
        pass
    finally:
        for handle in handles:
            handle.remove()
    missing = [name for name in wanted if name not in captured]
    if missing:
        raise LayerError(f"the forward pass did not reach layer(s) {missing}")
    return captured


def layer_output(model: nn.Module, layer: str, images: torch.Tensor, *, forward=None):
    """The output ``[N, C, h, w]`` of one named layer."""
    return layer_outputs(model, [layer], images, forward=forward)[layer]
