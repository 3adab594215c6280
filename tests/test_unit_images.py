"""Render kind unit_images: a CNN unit's synthetic and natural reference / query images for one
participant batch, published content-addressed through explainers.prerender."""

import pytest

from explainers.prerender import load_manifest
from explainers.render_kinds import get_kind
from tests.fixtures.tiny_models import tiny_cnn_bundle


@pytest.fixture
def inputs(tmp_path):
    folder, digest = tiny_cnn_bundle(tmp_path / "cnn")
    return {"bundle": str(folder), "bundle_hash": digest, "layer": "layer2", "unit": 3,
            "batch": 1, "n_references": 2, "n_batches": 2, "steps": 3, "diversity_weight": 4.0,
            "seed": 0, "source_n": 12, "source_seed": 5}


def test_it_publishes_four_rows_with_queries_from_the_most_extreme_bin(inputs, tmp_path):
    kind = get_kind("unit_images")
    manifest = kind.render(inputs, root=tmp_path / "stimuli")
    assert manifest["key"] == kind.key(inputs)
    assert manifest["row_labels"] == ["synthetic max", "synthetic min", "natural max",
                                      "natural min"]
    cells = {(c["row"], c["col"]): c for c in manifest["cells"]}
    assert len(cells) == 4 * 3
    nat_max = [cells[(2, col)]["extra"]["activation"] for col in range(3)]
    nat_min = [cells[(3, col)]["extra"]["activation"] for col in range(3)]
    assert nat_max[0] >= max(nat_max[1:]) and nat_min[0] <= min(nat_min[1:])
    assert min(nat_max) >= max(nat_min)
    ids = {cells[(r, c)]["extra"]["source_id"] for r in (2, 3) for c in range(3)}
    assert len(ids) == 6  # six different scenes
    again = kind.render(inputs, root=tmp_path / "stimuli")  # published: not rendered again
    assert again["key"] == manifest["key"]
    assert load_manifest(tmp_path / "stimuli", manifest["key"])["inputs"]["unit"] == 3


def test_the_key_follows_the_inputs_and_bad_inputs_are_errors(inputs):
    kind = get_kind("unit_images")
    assert kind.key(inputs) == kind.key(dict(inputs))
    assert kind.key({**inputs, "unit": 4}) != kind.key(inputs)
    assert kind.key({**inputs, "batch": 0}) != kind.key(inputs)
    assert kind.key({**inputs, "bundle": "/elsewhere"}) == kind.key(inputs)  # hash, not path
    with pytest.raises(ValueError, match="needs inputs"):
        kind.key({k: v for k, v in inputs.items() if k != "seed"})
    with pytest.raises(ValueError, match="'unit' must be int"):
        kind.key({**inputs, "unit": "3"})
    with pytest.raises(ValueError, match="batch must be 0..1, got 2"):
        kind.key({**inputs, "batch": 2})
