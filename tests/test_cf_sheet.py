"""benchmarks/cf_sheet.py: the observer's change along a shown row, and the sheet's layout."""

import numpy as np
import pytest
import torch

from explainers.models.observer import target_names
from explainers.plugins import get_explainer
from tests.fixtures.tiny_explainer_setup import blob_pool, tiny_model
from tests.scripts import load_benchmark


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("cf_sheet")


class Scripted(torch.nn.Module):
    """An 'observer' whose outputs are given per image (one row of target values each)."""

    def __init__(self, outputs):
        super().__init__()
        self.outputs = torch.as_tensor(outputs, dtype=torch.float32)

    def forward(self, x):
        assert x.shape[0] == len(self.outputs)
        return self.outputs


def test_changes_are_max_minus_min_and_yaw_the_shortest_arc(bench):
    names = target_names()
    out = np.full((5, len(names)), 0.5)
    out[:, names.index("legs_position")] = [0.1, 0.3, 0.5, 0.2, 0.4]
    # yaw from (sin, cos): read back as (atan2 + pi) / 2 pi, i.e. these fractions of a turn
    turns = np.array([0.49, 0.51, 0.50, 0.495, 0.505])
    angle = turns * 2 * np.pi - np.pi
    out[:, names.index("yaw_sin")] = (np.sin(angle) + 1) / 2
    out[:, names.index("yaw_cos")] = (np.cos(angle) + 1) / 2
    images = np.zeros((5, 8, 8, 3), np.uint8)
    change = bench.observed_changes(Scripted(out), images)
    assert change["legs_position"] == pytest.approx(0.4)
    assert change["color"] == pytest.approx(0.0)
    assert change["yaw"] == pytest.approx(0.02, abs=1e-6)  # 0.49 vs 0.51 of a turn
    wrap = angle + np.pi  # half a turn on: read as 0.99, 0.01, 0.0, ... (max - min 0.99)
    out[:, names.index("yaw_sin")] = (np.sin(wrap) + 1) / 2
    out[:, names.index("yaw_cos")] = (np.cos(wrap) + 1) / 2
    assert bench.observed_changes(Scripted(out), images)["yaw"] == pytest.approx(0.02, abs=1e-6)


def test_the_sheet_shows_every_row_and_column_of_the_stimulus(bench):
    stim = get_explainer("inn").render(tiny_model(), blob_pool(),
                                       rng=torch.Generator().manual_seed(0), rows=3)
    changes = [dict.fromkeys(bench.SHORT, 0.1) for _ in stim.cells]
    img = bench.sheet(stim, changes, title="t", scale=2)
    h, w = stim.cells[0][0].image.shape[:2]
    assert img.height == 44 + 3 * (14 + 2 * h + 30)
    arr = np.asarray(img)
    x0, y0 = 6 + 4 * (2 * w + 6), 44 + 2 * (14 + 2 * h + 30) + 14  # last row, last column
    shown = arr[y0:y0 + 2 * h:2, x0:x0 + 2 * w:2]
    assert np.array_equal(shown, stim.cells[2][4].image)
    with pytest.raises(ValueError):  # one reading per row
        bench.sheet(stim, changes[:2], title="t")
