"""benchmarks/pitch_probe.py: the camera patch it relies on, and its argument checks.

The probe's finding (research/model-runs/README.md, "Why pitch leaks") is that the pinhole camera's
perspective makes +pitch and -pitch look different; without it the two silhouettes are mirror
images along the viewing axis and so project to the same mask.
"""

import json
import math

import pytest
import torch

from explainers.synthetic import NEUTRAL, SceneBatch, intervene, render, tiles
from tests.scripts import load_benchmark


@pytest.fixture
def probe():
    return load_benchmark("pitch_probe")


def _coverage_at(pitch, distance, monkeypatch):
    monkeypatch.setattr(tiles, "CAMERA_DISTANCE", distance)
    scenes = {f: torch.tensor([float(v)] * 3) for f, v in NEUTRAL.items()}
    scenes.update(legs_position=torch.tensor([0.0, 0.5, 1.0]), yaw=torch.tensor([0.0, 0.6, 2.0]))
    batch = intervene(SceneBatch(**scenes, label=torch.tensor([0, 1, 1])), "pitch", value=pitch)
    return render(batch, size=64).coverage


def test_without_perspective_opposite_pitches_give_the_same_silhouette(monkeypatch):
    far = [_coverage_at(s * math.pi / 6, 1e6, monkeypatch) for s in (-1, 1)]
    near = [_coverage_at(s * math.pi / 6, 9.0, monkeypatch) for s in (-1, 1)]
    assert (far[0] - far[1]).abs().max() < 1e-3
    # with the original's camera (distance 9) the nearer end is drawn larger: hundreds of
    # pixels change
    assert (near[0] - near[1]).abs().sum() > 100


def test_the_picture_restores_the_camera(probe, tmp_path, monkeypatch):
    monkeypatch.setattr(tiles, "CAMERA_DISTANCE", 9.0)
    probe.camera_picture(tmp_path / "p.png", 30.0, steps=2)
    assert tiles.CAMERA_DISTANCE == 9.0
    assert (tmp_path / "p.png").stat().st_size > 1000


@pytest.mark.parametrize("argv, message", [
    (["--config", "c", "--out", "x", "--camera-distance", "2"], "--camera-distance must be > 2.5"),
    (["--out", "x", "--response-only"], "--response-only and --r2-only need --skip-train"),
    (["--out", "x", "--config", "c", "--r2-only"], "--r2-only need --skip-train"),
    (["--out", "x"], "--config is needed unless --skip-train"),
    ([], "--out is needed"),
    (["--out", "x", "--skip-train", "--r2-only", "--factors", "tilt"], "unknown factors ['tilt']"),
])
def test_bad_arguments_are_refused(probe, argv, message, capsys, monkeypatch):
    monkeypatch.setattr(tiles, "CAMERA_DISTANCE", 9.0)
    with pytest.raises(SystemExit) as exit_info:
        probe.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_r2_only_measures_the_chosen_factors_on_each_seed(probe, tmp_path, capsys, monkeypatch):
    from explainers.models import load_checkpoint
    from explainers.models.config import config_from_dict
    from explainers.models.ground_truth import factor_importance
    from explainers.models.train import train
    from tests.test_model_training import TINY

    monkeypatch.setattr(tiles, "CAMERA_DISTANCE", 9.0)
    train(config_from_dict(TINY), tmp_path / "b", progress=False)
    out = tmp_path / "r2.json"
    argv = ["--out", str(tmp_path / "b"), "--skip-train", "--r2-only", "--n-truth", "40",
            "--seeds", "2", "5", "--factors", "pitch", "--json", str(out)]
    assert probe.main(argv) == 0
    result = json.loads(out.read_text())
    assert json.loads(capsys.readouterr().out) == result
    assert set(result) >= {"r2_seed2", "r2_seed5", "r2_mean_over_seeds"}
    model = load_checkpoint(tmp_path / "b")
    model.eval()
    for seed in (2, 5):  # the same call, made independently
        expected = factor_importance(model, n=40, seed=seed, factors=["pitch"], progress=False)
        assert result[f"r2_seed{seed}"] == {"pitch": round(expected["pitch"]["r2"], 4)}
    assert result["r2_mean_over_seeds"]["pitch"] == pytest.approx(
        (result["r2_seed2"]["pitch"] + result["r2_seed5"]["pitch"]) / 2, abs=1e-4)
