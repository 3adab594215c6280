"""Renderer: determinism, shapes, and which pixels each factor may touch (CPU, small images)."""

import pytest
import torch

from explainers.synthetic import FACTORS, get_sampler, intervene, render


def _batch(n=6, seed=0):
    return get_sampler("unbiased").sample(n, generator=torch.Generator().manual_seed(seed))


def test_render_shapes_ranges_and_plausible_masks():
    out = render(_batch(), size=32)
    assert out.images.shape == (6, 3, 32, 32) and out.images.dtype == torch.float32
    assert out.mask.shape == (6, 1, 32, 32) and out.mask.dtype == torch.bool
    assert 0 <= float(out.images.min()) and float(out.images.max()) <= 1
    frac = out.mask.float().mean((1, 2, 3))
    assert bool((frac > 0.03).all()) and bool((frac < 0.5).all())  # an animal, not everything
    corner = out.mask[:, :, 0, 0]
    assert not bool(corner.any())  # corners are background


def test_same_seed_same_pixels_other_seed_differs():
    a = render(_batch(seed=3), size=32).images
    b = render(_batch(seed=3), size=32).images
    c = render(_batch(seed=4), size=32).images
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_background_changes_no_object_pixel():
    batch = _batch()
    a = render(batch, size=48)
    b = render(intervene(batch, "background", value=0.05), size=48)
    assert torch.equal(a.mask, b.mask) and torch.equal(a.coverage, b.coverage)
    solid = (a.coverage == 1).expand_as(a.images)
    assert bool(solid.any())
    assert torch.equal(a.images[solid], b.images[solid])
    assert not torch.equal(a.images[~solid], b.images[~solid])


def test_color_changes_no_pixel_outside_the_animal():
    batch = _batch()
    a = render(batch, size=48)
    b = render(intervene(batch, "color", value=0.0), size=48)
    assert torch.equal(a.coverage, b.coverage) and torch.equal(a.shadow, b.shadow)
    untouched = (a.coverage == 0).expand_as(a.images)
    assert torch.equal(a.images[untouched], b.images[untouched])
    assert not torch.equal(a.images[~untouched], b.images[~untouched])


def test_shape_changes_only_animal_and_its_shadow():
    batch = _batch()
    a = render(intervene(batch, "shape", value=0.0), size=48)
    b = render(intervene(batch, "shape", value=1.0), size=48)
    assert not torch.equal(a.mask, b.mask)  # cubes and spheres have different silhouettes
    free = (a.coverage == 0) & (b.coverage == 0) & (a.shadow == 0) & (b.shadow == 0)
    assert float(free.float().mean()) > 0.3
    free = free.expand_as(a.images)
    assert torch.equal(a.images[free], b.images[free])
    assert not torch.equal(a.images[~free], b.images[~free])


@pytest.mark.parametrize("factor", [f for f in FACTORS if f not in ("color", "background")])
def test_every_geometric_factor_moves_the_silhouette(factor):
    batch = _batch(2)
    lo = render(intervene(batch, factor, value=_lo(factor)), size=48).mask
    hi = render(intervene(batch, factor, value=_hi(factor)), size=48).mask
    assert (lo != hi).float().mean() > 0.005


def _lo(factor):
    from explainers.synthetic import FACTOR_RANGES

    return FACTOR_RANGES[factor][0] if factor != "yaw" else 0.0


def _hi(factor):
    from explainers.synthetic import FACTOR_RANGES

    return FACTOR_RANGES[factor][1] if factor != "yaw" else 1.2
