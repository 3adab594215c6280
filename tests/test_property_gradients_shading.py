"""Background paths rendered with the animal once per image equal the renderer's, bit for bit."""

import numpy as np
import pytest
import torch

from explainers.interventions.paths import intervened_scenes, intervention_grid, intervention_paths
from explainers.interventions.shading import render_background_path
from explainers.synthetic import get_sampler, render


def scenes(n, seed):
    return get_sampler("study").sample(n, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("size, chunk_size", [(64, None), (32, 2)])
def test_background_path_equals_rendering_every_scene(size, chunk_size):
    base = scenes(5, 4)
    grid = intervention_grid("background", 11)
    expected = render(intervened_scenes(base, "background", grid), size=size).images
    got = render_background_path(base, grid, size=size, chunk_size=chunk_size)
    assert got.shape == expected.shape == (55, 3, size, size)
    assert torch.equal(got, expected)
    # the background really moves: the first and last point of a path differ, the animal not
    assert float((got[0] - got[10]).abs().max()) > 0.1


def test_background_paths_read_by_a_model_equal_the_direct_reading():
    class MeanRed:
        image_size = 32
        device = torch.device("cpu")

        def logit(self, x):
            return x[:, 0].mean(dim=(1, 2))

    base, model = scenes(3, 5), MeanRed()
    paths = intervention_paths(model, base, factors=("background", "color"), points=4,
                               output="logit", batch_size=5)
    grid = intervention_grid("background", 4)
    direct = model.logit(render(intervened_scenes(base, "background", grid), size=32).images)
    np.testing.assert_array_equal(paths.outputs[:, 0], direct.double().numpy().reshape(3, 4))


def test_background_values_are_checked():
    base = scenes(2, 0)
    with pytest.raises(ValueError, match=r"must be given and lie in \[0.05, 0.95\]"):
        render_background_path(base, [0.5, 1.5], size=32)
    with pytest.raises(ValueError, match="background values must be given"):
        render_background_path(base, [], size=32)
    with pytest.raises(ValueError, match="size must be a positive integer"):
        render_background_path(base, [0.5], size=0)
