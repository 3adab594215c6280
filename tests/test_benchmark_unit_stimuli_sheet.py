"""benchmarks/unit_stimuli_sheet.py draws the docs' sheet from published unit stimuli: the
images it draws and the activations it tabulates are those of the manifests' cells."""

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from explainers.render_kinds import get_kind
from tests.fixtures.tiny_models import tiny_cnn_bundle

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import unit_stimuli_sheet  # noqa: E402


@pytest.fixture
def published(tmp_path):
    folder, bundle_hash = tiny_cnn_bundle(tmp_path / "cnn")
    root = tmp_path / "stimuli"
    common = {"bundle": str(folder), "bundle_hash": bundle_hash, "layer": "layer2", "unit": 3,
              "size": 16, "seed": 0}
    synthetic = get_kind("unit_synthetic").render(
        {**common, "n_images": 9, "steps": 2, "diversity_weight": 1.0}, root=root)
    natural = get_kind("unit_natural").render(
        {**common, "n_references": 9, "n_batches": 1, "source_n": 40, "source_seed": 1},
        root=root)
    return root, synthetic, natural


def activations(manifest, row):
    return [c["extra"]["activation"] for c in manifest["cells"] if c["row"] == row]


def test_the_sheet_shows_the_published_cells_and_the_table_their_activations(published,
                                                                              tmp_path, capsys):
    root, synthetic, natural = published
    out = tmp_path / "sheet.png"
    assert unit_stimuli_sheet.main(["--root", str(root), "--units", "layer2:3",
                                    "--out", str(out)]) == 0
    row = capsys.readouterr().out.splitlines()[2]
    synth_max = activations(synthetic, 0)
    nat_max = activations(natural, 0)[1:]  # column 0 is the query, not a reference
    assert row.startswith("| layer2:3 | ")
    assert f"{min(synth_max):.2f}-{max(synth_max):.2f}" == row.split(" | ")[1]
    assert f"{min(nat_max):.2f}-{max(nat_max):.2f}" == row.split(" | ")[2]
    found = unit_stimuli_sheet.find_units(root)
    drawn = unit_stimuli_sheet.unit_stimuli(root, found, "layer2", 3)
    first = np.asarray(Image.open(root / natural["key"] / "r00c01.png").convert("RGB"))
    assert np.array_equal((drawn.natural_max_images[0].permute(1, 2, 0) * 255).round().byte()
                          .numpy(), first)
    sheet = Image.open(out)
    assert sheet.width > 4 * 3 * 16 and sheet.height > 2 * 3 * 16


def test_a_unit_without_published_stimuli_is_named(published, tmp_path):
    root, _, _ = published
    with pytest.raises(SystemExit, match="layer2:4: no published unit_synthetic"):
        unit_stimuli_sheet.main(["--root", str(root), "--units", "layer2:4",
                                 "--out", str(tmp_path / "x.png")])
    with pytest.raises(SystemExit):
        unit_stimuli_sheet.main(["--root", str(root), "--units", "layer2", "--out", "x.png"])
