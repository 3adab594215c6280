"""SceneBatch, factor table, label rule, interventions (CPU, tiny)."""

import math

import pandas as pd
import pytest
import torch

from explainers.synthetic import (
    ATTRIBUTES,
    FACTOR_RANGES,
    FACTORS,
    SAMPLERS,
    SceneBatch,
    get_sampler,
    intervene,
    label_rule,
)


def _batch(n=64, name="study", seed=0):
    return get_sampler(name).sample(n, generator=torch.Generator().manual_seed(seed))


def test_factor_table_matches_paper():
    assert FACTORS == (
        "legs_position", "color", "shape", "background", "yaw",
        "roll", "pitch", "bending", "position_x", "position_y",
    )  # fmt: skip
    assert FACTOR_RANGES["background"] == (0.05, 0.95)
    assert FACTOR_RANGES["roll"] == pytest.approx((-math.pi / 4, math.pi / 4))
    assert FACTOR_RANGES["pitch"] == pytest.approx((-math.pi / 6, math.pi / 6))
    assert FACTOR_RANGES["bending"] == pytest.approx((-math.pi / 10, math.pi / 10))
    assert FACTOR_RANGES["position_x"] == FACTOR_RANGES["position_y"] == (-0.8, 0.0)
    grouped = sorted(f for factors in ATTRIBUTES.values() for f in factors)
    assert grouped == sorted(set(FACTORS) - {"position_x", "position_y"})
    assert ATTRIBUTES["rotation"] == ["yaw", "roll", "pitch", "bending"]


def test_samples_lie_in_ranges_and_have_right_types():
    for name in SAMPLERS:
        batch = _batch(500, name)
        assert len(batch) == 500
        for factor in FACTORS:
            t = batch[factor]
            assert t.dtype == torch.float32 and t.shape == (500,)
            lo, hi = FACTOR_RANGES[factor]
            assert lo <= float(t.min()) and float(t.max()) <= hi
        assert batch.label.dtype == torch.int64
        assert set(batch.label.tolist()) == {0, 1}


def test_label_rule_legs_ranges():
    batch = _batch(4000, "unbiased")
    legs, label = batch.legs_position, batch.label
    assert bool((legs[label == 0] <= 0.52).all()) and bool((legs[label == 1] >= 0.48).all())
    assert bool((label[legs < 0.48] == 0).all()) and bool((label[legs > 0.52] == 1).all())
    inside = (legs >= 0.48) & (legs <= 0.52)
    assert 0 < float(label[inside].float().mean()) < 1  # both classes in the overlap


def test_label_rule_function():
    legs = torch.tensor([0.1, 0.47, 0.48, 0.5, 0.52, 0.53, 0.9, 0.5])
    old = torch.tensor([1, 1, 1, 0, 0, 0, 0, 1])
    assert label_rule(legs, old).tolist() == [0, 0, 1, 0, 0, 1, 1, 1]


def test_unknown_sampler_and_bad_params():
    with pytest.raises(ValueError, match="unknown sampler 'nope'.*study"):
        get_sampler("nope")
    with pytest.raises(ValueError, match="bad parameters"):
        get_sampler("study", bias=3)
    with pytest.raises(ValueError, match="color_strength"):
        get_sampler("study", color_strength=-1)
    with pytest.raises(ValueError, match="positive integer"):
        get_sampler("study").sample(0, generator=torch.Generator())


def test_batch_indexing_cat_and_frame_round_trip():
    batch = _batch(10)
    assert len(batch[3]) == 1 and len(batch[2:5]) == 3 and len(batch[torch.tensor([0, 9])]) == 2
    both = SceneBatch.cat([batch[:4], batch[4:]])
    frame = both.to_frame()
    assert list(frame.columns) == [*FACTORS, "label"]
    back = SceneBatch.from_frame(frame)
    for name in (*FACTORS, "label"):
        assert torch.equal(back[name], batch[name])
    assert back.to("cpu").label.device.type == "cpu"


def test_from_frame_errors_name_the_problem():
    frame = _batch(5).to_frame()
    with pytest.raises(ValueError, match="shape, yaw"):
        SceneBatch.from_frame(frame.drop(columns=["shape", "yaw"]))
    bad = frame.copy()
    bad.loc[0, "pitch"] = 2.0
    with pytest.raises(ValueError, match="pitch"):
        SceneBatch.from_frame(bad)
    bad = frame.copy()
    bad["label"] = 2
    with pytest.raises(ValueError, match="label"):
        SceneBatch.from_frame(bad)
    with pytest.raises(ValueError, match="color"):
        SceneBatch.from_frame(frame.assign(color="red"))
    assert isinstance(frame, pd.DataFrame)


def test_intervention_changes_only_that_factor():
    batch = _batch(200)
    sampler = get_sampler("study")
    for factor in FACTORS:
        new = intervene(batch, factor, sampler=sampler, generator=torch.Generator().manual_seed(1))
        assert not torch.equal(new[factor], batch[factor])
        for other in FACTORS:
            if other != factor:
                assert torch.equal(new[other], batch[other]), (factor, other)
        if factor != "legs_position":
            assert torch.equal(new.label, batch.label)
    fixed = intervene(batch, "color", value=0.25)
    assert bool((fixed.color == 0.25).all())
    with pytest.raises(ValueError, match="yaw must lie"):
        intervene(batch, "yaw", value=10.0)
    with pytest.raises(ValueError, match="unknown factor"):
        intervene(batch, "size", value=1.0)


def test_legs_intervention_relabels_deterministically():
    batch = _batch(300)
    low = intervene(batch, "legs_position", value=0.2)
    high = intervene(batch, "legs_position", value=0.8)
    mid = intervene(batch, "legs_position", value=0.5)
    assert bool((low.label == 0).all()) and bool((high.label == 1).all())
    assert torch.equal(mid.label, batch.label)


def test_generator_imports_no_django():
    import subprocess
    import sys

    code = (
        "import sys, explainers.synthetic, explainers.synthetic.io, explainers.synthetic.sheets;"
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
