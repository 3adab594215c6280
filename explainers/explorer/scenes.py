"""Scenes as canonical parameter dicts, and the explorer's edits of them (mix, interpolate).

A scene is a dict with exactly the ten factors of :data:`explainers.synthetic.FACTORS`, each a
finite number inside :data:`explainers.synthetic.FACTOR_RANGES`, rounded to ``DECIMALS``
decimals (the rounded values are what is rendered, scored, logged and used as cache key, so
the same request always gives the same picture and score). Anything else is an
:class:`ExplorerError` that names the key and the allowed range.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch

from explainers.synthetic import FACTOR_RANGES, FACTORS, SceneBatch, get_sampler

from .groups import FACTOR_GROUPS

DECIMALS = 4
INTERPOLATION_DECIMALS = 2  # t is rounded to 0.01 so that a dragged slider hits the cache


class ExplorerError(ValueError):
    """A request the explorer refuses (unknown key, bad value, out of range)."""


def canonical_scene(values: Mapping) -> dict[str, float]:
    """Validated, rounded copy of ``values`` (keys in ``FACTORS`` order)."""
    if not isinstance(values, Mapping):
        raise ExplorerError(f"a scene must be a mapping of factor values, got {type(values).__name__}")
    unknown = sorted(set(values) - set(FACTORS))
    if unknown:
        raise ExplorerError(f"unknown factor(s) {', '.join(map(str, unknown))}; "
                            f"factors are {', '.join(FACTORS)}")
    missing = [f for f in FACTORS if f not in values]
    if missing:
        raise ExplorerError(f"scene lacks the factor(s) {', '.join(missing)}")
    scene = {}
    for name in FACTORS:
        scene[name] = _number(name, values[name], *FACTOR_RANGES[name])
    return scene


def _number(name: str, value, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExplorerError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < lo - 1e-9 or value > hi + 1e-9:
        raise ExplorerError(f"{name} = {value!r} is outside [{lo:g}, {hi:g}]")
    # rounding may step just outside a bound given as an irrational number (pi / 10): clip
    return min(max(round(value, DECIMALS), lo), hi)


def check_group(group) -> tuple[str, ...]:
    if group not in FACTOR_GROUPS:
        raise ExplorerError(f"unknown factor group {group!r}; groups are "
                            f"{', '.join(FACTOR_GROUPS)}")
    return FACTOR_GROUPS[group]


def check_t(t) -> float:
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(float(t)):
        raise ExplorerError(f"t must be a number in [0, 1], got {t!r}")
    if not 0.0 <= float(t) <= 1.0:
        raise ExplorerError(f"t = {t!r} is outside [0, 1]")
    return round(float(t), INTERPOLATION_DECIMALS)


def interpolate(base: Mapping, other: Mapping, group: str, t: float) -> dict[str, float]:
    """``base`` with the factors of ``group`` moved a fraction ``t`` towards ``other``'s
    (``t = 0`` is ``base``, ``t = 1`` takes the group from ``other``). Linear in every factor;
    both ends are in range, so every point between is too."""
    names, t = check_group(group), check_t(t)
    base, other = canonical_scene(base), canonical_scene(other)
    mixed = dict(base)
    for name in names:
        mixed[name] = (1.0 - t) * base[name] + t * other[name]
    return canonical_scene(mixed)


def mix(base: Mapping, other: Mapping, group: str) -> dict[str, float]:
    """``base`` with the factors of ``group`` taken from ``other``."""
    return interpolate(base, other, group, 1.0)


def scene_key(scene: Mapping) -> tuple[float, ...]:
    """Hashable key of a canonical scene (the cache key)."""
    scene = canonical_scene(scene)
    return tuple(scene[name] for name in FACTORS)


def batch_of(scenes) -> SceneBatch:
    """A SceneBatch of canonical scenes (label 0: the renderer and the model do not read it)."""
    scenes = [canonical_scene(s) for s in scenes]
    return SceneBatch(**{name: torch.tensor([s[name] for s in scenes]) for name in FACTORS},
                      label=torch.zeros(len(scenes), dtype=torch.int64))


def sampled_scenes(*, sampler: str, seed: int, count: int) -> list[dict[str, float]]:
    """``count`` canonical scenes drawn by a named sampler of explainers.synthetic."""
    if isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= 12:
        raise ExplorerError(f"count must be an integer in [2, 12], got {count!r}")
    try:
        drawn = get_sampler(sampler).sample(count, generator=torch.Generator().manual_seed(seed))
    except (KeyError, ValueError) as exc:
        raise ExplorerError(str(exc)) from exc
    return [canonical_scene({name: float(drawn[name][i]) for name in FACTORS})
            for i in range(count)]
