"""manage.py visualize_units on a real (tiny) CNN bundle: the PNGs, unit.json and manifest it
writes, its cached activation index, and its errors."""

import json

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from tests.fixtures.tiny_models import tiny_cnn_bundle


@pytest.fixture
def bundle(tmp_path):
    return tiny_cnn_bundle(tmp_path / "cnn")[0]


def test_it_writes_max_and_min_visualisations_and_natural_exemplars(bundle, tmp_path):
    out = tmp_path / "out"
    call_command("visualize_units", model=str(bundle), layer="layer2", units="1,3", steps=4,
                 n_images=2, source_n=12, out=str(out), sheet=str(tmp_path / "sheet.png"))
    for unit in (1, 3):
        folder = out / "layer2" / f"unit_{unit}"
        record = json.loads((folder / "unit.json").read_text())
        for kind in ("synthetic_max", "synthetic_min", "natural_max", "natural_min"):
            assert record[kind]["files"] == [f"{kind}_0.png", f"{kind}_1.png"]
            with Image.open(folder / f"{kind}_0.png") as image:
                assert image.size == (32, 32)  # the tiny CNN's input size
        nat_max, nat_min = record["natural_max"]["activations"], record["natural_min"]["activations"]
        assert nat_max == sorted(nat_max, reverse=True) and nat_min == sorted(nat_min)
        assert min(nat_max) >= max(nat_min)
        assert record["recipe"]["steps"] == 4 and record["recipe"]["diversity_weight"] == 100
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["units"] == [1, 3] and manifest["model"]["plugin"] == "cnn"
    assert manifest["source"]["n"] == 12 and len(list((out / "cache").glob("*.npz"))) == 1
    with Image.open(tmp_path / "sheet.png") as sheet:  # 2 units x 4 groups of 2 tiles (3 x 3)
        width, height = sheet.size
        assert width > 4 * 3 * 32 and 2 * 32 < height < 4 * 3 * 32 + 200


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"units": "a,b"}, "comma-separated unit numbers"),
        ({"units": "0", "layer": "layer9"}, "no layer 'layer9'; its named layers: stem, layer1"),
        ({"units": "99"}, "units 0..7, got 99"),
        ({"units": "0", "steps": 0}, "steps must be a positive integer"),
        ({"units": "0", "model": "no-such-bundle"}, "neither a folder nor a bundle"),
    ],
)
def test_bad_options_are_errors(bundle, tmp_path, options, message):
    options = {"model": str(bundle), "steps": 1, "n_images": 1, "source_n": 4,
               "out": str(tmp_path / "out"), **options}
    with pytest.raises(CommandError, match=message):
        call_command("visualize_units", **options)
