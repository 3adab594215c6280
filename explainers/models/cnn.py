"""A small non-invertible ResNet-style CNN for Two4Two (the platform's second shipped model).

``SmallResNet`` reads float [0, 1] images ``[N, 3, S, S]`` (the same as the INN), normalises
them to [-1, 1] inside the network, and returns one logit per image (> 0: Stretchy). It offers
logits, gradients and named layers (``stem``, ``layer1``, ``layer2``, ``layer3``: the outputs of
the stem and of each residual stage, all convolutional); it is not invertible. Nothing here
imports Django.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn
from torch.nn import functional as F


@dataclasses.dataclass(frozen=True)
class CNNConfig:
    image_size: int = 64
    widths: tuple[int, int, int] = (16, 32, 64)
    init_seed: int = 0

    @classmethod
    def from_dict(cls, data: dict) -> CNNConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown CNN config key(s) {unknown}; known: {sorted(known)}")
        data = dict(data)
        if "widths" in data:
            data["widths"] = tuple(int(w) for w in data["widths"])
        return cls(**data)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm and a (projected) identity shortcut."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class SmallResNet(nn.Module):
    """stem (stride 2) -> three residual stages (strides 1, 2, 2) -> global mean -> linear."""

    LAYERS = ("stem", "layer1", "layer2", "layer3")
    default_layer = "layer3"
    plugin_name = "cnn"  # the model plugin that loads its bundle (explainers.models.plugins)
    class_names = ("Peeky", "Stretchy")  # Two4Two: logit < 0 is Peeky

    def __init__(self, config: CNNConfig = CNNConfig()):
        super().__init__()
        self.config = config
        self.bundle_hash = ""
        torch.manual_seed(config.init_seed)
        w1, w2, w3 = config.widths
        self.stem = nn.Sequential(nn.Conv2d(3, w1, 3, 2, 1, bias=False), nn.BatchNorm2d(w1),
                                  nn.ReLU())
        self.layer1 = BasicBlock(w1, w1, 1)
        self.layer2 = BasicBlock(w1, w2, 2)
        self.layer3 = BasicBlock(w2, w3, 2)
        self.fc = nn.Linear(w3, 1)

    @property
    def image_size(self) -> int:
        return self.config.image_size

    @property
    def device(self) -> torch.device:
        return self.fc.weight.device

    @property
    def layer_names(self) -> list[str]:
        return list(self.LAYERS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[N]`` logits of float [0, 1] images."""
        h = self.stem(x * 2 - 1)
        h = self.layer3(self.layer2(self.layer1(h)))
        return self.fc(h.mean(dim=(2, 3))).reshape(-1)

    def logit(self, x: torch.Tensor) -> torch.Tensor:
        return self(x)

    def layer(self, name: str | None) -> nn.Module:
        """The module whose output is the named layer (default: the last stage)."""
        name = name or self.default_layer
        if name not in self.LAYERS:
            raise KeyError(f"SmallResNet has no layer {name!r}; its layers: {list(self.LAYERS)}")
        return getattr(self, name)

    def activations(self, x: torch.Tensor, layer: str | None = None) -> torch.Tensor:
        """Output ``[N, C, h, w]`` of the named layer (default ``layer3``, 8x8 at 64 px)."""
        target = self.layer(layer)
        h = x * 2 - 1
        for name in self.LAYERS:
            module = getattr(self, name)
            h = module(h)
            if module is target:
                return h
        raise AssertionError("unreachable: layer() returned one of LAYERS")

    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
