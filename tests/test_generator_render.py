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


def _brute_force_mask(batch, res):
    """Every pixel against every block, textbook slab + quadratic in float64 numpy."""
    import numpy as np

    from explainers.synthetic.camera import PLANE_Z, RAY_ORIGIN_Z, pixel_centers
    from explainers.synthetic.tiles import Scene

    scene = Scene.from_batch(batch)
    xs = pixel_centers(res, "cpu").double().numpy()
    gx, gy = np.meshgrid(xs, -xs)  # [res,res]
    origin = np.stack([gx, gy, np.full_like(gx, RAY_ORIGIN_Z)], -1)
    direction = np.array([0.0, 0.0, -1.0])
    masks = []
    for i in range(len(batch)):
        best = np.full(gx.shape, RAY_ORIGIN_Z - PLANE_Z)
        for b in range(8):
            rot = scene.rotations[i, b].double().numpy()
            c = scene.centers[i, b].double().numpy()
            h, r = float(scene.half[i, b]), float(scene.radius[i, b])
            o = (origin - c) @ rot  # block frame
            d = direction @ rot
            with np.errstate(divide="ignore", invalid="ignore"):
                t1, t2 = (-h - o) / d, (h - o) / d
            t1 = np.nan_to_num(t1, nan=-np.inf)
            t2 = np.nan_to_num(t2, nan=np.inf)
            enter = np.minimum(t1, t2).max(-1)
            leave = np.maximum(t1, t2).min(-1)
            oc = origin - c
            bq = oc @ direction
            disc = bq**2 - ((oc**2).sum(-1) - r * r)
            root = np.sqrt(np.clip(disc, 0, None))
            enter = np.maximum(enter, -bq - root)
            leave = np.minimum(leave, -bq + root)
            hit = (disc > 0) & (enter < leave) & (enter < best)
            best = np.where(hit, enter, best)
        masks.append(best < RAY_ORIGIN_Z - PLANE_Z)
    return torch.as_tensor(np.stack(masks))[:, None]


def test_tiled_renderer_matches_brute_force_ray_casting():
    batch = _batch(4, seed=11)
    batch = batch.replace(shape=torch.tensor([0.0, 0.3, 0.7, 1.0]))
    fast = render(batch, size=64, supersample=1).mask
    slow = _brute_force_mask(batch, 64)
    assert int(slow.sum()) > 400
    assert (fast != slow).float().mean() < 0.002  # only float rounding on silhouette pixels


def test_chunking_and_supersampling_are_consistent():
    batch = _batch(5, seed=2)
    whole = render(batch, size=32)
    chunked = render(batch, size=32, chunk_size=2)
    assert torch.equal(whole.images, chunked.images) and torch.equal(whole.mask, chunked.mask)
    single = render(batch[3], size=32)
    assert torch.allclose(single.images, whole.images[3:4], atol=1e-6)
    coarse = render(batch, size=32, supersample=1).coverage
    assert set(coarse.unique().tolist()) <= {0.0, 1.0}
    partial = (whole.coverage > 0) & (whole.coverage < 1)
    assert bool(partial.any())  # anti-aliased edges


def test_shadow_falls_away_from_the_light():
    batch = _batch(8, seed=1)
    out = render(batch, size=64)
    rows = torch.arange(64.0)[None, None, :, None]
    cols = torch.arange(64.0)[None, None, None, :]

    def centroid(weight):
        total = weight.sum((1, 2, 3))
        return (weight * rows).sum((1, 2, 3)) / total, (weight * cols).sum((1, 2, 3)) / total

    shadow = out.shadow * (1 - out.coverage)
    mr, mc = centroid(out.coverage)
    sr, sc = centroid(shadow)
    assert bool((sr > mr).all()) and bool((sc > mc).all())  # light from the upper left


def test_bad_render_arguments():
    batch = _batch(2)
    with pytest.raises(ValueError, match="size"):
        render(batch, size=0)
    with pytest.raises(ValueError, match="supersample"):
        render(batch, size=8, supersample=0)
    with pytest.raises(ValueError, match="yaw"):
        render(batch.replace(yaw=torch.tensor([9.0, 0.0])), size=8)


def test_cpu_rendering_restores_the_thread_count():
    before = torch.get_num_threads()
    render(_batch(4), size=16, chunk_size=1)
    assert torch.get_num_threads() == before
