"""Feature visualisation (explainers/feature_vis): the Fourier/decorrelated parameterisation,
the objectives, the paper's recipe, and that the optimised images drive a unit of a tiny CNN far
beyond what random or natural images do (max) and below them (min)."""

import itertools

import pytest
import torch
from torch.nn import functional as F

from explainers.feature_vis import (
    PAPER,
    FeatureVisualization,
    FourierImage,
    LayerError,
    Recipe,
    diversity,
    layer_output,
)
from explainers.feature_vis.color import from_rgb, to_rgb
from explainers.feature_vis.fourier import spectrum_scale
from explainers.feature_vis.relu import redirected_relu
from explainers.synthetic import get_sampler, render
from tests.fixtures.tiny_cnn import TinyCNN

# A short run at 24 px: 100 steps at twice the paper's learning rate, and a diversity weight
# matched to this net's activations (~0.1; the paper's 1e2 is for InceptionV1's, ~100 times
# larger, and would drown the channel objective here).
QUICK = Recipe.for_size(24, steps=100, n_images=2, learning_rate=0.1, diversity_weight=0.01)
UNIT = 5


@pytest.fixture(autouse=True)
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def runs():
    """max and min visualisations of unit 5 of conv2, computed once for the module."""
    torch.set_num_threads(1)
    vis = FeatureVisualization(TinyCNN(), "conv2")
    return vis, {d: vis.visualize(UNIT, direction=d, recipe=QUICK, seed=0) for d in ("max", "min")}


def test_fourier_parameterisation_round_trips_images():
    images = torch.rand(3, 3, 20, 27, generator=torch.Generator().manual_seed(1))
    images = images.clamp(0.01, 0.99)
    param = FourierImage.from_images(images)
    assert param.spectrum.shape == (3, 3, 20, 27 // 2 + 1, 2)
    torch.testing.assert_close(param(), images, atol=1e-4, rtol=0)


def test_colour_decorrelation_is_lucids_normalised_matrix_and_inverts():
    rgb = torch.randn(2, 3, 5, 5)
    torch.testing.assert_close(to_rgb(from_rgb(rgb)), rgb, atol=1e-5, rtol=0)
    unit = torch.zeros(1, 3, 1, 1)
    unit[0, 0] = 1.0  # first decorrelated axis -> lucid's first column / max column norm (0.4455)
    expected = torch.tensor([0.26, 0.27, 0.27]) / torch.tensor([0.26, 0.27, 0.27]).norm()
    torch.testing.assert_close(to_rgb(unit).flatten(), expected, atol=1e-4, rtol=0)


def test_fresh_image_is_near_grey_and_low_frequencies_are_scaled_up():
    image = FourierImage(batch=2, height=32, generator=torch.Generator().manual_seed(0))()
    assert image.shape == (2, 3, 32, 32)
    assert (image - 0.5).abs().max() < 0.1  # sd 0.01 spectrum: almost uniform grey
    scale = spectrum_scale(32, 32)
    assert scale[0, 0] == pytest.approx(32 * 32)  # DC: 1 / (1/32) * sqrt(32 * 32)
    assert scale[0, 16] == pytest.approx(32 / 0.5)  # Nyquist: 1 / 0.5 * 32


def test_diversity_is_lucids_pairwise_gram_cosine_similarity():
    acts = torch.randn(4, 5, 3, 3, generator=torch.Generator().manual_seed(2))
    grams = [a.reshape(5, -1) @ a.reshape(5, -1).T for a in acts]
    grams = [g / g.norm() for g in grams]
    expected = sum(
        (grams[i] * grams[j]).sum() for i, j in itertools.permutations(range(4), 2)
    ) / 4
    torch.testing.assert_close(diversity(acts), expected, atol=1e-5, rtol=0)
    same = acts[:1].expand(3, -1, -1, -1)
    assert diversity(same).item() == pytest.approx(2.0, abs=1e-5)  # (n - 1) x cos 1
    assert diversity(acts[:1]).item() == 0.0


def test_paper_recipe_and_its_scaled_version():
    assert (PAPER.size, PAPER.padding, PAPER.steps, PAPER.learning_rate) == (224, 16, 2560, 0.05)
    assert PAPER.jitter == (16, 8) and PAPER.n_images == 9 and PAPER.diversity_weight == 100
    assert PAPER.scales == (1.0, 0.975, 1.025, 0.95, 1.05)
    assert PAPER.angles == tuple(float(a) for a in range(-5, 6))
    small = Recipe.for_size(64)
    assert (small.size, small.padding, small.jitter, small.steps) == (64, 5, (5, 2), 2560)
    with pytest.raises(ValueError, match="steps"):
        Recipe(steps=0)


def test_maximised_images_activate_the_unit_far_more_than_random_or_natural_images(runs):
    vis, result = runs
    natural = render(get_sampler("study").sample(16, generator=torch.Generator().manual_seed(3)),
                     size=24).images
    noise = torch.rand(16, 3, 24, 24, generator=torch.Generator().manual_seed(4))
    others = torch.cat([vis.activations(natural, UNIT), vis.activations(noise, UNIT)])
    sd = others.std()
    maxed, mined = result["max"].activations, result["min"].activations
    assert maxed.shape == (2,) and result["max"].images.shape == (2, 3, 24, 24)
    assert maxed.min() > others.max() + 3 * sd  # far above every natural and random image
    assert mined.max() < others.min() - 2 * sd  # and below every one
    assert result["max"].trace[-5:].mean() > result["max"].trace[:5].mean()
    assert result["max"].images.min() >= 0 and result["max"].images.max() <= 1


def test_same_seed_same_images_other_seed_other_images():
    vis, short = FeatureVisualization(TinyCNN(), "conv2"), Recipe.for_size(24, steps=15, n_images=2)
    first = vis.visualize(UNIT, recipe=short, seed=0)
    again = vis.visualize(UNIT, recipe=short, seed=0)
    torch.testing.assert_close(again.images, first.images, atol=0, rtol=0)
    torch.testing.assert_close(again.trace, first.trace, atol=0, rtol=0)
    other = vis.visualize(UNIT, recipe=short, seed=1)
    assert (other.images - first.images).abs().max() > 0.05


def test_the_model_is_left_as_it_was():
    model = TinyCNN().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    FeatureVisualization(model, "conv2").visualize(0, recipe=Recipe.for_size(16, steps=2, n_images=2))
    assert model.training and all(p.requires_grad for p in model.parameters())
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, before[k], atol=0, rtol=0)


