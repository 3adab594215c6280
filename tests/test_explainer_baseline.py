"""Baseline contract: five columns that really bin the logits of the validation pool."""

import numpy as np
import pytest
import torch

from explainers.plugins import ParamError, get_explainer
from explainers.plugins.layout import COLUMN_LABELS, BinError
from tests.fixtures.tiny_explainer_setup import blob_pool, logits_of, tiny_model


@pytest.fixture(scope="module")
def setup():
    model, data = tiny_model(), blob_pool()
    x = data.pool().images.float() / 255
    with torch.no_grad():
        logits = model.logit(x).double().numpy()  # computed here, not by the explainer
    return model, data, logits


def render(setup, seed=0, **params):
    model, data, _ = setup
    return get_explainer("baseline").render(model, data, rng=torch.Generator().manual_seed(seed),
                                            **params)


def test_columns_bin_the_logit_range(setup):
    _, _, logits = setup
    stim = render(setup)
    assert (stim.rows, stim.cols) == (10, 5)
    assert stim.col_labels == list(COLUMN_LABELS)
    lo, hi = np.percentile(logits, [1, 99])
    edges = np.linspace(lo, hi, 6)
    np.testing.assert_allclose(stim.meta["logit_range"], [lo, hi], rtol=1e-6)
    shown = logits_of(setup[0], [cell.image for _, _, cell in stim])
    for (r, c, cell), direct in zip(stim, shown, strict=True):
        assert edges[c] - 1e-6 <= direct <= edges[c + 1] + 1e-6, (r, c, direct, edges)
        assert cell.logit == pytest.approx(direct, abs=1e-5)
        assert cell.extra["bin"] == pytest.approx([edges[c], edges[c + 1]])
        assert cell.scene["legs_position"] == pytest.approx(
            setup[1].pool().scene(cell.extra["pool_index"])["legs_position"])
    indices = [cell.extra["pool_index"] for _, _, cell in stim]
    assert len(set(indices)) == 50


def test_variants_draw_differently_and_reproducibly(setup):
    a, b, a2 = render(setup, seed=1), render(setup, seed=2), render(setup, seed=1)
    index = lambda s: [cell.extra["pool_index"] for _, _, cell in s]  # noqa: E731
    assert index(a) == index(a2)
    assert index(a) != index(b)


def test_percentiles_and_rows_are_parameters(setup):
    _, _, logits = setup
    stim = render(setup, rows=4, percentiles=[10, 90])
    assert stim.rows == 4
    np.testing.assert_allclose(stim.meta["logit_range"], np.percentile(logits, [10, 90]))


def test_unfillable_column_is_a_clear_error(setup):
    with pytest.raises(BinError, match="cannot fill every column with 40 images"):
        render(setup, rows=40)


@pytest.mark.parametrize("params, message", [
    ({"rows": "10"}, "must be an integer"),
    ({"percentiles": [99, 1]}, "lo < hi"),
    ({"colour": 1}, "has no parameter"),
])
def test_bad_params(setup, params, message):
    with pytest.raises(ParamError, match=message):
        render(setup, **params)
