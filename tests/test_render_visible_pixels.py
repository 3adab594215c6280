"""The renderer lights and pools only the visible block pixels (``tiles.nearest_hits``,
``antialias``): its images equal, bit for bit, those of the dense path it replaced
(``tests/reference_render.py``), at several sizes, supersamplings and chunk boundaries."""

import pytest
import torch
import torch.nn.functional as F

from explainers.interventions.paths import intervened_scenes, intervention_grid
from explainers.synthetic import FACTORS, SceneBatch, get_sampler, render
from explainers.synthetic.antialias import footprint, pooled
from explainers.synthetic.render import default_chunk_size
from tests.reference_render import reference_render


def _scenes(n, seed, sampler="study"):
    return get_sampler(sampler).sample(n, generator=torch.Generator().manual_seed(seed))


def _paths(n, seed, points):
    """Every factor's gradual intervention of ``n`` scenes: extreme poses, shapes and places."""
    base = _scenes(n, seed)
    return SceneBatch.cat(
        [intervened_scenes(base, f, intervention_grid(f, points)) for f in FACTORS]
    )


@pytest.mark.parametrize(
    "size, supersample, chunk_size, scenes",
    [
        (64, 2, None, lambda: _paths(2, 3, 5)),  # the property gradients' size
        (64, 1, 7, lambda: _paths(1, 4, 4)),
        (32, 2, 13, lambda: _scenes(40, 5, "unbiased")),
        (32, 1, 1, lambda: _scenes(6, 6, "unbiased")),
        (128, 2, 5, lambda: _paths(1, 7, 2)),
        (128, 1, None, lambda: _scenes(9, 8)),
        (24, 3, 4, lambda: _scenes(10, 9, "unbiased")),
    ],
)
def test_renderer_equals_the_dense_reference(size, supersample, chunk_size, scenes):
    batch = scenes()
    got = render(batch, size=size, supersample=supersample, chunk_size=chunk_size)
    chunk = chunk_size or default_chunk_size(size, supersample, "cpu")
    images, coverage, shadow = reference_render(batch, size, supersample, chunk)
    assert torch.equal(got.images, images)
    assert torch.equal(got.coverage, coverage) and torch.equal(got.shadow, shadow)
    assert torch.equal(got.mask, coverage >= 0.5)
    partial = (coverage > 0) & (coverage < 1)
    assert bool(partial.any()) == (supersample > 1)  # edges anti-aliased or not, as before


def test_a_changed_pixel_is_caught():
    batch = _scenes(3, 1)
    images, _, _ = reference_render(batch, 32, 2, 3)
    moved = render(batch.replace(yaw=batch.yaw + 1e-3), size=32).images
    assert not torch.equal(moved, images)


@pytest.mark.parametrize("supersample", [1, 2, 3])
def test_pooled_equals_avg_pool_of_the_supersampled_image(supersample):
    n, size, channels = 3, 8, 2
    res = size * supersample
    g = torch.Generator().manual_seed(supersample)
    pixel = torch.randperm(n * res * res, generator=g)[: n * res * res // 3]
    pixel = torch.cat([pixel, pixel[:5]])  # listed twice: the last value stays, as a scatter's
    values = torch.rand(channels, len(pixel), generator=g)
    image = torch.zeros(channels, n * res * res)
    for c in range(channels):
        image[c].scatter_(0, pixel, values[c])
    image = image.view(channels, n, res, res).transpose(0, 1).contiguous()
    expected = F.avg_pool2d(image, supersample) if supersample > 1 else image
    scene, within = pixel // (res * res), pixel % (res * res)
    where = footprint(scene, within // res, within % res, n, size, supersample)
    assert torch.equal(pooled(where, values), expected)
