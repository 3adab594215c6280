"""Render kinds unit_synthetic and unit_natural: a CNN unit's feature visualisations (once per
unit) and its natural query / reference images for every participant batch, published
content-addressed through explainers.prerender."""

import pytest

from explainers.prerender import load_manifest
from explainers.render_kinds import get_kind
from tests.fixtures.tiny_models import tiny_cnn_bundle


@pytest.fixture
def bundle(tmp_path):
    return tiny_cnn_bundle(tmp_path / "cnn")


def natural(bundle, **changes):
    return {"bundle": str(bundle[0]), "bundle_hash": bundle[1], "layer": "layer2", "unit": 3,
            "n_references": 2, "n_batches": 3, "size": 16, "seed": 0, "source_n": 24,
            "source_seed": 5, **changes}


def test_natural_rows_are_disjoint_batches_with_queries_from_the_most_extreme_bin(bundle,
                                                                                  tmp_path):
    kind = get_kind("unit_natural")
    manifest = kind.render(natural(bundle), root=tmp_path / "stimuli")
    assert manifest["key"] == kind.key(natural(bundle))
    assert manifest["rows"] == 6 and manifest["cols"] == 3
    cells = {(c["row"], c["col"]): c["extra"] for c in manifest["cells"]}
    ids = [cells[(r, c)]["source_id"] for r in range(6) for c in range(3)]
    assert len(set(ids)) == 18  # every image once: batches are disjoint, max and min too
    high = [cells[(2 * b, c)]["activation"] for b in range(3) for c in range(3)]
    low = [cells[(2 * b + 1, c)]["activation"] for b in range(3) for c in range(3)]
    assert min(high) > max(low)
    queries = [cells[(2 * b, 0)]["activation"] for b in range(3)]
    assert min(queries) >= max(cells[(2 * b, c)]["activation"] for b in range(3) for c in (1, 2))
    again = kind.render(natural(bundle), root=tmp_path / "stimuli")
    assert again["key"] == manifest["key"]


def test_synthetic_has_max_and_min_rows_that_push_the_unit_apart(bundle, tmp_path):
    kind = get_kind("unit_synthetic")
    inputs = {"bundle": str(bundle[0]), "bundle_hash": bundle[1], "layer": "layer2", "unit": 3,
              "n_images": 2, "steps": 8, "size": 16, "diversity_weight": 1.0, "seed": 0}
    manifest = kind.render(inputs, root=tmp_path / "stimuli")
    assert manifest["row_labels"] == ["synthetic max", "synthetic min"]
    cells = {(c["row"], c["col"]): c["extra"]["activation"] for c in manifest["cells"]}
    assert min(cells[(0, 0)], cells[(0, 1)]) > max(cells[(1, 0)], cells[(1, 1)])
    assert load_manifest(tmp_path / "stimuli", manifest["key"])["inputs"]["steps"] == 8


def test_the_keys_follow_the_inputs_and_bad_inputs_are_errors(bundle):
    kind = get_kind("unit_natural")
    inputs = natural(bundle)
    assert kind.key({**inputs, "unit": 4}) != kind.key(inputs)
    assert kind.key({**inputs, "bundle": "/elsewhere"}) == kind.key(inputs)  # hash, not path
    with pytest.raises(ValueError, match="needs inputs"):
        kind.key({k: v for k, v in inputs.items() if k != "seed"})
    with pytest.raises(ValueError, match="'unit' must be int"):
        kind.key({**inputs, "unit": "3"})
    with pytest.raises(ValueError, match="need 36 source images; source_n is 24"):
        kind.key({**inputs, "n_references": 5})


def test_a_generator_change_rekeys_the_natural_exemplars_but_not_the_visualisations(
        bundle, monkeypatch):
    """Feature visualisations never run the Two4Two generator (2.5 CPU hours for Exp. I at the
    paper's steps), so an edit of the generator must not make them owed again; the natural
    exemplars are generator scenes and must be."""
    import explainers.synthetic

    synthetic, natural_kind = get_kind("unit_synthetic"), get_kind("unit_natural")
    synth_inputs = {"bundle": str(bundle[0]), "bundle_hash": bundle[1], "layer": "layer2",
                    "unit": 3, "n_images": 2, "steps": 8, "size": 16, "diversity_weight": 1.0,
                    "seed": 0}
    before = synthetic.key(synth_inputs), natural_kind.key(natural(bundle))
    monkeypatch.setattr(explainers.synthetic, "code_version", lambda: "another generator")
    after = synthetic.key(synth_inputs), natural_kind.key(natural(bundle))
    assert after[0] == before[0]
    assert after[1] != before[1]
