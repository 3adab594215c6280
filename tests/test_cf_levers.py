"""benchmarks/cf_levers.py: the levers it builds, the observer's upsampling, the target rule
and its argument checks (the probes themselves are CPU minutes each and are not run here)."""

import pytest
import torch
from torch import nn

from explainers.models.config import config_from_dict
from tests.scripts import load_benchmark


@pytest.fixture
def levers():
    return load_benchmark("cf_levers")


def test_each_lever_changes_one_thing_and_gives_a_valid_config(levers):
    base = levers.lever_config("base", 123)
    assert base["train"]["max_steps"] == 123
    beta = levers.lever_config("beta=0.25", 123)
    assert beta["train"]["beta"] == 0.25
    assert {k: v for k, v in beta["train"].items() if k != "beta"} == {
        k: v for k, v in base["train"].items() if k != "beta"}
    assert levers.lever_config("split_prior=false", 10)["model"]["split_prior"] is False
    assert levers.lever_config("classifier_level=1", 10)["model"]["classifier_level"] == 1
    small = levers.lever_config("image_size=32", 10)["model"]
    assert small["image_size"] == 32
    assert small["steps"] == base["model"]["steps"][:-1]
    for lever in ("base", "beta=0.25", "image_size=32", "classifier_level=1", "split_prior=false"):
        cfg = config_from_dict(levers.lever_config(lever, 10))
        assert cfg.train.max_steps == 10


@pytest.mark.parametrize("lever, message", [
    ("beta", "use 'base' or KEY=VALUE"),
    ("tilt=3", "'tilt' is neither a model nor a train key"),
    ("image_size=48", "only 32"),
])
def test_bad_levers_are_refused(levers, lever, message):
    with pytest.raises(ValueError, match=message):
        levers.lever_config(lever, 10)


def test_a_smaller_models_images_reach_the_observer_at_its_size(levers):
    seen = []

    class Probe(nn.Module):
        def forward(self, x):
            seen.append(tuple(x.shape))
            return x.mean((1, 2, 3))

    up = levers.Upsampled(Probe(), 64)
    up(torch.rand(2, 3, 32, 32))
    up(torch.rand(1, 3, 64, 64))
    assert seen == [(2, 3, 64, 64), (1, 3, 64, 64)]


def _cf(legs, color, shape, nuisance):
    ch = {"legs_position": legs, "color": color, "shape": shape}
    return {"max_change": ch, "max_change_worst_nuisance": ["pitch", nuisance],
            "max_change_clean": ch, "max_change_clean_worst_nuisance": ["pitch", nuisance]}


def test_the_target_needs_every_factor_and_a_small_nuisance(levers):
    assert levers.meets_target(_cf(0.4, 0.25, 0.35, 0.1))
    assert not levers.meets_target(_cf(0.4, 0.25, 0.30, 0.1))  # shape under 0.31
    assert not levers.meets_target(_cf(0.4, 0.25, 0.35, 0.14))  # nuisance above a third of legs
    # the shipped model's figures (checkpoints/study/ground_truth.json)
    assert not levers.meets_target(_cf(0.056, 0.036, 0.113, 0.049))


@pytest.mark.parametrize("argv, message", [
    (["span"], "span needs --checkpoint"),
    (["train"], "train needs --out"),
    (["train", "--out", "x", "--lever", "tilt=1"], "neither a model nor a train key"),
    (["span", "--checkpoint", "x", "--scales", "0"], "must be positive"),
])
def test_bad_arguments_are_refused(levers, argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        levers.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_the_verdict_on_the_shipped_model_misses_the_target_and_keeps_the_rest(levers):
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    truth = json.loads((root / "checkpoints/study/ground_truth.json").read_text())
    evaluation = json.loads((root / "docs/model/eval.json").read_text())
    checks = levers.verdict(truth, evaluation)
    assert not checks["target cf_max_change"] and not checks["target cf_max_change_clean"]
    assert all(ok for name, ok in checks.items() if name.startswith("kept"))
    truth["checkpoint_hash"] = "0" * 64
    with pytest.raises(ValueError, match="different bundles"):
        levers.verdict(truth, evaluation)
