"""Objectives on a layer's activations ``[N, C, h, w]``: the channel objective (spatial mean of
one feature map, as Borowski et al. 2021) and lucid's diversity term."""

from __future__ import annotations

import torch
from torch.nn import functional as F


def channel_mean(activations: torch.Tensor, unit: int) -> torch.Tensor:
    """``[N]``: the spatial mean of feature map ``unit`` of each image."""
    if activations.ndim != 4:
        raise ValueError(
            f"channel objective needs convolutional activations [N, C, h, w], "
            f"got {tuple(activations.shape)}"
        )
    return activations[:, unit].mean(dim=(1, 2))


def diversity(activations: torch.Tensor) -> torch.Tensor:
    """lucid's ``objectives.diversity``: the mean over images of the summed cosine similarity of
    their Gram matrices with every other image's (0 for one image). Subtracting it (times a
    weight, 1e2 in the paper) makes the images of a batch differ in style."""
    n, c = activations.shape[:2]
    flat = activations.reshape(n, c, -1)
    grams = flat @ flat.transpose(1, 2)
    grams = F.normalize(grams.reshape(n, -1), dim=1, eps=1e-5)  # eps on the norm (lucid: 1e-10 on its square)
    total = grams.sum(dim=0)
    return ((total * total).sum() - (grams * grams).sum()) / n
