"""Anti-aliasing of the visible block pixels without the supersampled image.

The animal is drawn at ``supersample`` x the output size and each output pixel is the mean of
its ``supersample ** 2`` sub-pixels, 0 where no block is seen. Only a third of a chunk's
supersampled pixels show a block, so the sub-pixels are stacked for the output pixels they
touch alone (:class:`Footprint`) and summed there in ``avg_pool2d``'s order (row by row, left
to right, from 0, then divided by the count), which gives its result bit for bit
(``tests/test_render_visible_pixels.py``); every other output pixel is 0, as it pools to.
"""

from __future__ import annotations

import dataclasses

import torch


@dataclasses.dataclass
class Footprint:
    """Where ``M`` visible block pixels fall among the output pixels: ``touched`` ``[K]``, the
    flat output pixels (``n * size * size + row * size + col``) with at least one of them;
    ``rank`` ``[M]``, each pixel's output pixel as a position in ``touched``; ``sub`` ``[M]``,
    its sub-pixel (``row * supersample + col`` inside the output pixel)."""

    touched: torch.Tensor
    rank: torch.Tensor
    sub: torch.Tensor
    scenes: int
    size: int
    supersample: int


def footprint(
    scene: torch.Tensor, row: torch.Tensor, col: torch.Tensor, scenes: int, size: int,
    supersample: int,
) -> Footprint:
    """The :class:`Footprint` of ``M`` pixels at ``row``, ``col`` ``[M]`` of the supersampled
    images (``size * supersample`` wide) ``scene`` ``[M]`` of ``scenes``."""
    out_row = row.div(supersample, rounding_mode="floor")
    out_col = col.div(supersample, rounding_mode="floor")
    out = scene * (size * size) + out_row * size + out_col
    sub = (row - out_row * supersample) * supersample + (col - out_col * supersample)
    mark = torch.zeros(scenes * size * size, dtype=torch.bool, device=row.device)
    mark.index_fill_(0, out, True)
    rank = torch.cumsum(mark, 0).sub_(1)
    touched = mark.nonzero().squeeze(1)
    return Footprint(touched, rank.index_select(0, out), sub, scenes, size, supersample)


def pooled(where: Footprint, values: torch.Tensor) -> torch.Tensor:
    """``[N, C, size, size]``: the images that hold ``values`` ``[C, M]`` at the visible pixels
    and 0 elsewhere, average-pooled by ``supersample`` (``F.avg_pool2d``'s numbers). A pixel
    listed twice keeps its last value, as a scatter into the supersampled image would."""
    channels, k = values.shape[0], len(where.touched)
    subs = where.supersample**2
    # the sub-pixels, one contiguous [C, K] plane per sub-pixel position
    index = (where.sub * (channels * k) + where.rank)[None] + (
        torch.arange(channels, device=values.device) * k
    )[:, None]
    stack = torch.zeros(subs * channels * k, device=values.device, dtype=values.dtype)
    stack.scatter_(0, index.reshape(-1), values.reshape(-1))
    stack = stack.view(subs, channels, k)
    total = stack[0]
    for s in range(1, subs):
        total = total + stack[s]
    if subs > 1:
        total = total / subs
    plane = where.size * where.size
    scene = where.touched.div(plane, rounding_mode="floor")
    out_index = (scene * ((channels - 1) * plane) + where.touched)[None] + (
        torch.arange(channels, device=values.device) * plane
    )[:, None]
    out = torch.zeros(where.scenes * channels * plane, device=values.device, dtype=values.dtype)
    out.scatter_(0, out_index.reshape(-1), total.reshape(-1))
    return out.view(where.scenes, channels, where.size, where.size)
