"""The scenes and the model of an explorer step. The scenes are drawn once per process from the
step's sampler and seed (the same for every participant, so their scores are cached after the
first); the model is the study's checkpoint."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from explainers.explorer import sampled_scenes, shared_scorer
from explainers.models.checkpoint import DEFAULT_CHECKPOINT, REPO_ROOT


@lru_cache(maxsize=64)
def _drawn(sampler: str, seed: int, count: int) -> tuple[dict, ...]:
    return tuple(sampled_scenes(sampler=sampler, seed=seed, count=count))


def scenes_of(step) -> list[dict]:
    """The step's scenes in spec order (copies; index = scene number in actions and logs)."""
    return [dict(s) for s in _drawn(step.sampler, step.seed, step.scene_count)]


def checkpoint_of(spec) -> Path:
    """The study's model (its spec's ``checkpoint``, relative to the repository; default the
    shipped one)."""
    if not spec.checkpoint:
        return Path(DEFAULT_CHECKPOINT)
    path = Path(spec.checkpoint)
    return path if path.is_absolute() else REPO_ROOT / path


def scorer_of(spec):
    """The process's scorer of the study's model."""
    return shared_scorer(checkpoint_of(spec))