def test_unknown_layer_unit_and_direction_are_errors():
    model = TinyCNN()
    with pytest.raises(LayerError, match="no layer 'conv9'.*conv1, relu1, conv2"):
        FeatureVisualization(model, "conv9")
    vis = FeatureVisualization(model, "conv2")
    with pytest.raises(ValueError, match="units 0..7, got 8"):
        vis.visualize(8, recipe=Recipe.for_size(16, steps=1, n_images=1))
    with pytest.raises(ValueError, match="'max' or 'min', got 'up'"):
        vis.visualize(0, direction="up", recipe=Recipe.for_size(16, steps=1, n_images=1))


def test_layer_output_stops_the_forward_pass_at_the_layer():
    model = TinyCNN()

    def later_layer(*_):
        raise AssertionError("conv3 ran although only conv2 was asked for")

    model.conv3.register_forward_hook(later_layer)
    out = layer_output(model, "conv2", torch.rand(2, 3, 16, 16))
    assert out.shape == (2, 8, 8, 8)


def test_redirected_relu_passes_gradient_to_an_image_whose_relu_is_dead():
    x = torch.tensor([[-1.0, -2.0], [3.0, -1.0]], requires_grad=True)  # image 0 all negative
    with redirected_relu():
        y = torch.nn.ReLU()(x)
        (-(y * torch.tensor([[1.0, -1.0], [1.0, 1.0]]))).sum().backward()
    # image 0: plain ReLU passes nothing, so the redirected gradient is used, except where it
    # would push a negative input lower (loss gradient +1 at [0, 1]); image 1: plain ReLU
    torch.testing.assert_close(x.grad, torch.tensor([[-1.0, 0.0], [-1.0, 0.0]]))
    torch.testing.assert_close(y.detach(), torch.tensor([[0.0, 0.0], [3.0, 0.0]]))
    x.grad = None
    F.relu(x).sum().backward()  # restored after the block: plain ReLU
    torch.testing.assert_close(x.grad, torch.tensor([[0.0, 0.0], [1.0, 0.0]]))
