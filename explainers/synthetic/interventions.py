"""Change one factor of a batch of scenes and nothing else."""

from __future__ import annotations

import torch

from .batch import SceneBatch
from .factors import FACTOR_RANGES, FACTORS, label_rule
from .samplers import Sampler


def intervene(
    batch: SceneBatch,
    factor: str,
    *,
    value=None,
    sampler: Sampler | None = None,
    generator: torch.Generator | None = None,
) -> SceneBatch:
    """Copy of ``batch`` where only ``factor`` differs.

    Give either ``value`` (a scalar or an ``[N]`` tensor) or ``sampler`` + ``generator``: then the
    factor is redrawn from the sampler's *marginal* for it (a fresh batch is sampled and its column
    taken, so conditional distributions are marginalised over label and legs position). The label
    stays as it was, except when ``factor`` is ``legs_position``: then it follows
    :func:`label_rule` (legs < 0.48 Peeky, > 0.52 Stretchy, inside the overlap the old label).
    """
    if factor not in FACTORS:
        raise ValueError(f"unknown factor {factor!r}; factors are {', '.join(FACTORS)}")
    if (value is None) == (sampler is None):
        raise ValueError("give exactly one of value= or sampler=")
    if sampler is not None:
        if generator is None:
            raise ValueError("resampling needs a generator=")
        value = sampler.sample(len(batch), generator=generator, device=batch.device)[factor]
    value = torch.as_tensor(value, dtype=torch.float32, device=batch.device)
    lo, hi = FACTOR_RANGES[factor]
    if bool(((value < lo - 1e-5) | (value > hi + 1e-5) | ~torch.isfinite(value)).any()):
        raise ValueError(f"{factor} must lie in [{lo:g}, {hi:g}]")
    changes = {factor: value}
    if factor == "legs_position":
        changes["label"] = label_rule(torch.broadcast_to(value, (len(batch),)), batch.label)
    return batch.replace(**changes)
