"""Saliency, Integrated Gradients and Grad-CAM: captum's maps, checked against direct autograd."""

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from explainers.models.model_registry import load_model
from explainers.plugins import get_explainer
from explainers.plugins.grid import compose_grid
from explainers.plugins.needs import condition_problems
from explainers.plugins.registry import available
from tests.fixtures.tiny_explainer_setup import blob_pool
from tests.fixtures.tiny_models import tiny_cnn, tiny_torchscript_bundle


@pytest.fixture(scope="module")
def setup():
    return tiny_cnn(), blob_pool()


def render(setup, name, seed=0, **params):
    model, data = setup
    return get_explainer(name).render(model, data, rng=torch.Generator().manual_seed(seed),
                                      rows=2, **params)


def pairs(stimulus):
    """(original cell, overlay cell) of every drawn image."""
    return [(stimulus.cells[r][c], stimulus.cells[r + 1][c])
            for r in range(0, stimulus.rows, 2) for c in range(stimulus.cols)]


def evidence_input(model, data, index):
    x = data.pool().float_images([index]).requires_grad_()
    logit = model.logit(x)
    return x, logit * torch.sign(logit.detach())


def test_shipped_as_entry_points():
    assert {"saliency", "integrated_gradients", "gradcam"} <= set(available())


@pytest.mark.parametrize("name", ["saliency", "integrated_gradients", "gradcam"])
def test_layout_shows_each_original_above_its_overlay(setup, name):
    model, data = setup
    stim = render(setup, name)
    assert (stim.rows, stim.cols) == (4, 5)
    assert stim.row_labels[0] == "image" and stim.row_labels[1] != "image"
    assert stim.col_labels[0] == "very certain Peeky" and stim.col_labels[-1] == "very certain Stretchy"
    logits = data.pool().logits(model)
    for original, overlay in pairs(stim):
        i = original.extra["pool_index"]
        assert overlay.extra["pool_index"] == i and original.logit == pytest.approx(logits[i])
        assert np.array_equal(original.image, data.pool().images[i].permute(1, 2, 0).numpy())
    # a Grad-CAM map can be all zero (ReLU: no positive evidence at that layer): then the
    # overlay is the image itself
    changed = [not np.array_equal(o.image, v.image) for o, v in pairs(stim)]
    assert all(changed) if name != "gradcam" else sum(changed) >= len(changed) // 2
    assert all(v.extra["scale"] > 0 for (o, v), c in zip(pairs(stim), changed, strict=True) if c)
    lo, hi = stim.meta["logit_range"]
    for c in range(5):
        lo_c, hi_c = np.linspace(lo, hi, 6)[c : c + 2]
        assert all(lo_c - 1e-6 <= stim.cells[r][c].logit <= hi_c + 1e-6 for r in range(4))
    scale = stim.meta["colour_scale"]
    assert scale["cmap"] == "inferno" and "predicted class" in scale["title"]
    plain = compose_grid(type(stim)(stim.cells, stim.row_labels, stim.col_labels, {}))
    assert compose_grid(stim).height > plain.height  # the colour scale is drawn below


def test_saliency_is_the_max_abs_input_gradient(setup):
    model, data = setup
    for _, overlay in pairs(render(setup, "saliency")):
        x, evidence = evidence_input(model, data, overlay.extra["pool_index"])
        (grad,) = torch.autograd.grad(evidence.sum(), x)
        assert overlay.extra["attribution_sum"] == pytest.approx(
            float(grad.abs().amax(dim=1).sum()), rel=1e-4)


def test_integrated_gradients_are_complete(setup):
    model, data = setup
    stim = render(setup, "integrated_gradients", n_steps=64)
    for _, overlay in pairs(stim):
        x, evidence = evidence_input(model, data, overlay.extra["pool_index"])
        sign = torch.sign(model.logit(x).detach())
        expected = float(evidence - model.logit(torch.zeros_like(x)) * sign)
        assert overlay.extra["attribution_sum"] == pytest.approx(expected, abs=0.02 + 0.05 * abs(expected))
    assert stim.meta["max_abs_convergence_delta"] < 0.05


def test_gradcam_weights_channels_by_their_mean_gradient(setup):
    model, data = setup
    stim = render(setup, "gradcam", layer="layer2")
    assert stim.meta["layer"] == "layer2" and stim.meta["layer_map_size"] == [8, 8]
    for _, overlay in pairs(stim):
        x, _ = evidence_input(model, data, overlay.extra["pool_index"])
        acts = model.activations(x, layer="layer2")
        sign = torch.sign(model.logit(x).detach())
        head = model.layer3(acts)
        evidence = model.fc(head.mean(dim=(2, 3))).reshape(-1) * sign
        (grad,) = torch.autograd.grad(evidence.sum(), acts)
        cam = F.relu((grad.mean(dim=(2, 3), keepdim=True) * acts).sum(1, keepdim=True))
        up = F.interpolate(cam, size=(32, 32), mode="bilinear")
        assert overlay.extra["attribution_sum"] == pytest.approx(float(up.sum()), rel=1e-4, abs=1e-6)
    assert render(setup, "gradcam").meta["layer"] == "layer3"


def test_parameters_are_checked(setup):
    with pytest.raises(ValueError, match="n_steps must be between"):
        render(setup, "integrated_gradients", n_steps=1)
    with pytest.raises(ValueError, match="must be one of"):
        render(setup, "saliency", cmap="rainbow")


def test_class_names_come_from_the_model(tmp_path):
    model = load_model(tiny_torchscript_bundle(tmp_path / "ts"))
    stim = get_explainer("saliency").render(model, blob_pool(), rng=torch.Generator(), rows=1)
    assert stim.col_labels == ["very certain round", "certain round", "unsure",
                               "certain square", "very certain square"]
    assert get_explainer("baseline").render(model, blob_pool(), rng=torch.Generator(),
                                            rows=1).col_labels == stim.col_labels
    problems = condition_problems("gradcam", {}, model.info)
    assert problems and problems[0][0] == "explainer" and "conv_layers" in problems[0][1]
