"""benchmarks/diversity_weight.py runs with one command: per unit, direction and weight one
optimisation (A/B), its figures in results.json and printed, a picture sheet; the pixel
distance against a loop over the pairs."""

import itertools
import json
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image

from tests.fixtures.tiny_models import tiny_cnn_bundle

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


def test_pixel_distance_is_the_mean_rms_difference_over_pairs():
    import diversity_weight

    images = torch.rand(4, 3, 5, 5, generator=torch.Generator().manual_seed(0))
    pairs = [((a - b) ** 2).mean().sqrt().item()
             for a, b in itertools.permutations(images, 2)]
    assert diversity_weight.pairwise_distance(images) == pytest.approx(sum(pairs) / len(pairs))
    assert diversity_weight.pairwise_distance(images[:1].repeat(3, 1, 1, 1)) == pytest.approx(0)


def test_it_runs_both_weights_side_by_side_and_writes_the_figures(tmp_path, capsys):
    import diversity_weight

    folder, _ = tiny_cnn_bundle(tmp_path / "cnn")
    out = tmp_path / "out"
    diversity_weight.main(["--model", str(folder), "--layer", "layer2", "--units", "0,1",
                           "--weights", "1,100", "--steps", "3", "--out", str(out)])
    runs = json.loads((out / "results.json").read_text())
    assert [(r["unit"], r["direction"], r["weight"]) for r in runs] == [
        (u, d, w) for u in (0, 1) for d in ("max", "min") for w in (1.0, 100.0)]
    for r in runs:
        assert len(r["activations"]) == 9 and r["steps"] == 3 and r["cpu_s"] >= 0
        assert 0 <= r["pixel_distance"] <= 1 and 0 <= r["lucid_diversity"] <= 8 + 1e-6
    printed = capsys.readouterr().out
    assert "| layer2:1 | min | 100 |" in printed
    assert "time per unit (layer2:0, 9 max + 9 min, 3 steps, weight 1)" in printed
    sheet = Image.open(out / "sheet.png")
    assert sheet.size[1] > 8 * 64  # one row of 9 images per run
