"""The scenes of an explorer step: drawn once per process from the step's sampler and seed
(the same for every participant of the step, so their scores are cached after the first)."""

from __future__ import annotations

from functools import lru_cache

from explainers.explorer import sampled_scenes


@lru_cache(maxsize=64)
def _drawn(sampler: str, seed: int, count: int) -> tuple[dict, ...]:
    return tuple(sampled_scenes(sampler=sampler, seed=seed, count=count))


def scenes_of(step) -> list[dict]:
    """The step's scenes in spec order (copies; index = scene number in actions and logs)."""
    return [dict(s) for s in _drawn(step.sampler, step.seed, step.scene_count)]
