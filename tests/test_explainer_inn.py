"""INN counterfactual contract: every row reaches the five column centres."""

import numpy as np
import pytest
import torch

from explainers.plugins import get_explainer
from explainers.plugins.layout import COLUMN_LABELS
from tests.fixtures.tiny_explainer_setup import blob_pool, logits_of, tiny_model


@pytest.fixture(scope="module")
def setup():
    model, data = tiny_model(), blob_pool()
    with torch.no_grad():
        logits = model.logit(data.pool().images.float() / 255).double().numpy()
    return model, data, logits


def render(setup, seed=0, **params):
    model, data, _ = setup
    return get_explainer("inn").render(model, data, rng=torch.Generator().manual_seed(seed),
                                       **params)


def test_rows_reach_the_column_centres_within_one_percent_of_the_range(setup):
    model, _, logits = setup
    stim = render(setup)
    assert (stim.rows, stim.cols) == (10, 5)
    assert stim.col_labels == list(COLUMN_LABELS)
    lo, hi = np.percentile(logits, [1, 99])
    centres = np.linspace(lo, hi, 6)[:-1] + (hi - lo) / 10
    shown = logits_of(model, [cell.image for _, _, cell in stim]).reshape(10, 5)
    np.testing.assert_allclose(shown, np.tile(centres, (10, 1)), atol=0.01 * (hi - lo))
    for r, c, cell in stim:
        assert cell.extra["target_logit"] == pytest.approx(centres[c], abs=1e-6)
        assert cell.logit == pytest.approx(shown[r, c], abs=1e-4)  # achieved, as recorded


def test_each_row_is_one_start_image_in_range(setup):
    _, data, logits = setup
    stim = render(setup, seed=3)
    lo, hi = stim.meta["logit_range"]
    for row in stim.cells:
        starts = {cell.extra["start_index"] for cell in row}
        assert len(starts) == 1
        start = starts.pop()
        assert lo <= logits[start] <= hi
        assert row[0].scene == data.pool().scene(start)
    assert len(set(stim.meta["start_indices"])) == 10
    # the images really change along the row
    row = stim.cells[0]
    assert np.abs(row[0].image.astype(int) - row[4].image.astype(int)).mean() > 1


def test_variants_use_other_start_images(setup):
    assert render(setup, seed=1).meta["start_indices"] != render(setup, seed=2).meta["start_indices"]


def test_rows_that_miss_a_target_are_replaced_by_other_start_images(setup):
    model, _, logits = setup
    stim = render(setup, refine_steps=0, max_error=0.01, max_starts=100)
    lo, hi = np.percentile(logits, [1, 99])
    centres = np.linspace(lo, hi, 6)[:-1] + (hi - lo) / 10
    shown = logits_of(model, [cell.image for _, _, cell in stim]).reshape(10, 5)
    assert np.abs(shown - centres).max() <= 0.01 * (hi - lo)
    # without corrections this tiny model misses often: rejected starts are counted
    assert stim.meta["starts_rejected"] > 0
    assert stim.meta["starts_tried"] >= 10 + stim.meta["starts_rejected"]
    assert stim.meta["largest_miss"] == pytest.approx(np.abs(shown - centres).max(), abs=1e-4)


def test_too_few_good_start_images_is_a_clear_error(setup):
    from explainers.plugins import StimulusError

    with pytest.raises(StimulusError, match=r"only \d+ of 12 start images give counterfactuals "
                                            r"within 0.01% of the logit range"):
        render(setup, refine_steps=0, max_error=1e-4, max_starts=12)


def test_rows_with_clamped_artefacts_are_replaced_and_counted(setup):
    model, data, _ = setup
    full = render(setup, seed=5, max_clipped=1.0)
    clean = render(setup, seed=5, max_clipped=0.0)
    assert full.meta["largest_clipped"] > 0 and full.meta["starts_clamped"] == 0
    assert clean.meta["starts_clamped"] > 0
    # every shown cell's clamped share is recorded and within the limit
    assert all(cell.extra["clipped"] <= 0.0 for _, _, cell in clean)
    assert clean.meta["largest_clipped"] == 0.0
    rejected = clean.meta["starts_missing_a_target"] + clean.meta["starts_clamped"]
    assert clean.meta["starts_rejected"] == rejected
    # recompute the clamped share of a shown cell independently from its start image
    cell = max((cell for _, _, cell in full), key=lambda c: c.extra["clipped"])
    assert cell.extra["clipped"] > 0
    x = data.pool().float_images([cell.extra["start_index"]], model.device)
    with torch.no_grad():
        enc = model.encode(x)
        raw = model.decode(enc.with_z(enc.z + cell.extra["alpha"] * model.w), clamp=False)
    share = float(((raw < 0) | (raw > 1)).float().mean())
    assert cell.extra["clipped"] == pytest.approx(share, abs=1e-6)
