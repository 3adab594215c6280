"""The explorer's scenes: canonical parameters, refusals with the key and range, mix and
interpolation per factor group."""

import math

import pytest

from explainers.explorer import (
    FACTOR_GROUPS,
    ExplorerError,
    canonical_scene,
    interpolate,
    mix,
    sampled_scenes,
    scene_key,
)
from explainers.synthetic import FACTOR_RANGES, FACTORS, NEUTRAL


def test_groups_partition_the_factors():
    grouped = [f for g in FACTOR_GROUPS.values() for f in g]
    assert sorted(grouped) == sorted(FACTORS) and len(grouped) == len(set(grouped))
    assert set(FACTOR_GROUPS["body"]) == {"legs_position", "bending", "roll", "pitch"}
    assert set(FACTOR_GROUPS["appearance"]) == {"color", "shape"}
    assert set(FACTOR_GROUPS["scene"]) == {"background", "position_x", "position_y", "yaw"}


def test_canonical_scene_rounds_and_keeps_factor_order():
    scene = canonical_scene({**NEUTRAL, "color": 0.123456789})
    assert list(scene) == list(FACTORS) and scene["color"] == 0.1235
    assert scene_key(scene) == scene_key({**NEUTRAL, "color": 0.12345})  # same cache key
    # a bound given as an irrational number survives rounding
    assert canonical_scene({**NEUTRAL, "bending": math.pi / 10})["bending"] <= math.pi / 10


@pytest.mark.parametrize(("change", "message"), [
    ({"legs_position": 1.5}, "legs_position = 1.5 is outside [0, 1]"),
    ({"yaw": -4.0}, "yaw = -4.0 is outside [-3.14159, 3.14159]"),
    ({"color": float("nan")}, "color = nan is outside"),
    ({"shape": "0.5"}, "shape must be a number, got '0.5'"),
    ({"shape": True}, "shape must be a number, got True"),
    ({"wings": 0.3}, "unknown factor(s) wings"),
])
def test_bad_values_are_refused_with_key_and_range(change, message):
    with pytest.raises(ExplorerError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        canonical_scene({**NEUTRAL, **change})


def test_a_missing_factor_is_refused():
    scene = dict(NEUTRAL)
    del scene["pitch"]
    with pytest.raises(ExplorerError, match="lacks the factor.s. pitch"):
        canonical_scene(scene)


def test_mix_takes_exactly_the_group_from_the_other_scene():
    a, b = sampled_scenes(sampler="unbiased", seed=3, count=2)
    for group, names in FACTOR_GROUPS.items():
        mixed = mix(a, b, group)
        for name in FACTORS:
            assert mixed[name] == (b[name] if name in names else a[name]), (group, name)


def test_interpolate_is_linear_in_the_group_and_stays_in_range():
    a, b = sampled_scenes(sampler="unbiased", seed=4, count=2)
    half = interpolate(a, b, "scene", 0.5)
    for name in FACTORS:
        expected = (a[name] + b[name]) / 2 if name in FACTOR_GROUPS["scene"] else a[name]
        assert half[name] == pytest.approx(expected, abs=1e-4)
        lo, hi = FACTOR_RANGES[name]
        assert lo <= half[name] <= hi
    assert interpolate(a, b, "scene", 0.0) == canonical_scene(a)
    assert interpolate(a, b, "scene", 1.0) == mix(a, b, "scene")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"group": "legs", "t": 0.5}, "unknown factor group 'legs'; groups are body, appearance, scene"),
    ({"group": "body", "t": 1.2}, r"t = 1.2 is outside \[0, 1\]"),
    ({"group": "body", "t": "half"}, "t must be a number"),
])
def test_bad_interpolations_are_refused(kwargs, message):
    a, b = sampled_scenes(sampler="unbiased", seed=5, count=2)
    with pytest.raises(ExplorerError, match=message):
        interpolate(a, b, **kwargs)


def test_sampled_scenes_are_reproducible_and_bounded():
    assert sampled_scenes(sampler="study", seed=7, count=4) == \
        sampled_scenes(sampler="study", seed=7, count=4)
    with pytest.raises(ExplorerError, match="count must be an integer in"):
        sampled_scenes(sampler="study", seed=7, count=40)
    with pytest.raises(ExplorerError, match="unknown sampler 'nope'"):
        sampled_scenes(sampler="nope", seed=7, count=4)
