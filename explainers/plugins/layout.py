"""The 10x5 logit-binned layout shared by the baseline, the INN counterfactuals and new methods.

The logit range is defined explicitly as the [p_lo, p_hi] percentiles of the model's logits on
the validation pool (default 1st and 99th); five equal-width columns each cover 20% of it.
Images outside the range are never drawn.
"""

from __future__ import annotations

import numpy as np
import torch

from .base import StimulusError


def column_labels(class_names) -> list[str]:
    """The five columns' labels for a model whose negative logits mean ``class_names[0]``
    (every model has ``class_names``, see :mod:`explainers.models.model_plugin`)."""
    low, high = class_names
    return [f"very certain {low}", f"certain {low}", "unsure", f"certain {high}",
            f"very certain {high}"]


COLUMN_LABELS = tuple(column_labels(("Peeky", "Stretchy")))  # the Two4Two models' columns


class BinError(StimulusError):
    """A column of the layout cannot be filled from the validation pool."""


def logit_range(logits: np.ndarray, percentiles: tuple[float, float]) -> tuple[float, float]:
    lo, hi = np.percentile(np.asarray(logits, dtype=np.float64), percentiles)
    if not hi > lo:
        raise BinError(f"the logit range [{lo:.4g}, {hi:.4g}] is empty; is the model trained?")
    return float(lo), float(hi)


def bin_edges(lo: float, hi: float, bins: int = len(COLUMN_LABELS)) -> np.ndarray:
    return np.linspace(lo, hi, bins + 1)


def bin_centres(edges: np.ndarray) -> np.ndarray:
    return (edges[:-1] + edges[1:]) / 2


def bin_of(logits: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Column of each logit (-1 outside [edges[0], edges[-1]]); the top edge belongs to the last bin."""
    logits = np.asarray(logits, dtype=np.float64)
    col = np.searchsorted(edges, logits, side="right") - 1
    col[logits == edges[-1]] = len(edges) - 2
    col[(logits < edges[0]) | (logits > edges[-1])] = -1
    return col


def draw_binned(
    logits: np.ndarray, edges: np.ndarray, per_bin: int, rng: torch.Generator
) -> np.ndarray:
    """``[per_bin, bins]`` pool indices: a random draw of ``per_bin`` images for every column.

    The pool is visited in a random order (from ``rng``) until every column has ``per_bin``
    images; a :class:`BinError` names the columns the pool cannot fill.
    """
    bins = len(edges) - 1
    order = torch.randperm(len(logits), generator=rng).numpy()
    cols = bin_of(np.asarray(logits)[order], edges)
    chosen = np.empty((per_bin, bins), dtype=np.int64)
    short = []
    for c in range(bins):
        members = order[cols == c]
        if len(members) < per_bin:
            short.append(f"column {c} [{edges[c]:.3g}, {edges[c + 1]:.3g}] has {len(members)}")
            continue
        chosen[:, c] = members[:per_bin]
    if short:
        raise BinError(
            f"the validation pool of {len(logits)} images cannot fill every column with "
            f"{per_bin} images: " + "; ".join(short) + ". Use a larger pool (validation n)."
        )
    return chosen
