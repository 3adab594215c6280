"""The property-gradients explanation condition: strips along gradual interventions, rendered,
published and walked by the bots."""

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from django.urls import reverse
from PIL import Image

from explainers.interventions import permutation_test, property_gradient_score
from explainers.plugins import ParamError, StimulusError, get_explainer
from explainers.prerender import render_stimulus
from explainers.synthetic import FACTOR_RANGES
from explainers.validation_data import ValidationData
from studies.loading import load_study
from tests.bots import PROLIFIC_URL, Bot, write_study
from tests.fixtures.tiny_explainer_setup import blob_pool, tiny_model

PARAMS = {"images": 2, "factors": ["color", "legs_position"], "points": 5, "show": 3,
          "permutations": 300}


@pytest.fixture(scope="module")
def setup():
    return tiny_model(), ValidationData(n=8, size=32, seed=3)


def render(setup, seed=0, **params):
    model, data = setup
    return get_explainer("property_gradients").render(
        model, data, rng=torch.Generator().manual_seed(seed), **{**PARAMS, **params})


def test_rows_are_images_times_factors_and_cells_the_shown_steps(setup):
    stim = render(setup)
    assert (stim.rows, stim.cols) == (4, 3)
    assert stim.col_labels == ["step 1 of 5 (low end)", "step 3 of 5", "step 5 of 5 (high end)"]
    for r, c, cell in stim:
        factor = ["color", "legs_position"][r % 2]
        lo, hi = FACTOR_RANGES[factor]
        assert cell.extra["factor"] == factor and cell.extra["step"] == 2 * c
        assert cell.extra["value"] == pytest.approx(lo + (hi - lo) * c / 2)
        assert cell.scene[factor] == pytest.approx(cell.extra["value"])
        assert cell.image.shape == (32 + 16, 32, 3)  # image with its caption band
        assert cell.extra["output"] == pytest.approx(1 / (1 + np.exp(-cell.logit)), abs=1e-6)


def test_scores_are_the_outputs_scores_and_the_label_says_them(setup):
    model, _ = setup
    stim = render(setup)
    y = np.array(stim.meta["outputs"])  # [images, factors, points]
    np.testing.assert_allclose(stim.meta["scores"], property_gradient_score(y))
    again = permutation_test(y, permutations=300, seed=stim.meta["test_seed"])
    np.testing.assert_allclose(stim.meta["p"], again.local_p)
    score = stim.meta["scores"][0][1]
    assert stim.row_labels[1].startswith(f"image 1, legs_position: E[|grad|] = {score:.3f}")
    # the caption is the model's output on the 8-bit image as shown (top part of the cell)
    cell = stim.cells[0][1]
    x = torch.as_tensor(cell.image[:32].copy()).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        assert torch.sigmoid(model.logit(x)).item() == pytest.approx(cell.extra["output"],
                                                                      abs=1e-6)


def test_variants_show_other_images_and_repeat_exactly(setup):
    a, b, a2 = render(setup, seed=1), render(setup, seed=2), render(setup, seed=1)
    assert a.meta["images"] != b.meta["images"]
    assert a.meta == a2.meta


def test_bad_parameters_and_pools_are_refused(setup):
    with pytest.raises(ParamError, match="factors"):
        render(setup, factors=["hue"])
    with pytest.raises(ParamError, match="multiple"):
        render(setup, points=5, show=4)
    with pytest.raises(ParamError, match="no parameter"):
        render(setup, steps=3)
    with pytest.raises(StimulusError, match="generator scenes"):
        get_explainer("property_gradients").render(tiny_model(), blob_pool(20),
                                                   rng=torch.Generator().manual_seed(0))


def test_a_spec_with_the_condition_is_walked_by_the_bots(setup, tmp_path, settings, clock, db):
    model, data = setup
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_URL
    manifest = render_stimulus("property_gradients", PARAMS, model=model, data=data, seed=4,
                               root=Path(settings.STIMULI_ROOT))
    key = manifest["key"]
    conditions = (f'  - {{name: gradients, explainer: property_gradients, target: 2, '
                  f'stimulus_key: "{key}"}}\n')
    study, _ = load_study(write_study(tmp_path, settings, slug="gradients", publish=False,
                                      conditions=conditions))
    bot = Bot(study, clock)
    assert bot.enter().status_code == 302
    bot.play(stop_at="stimulus")
    page = bot.get().content.decode()
    assert f'data-key="{key}"' in page
    grid = bot.client.get(reverse("studies:stimulus",
                                  args=[study.slug, key, manifest["grid_image"]]))
    assert grid.status_code == 200
    body = b"".join(grid.streaming_content) if grid.streaming else grid.content
    assert Image.open(io.BytesIO(body)).size[0] > 3 * 32
    last = bot.play()
    assert last.status_code == 302 and last["Location"] == PROLIFIC_URL + "DONE1"
    assert bot.participant.condition.name == "gradients"
