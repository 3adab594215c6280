"""Colour and background paths rendered with the geometry once per image equal the renderer's,
bit for bit."""

import numpy as np
import pytest
import torch

from explainers.interventions.paths import intervened_scenes, intervention_grid, intervention_paths
from explainers.interventions.shading import render_shading_path
from explainers.synthetic import get_sampler, render


def scenes(n, seed):
    return get_sampler("study").sample(n, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("factor", ["background", "color"])
@pytest.mark.parametrize(
    "size, chunk_size, supersample", [(64, None, 2), (32, 2, 2), (24, 2, 3), (32, None, 1)]
)
def test_shading_path_equals_rendering_every_scene(factor, size, chunk_size, supersample):
    base = scenes(5, 4)
    grid = intervention_grid(factor, 11)
    expected = render(
        intervened_scenes(base, factor, grid), size=size, supersample=supersample
    ).images
    got = render_shading_path(
        base, factor, grid, size=size, chunk_size=chunk_size, supersample=supersample
    )
    assert got.shape == expected.shape == (55, 3, size, size)
    assert torch.equal(got, expected)
    # the factor really moves: the first and last point of a path differ
    assert float((got[0] - got[10]).abs().max()) > 0.1


def test_shading_paths_read_by_a_model_equal_the_direct_reading():
    class MeanRed:
        image_size = 32
        device = torch.device("cpu")

        def logit(self, x):
            return x[:, 0].mean(dim=(1, 2))

    base, model = scenes(3, 5), MeanRed()
    paths = intervention_paths(
        model, base, factors=("background", "color"), points=4, output="logit", batch_size=5
    )
    for f, factor in enumerate(("background", "color")):
        grid = intervention_grid(factor, 4)
        direct = model.logit(render(intervened_scenes(base, factor, grid), size=32).images)
        np.testing.assert_array_equal(paths.outputs[:, f], direct.double().numpy().reshape(3, 4))


def test_shading_path_values_and_factor_are_checked():
    base = scenes(2, 0)
    with pytest.raises(
        ValueError, match=r"background values must be given and lie in \[0.05, 0.95\]"
    ):
        render_shading_path(base, "background", [0.5, 1.5], size=32)
    with pytest.raises(ValueError, match=r"color values must be given and lie in \[0, 1\]"):
        render_shading_path(base, "color", [-0.5], size=32)
    with pytest.raises(ValueError, match="background values must be given"):
        render_shading_path(base, "background", [], size=32)
    with pytest.raises(ValueError, match="size must be a positive integer"):
        render_shading_path(base, "color", [0.5], size=0)
    with pytest.raises(ValueError, match="'yaw' moves the geometry; shading paths are for color"):
        render_shading_path(base, "yaw", [0.5], size=32)
