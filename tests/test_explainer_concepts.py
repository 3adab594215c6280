"""Concept contract: the shown components are the ones most correlated with the logit.

The correlations are recomputed here independently: activations straight from the model, the
recorded linear projection, spatial means, scipy's Pearson r, and our own ranking.
"""

import numpy as np
import pytest
import torch
from scipy import stats

from explainers.plugins import ParamError, get_explainer
from explainers.plugins.concepts import ConceptError, factorize
from explainers.plugins.grid import concept_patch, smooth_upsample
from tests.fixtures.tiny_explainer_setup import blob_pool, tiny_model

OUTLINE = (255, 214, 0)  # grid.concept_patch's default


@pytest.fixture(scope="module")
def setup():
    model, data = tiny_model(), blob_pool()
    stim = get_explainer("concepts").render(model, data, rng=torch.Generator().manual_seed(0),
                                            images=200)
    return model, data, stim


def independent_scores(model, data, meta, indices="pool_indices"):
    index = np.array(meta[indices])
    x = data.pool().images[index].float() / 255
    with torch.no_grad():
        acts = model.activations(x).permute(0, 2, 3, 1).double().numpy()  # [n, h, w, C]
        logits = model.logit(x).double().numpy()
    maps = (acts - np.array(meta["mean"])) @ np.array(meta["projection"]).T  # [n, h, w, k]
    return maps, maps.mean(axis=(1, 2)), logits


def test_selected_components_are_the_most_correlated(setup):
    model, data, stim = setup
    maps, scores, logits = independent_scores(model, data, stim.meta, "fit_indices")
    assert scores.shape == (200, 10)
    r = np.array([stats.pearsonr(scores[:, k], logits).statistic for k in range(10)])
    np.testing.assert_allclose(stim.meta["all_r"], r, atol=1e-6)
    top5 = sorted(range(10), key=lambda k: -abs(r[k]))[:5]
    assert stim.meta["selected"] == top5
    shown = [stim.cells[2 * i][0].extra["component"] for i in range(5)]
    assert shown == top5
    assert all(abs(r[k]) >= max(abs(r[j]) for j in range(10) if j not in top5) for k in shown)


def test_two_rows_per_concept_with_top_exemplars_per_direction(setup):
    model, data, stim = setup
    _, scores, _ = independent_scores(model, data, stim.meta)
    index = np.array(stim.meta["pool_indices"])
    assert (stim.rows, stim.cols) == (10, 5)
    for row_no, row in enumerate(stim.cells):
        k = stim.meta["selected"][row_no // 2]
        direction = 1 if row_no % 2 == 0 else -1
        assert stim.row_labels[row_no].startswith(f"concept {row_no // 2 + 1}")
        best = index[np.argsort(-direction * scores[:, k])[:5]]
        assert [cell.extra["pool_index"] for cell in row] == best.tolist()
        for cell in row:
            assert cell.extra["component"] == k and cell.extra["direction"] == direction
            assert cell.extra["r"] == pytest.approx(stim.meta["all_r"][k])
            assert len(cell.extra["all_r"]) == 10


def test_variants_show_the_same_concepts_with_other_exemplars(setup):
    model, data, stim = setup
    other = get_explainer("concepts").render(model, data, rng=torch.Generator().manual_seed(1),
                                             images=200)
    assert other.meta["fit_indices"] == stim.meta["fit_indices"]
    assert other.meta["selected"] == stim.meta["selected"]
    assert other.meta["all_r"] == pytest.approx(stim.meta["all_r"])
    assert other.meta["pool_indices"] != stim.meta["pool_indices"]
    shown = {cell.extra["pool_index"] for _, _, cell in stim}
    assert shown != {cell.extra["pool_index"] for _, _, cell in other}
    # another fit_seed fits other concepts (a different draw and ICA start)
    refit = get_explainer("concepts").render(model, data, rng=torch.Generator().manual_seed(0),
                                             images=200, fit_seed=7)
    assert refit.meta["fit_indices"] != stim.meta["fit_indices"]


def test_concept_cells_are_patches_of_the_shown_image(setup):
    _, data, stim = setup
    cell = stim.cells[0][0]
    original = data.pool().images[cell.extra["pool_index"]].permute(1, 2, 0).numpy()
    outline = (cell.image == np.array(OUTLINE, np.uint8)).all(axis=2)
    kept = (cell.image == original).all(axis=2)
    assert outline.any() and kept.any()  # a patch as shown, with its edge marked
    assert cell.image[~outline & ~kept].mean() < original[~outline & ~kept].mean()


def test_concept_patch_is_smooth_kept_inside_and_outlined():
    image = np.full((64, 64, 3), 200, np.uint8)
    image[..., 0] = 40  # not grey: outside is greyed as well as dimmed
    region = np.zeros((8, 8))
    region[2, 2], region[2, 3] = 1.0, 0.8
    smooth = smooth_upsample(region, (64, 64))
    steps = max(np.abs(np.diff(smooth, axis=0)).max(), np.abs(np.diff(smooth, axis=1)).max())
    assert steps < 0.15 * smooth.max()  # no 8x8 blocks (a nearest upsampling jumps by 1.0)
    out = concept_patch(image, region, dim=0.35)
    assert (out[20, 22] == image[20, 22]).all()  # the peak keeps its colours
    far = out[60, 60].astype(float)
    assert far.max() < 0.35 * 200 + 1 and abs(far[0] - far[1]) < abs(40 - 200) * 0.35
    edge = (out == np.array(OUTLINE, np.uint8)).all(axis=2)
    rows, cols = np.nonzero(edge)
    assert 8 < rows.min() < 20 < rows.max() < 34 and 8 < cols.min() < 24 < cols.max() < 42
    # the outline surrounds the peak: every row through it crosses the edge on both sides
    assert edge[20, :22].any() and edge[20, 23:].any()


@pytest.mark.parametrize("method", ["pca", "nmf"])
def test_other_factorizations(method):
    model, data = tiny_model(), blob_pool(n=120)
    stim = get_explainer("concepts").render(model, data, rng=torch.Generator().manual_seed(0),
                                            images=100, method=method, components=6, keep=3)
    assert (stim.rows, stim.cols) == (6, 5)
    r = np.abs(stim.meta["all_r"])
    assert sorted(r, reverse=True)[:3] == pytest.approx(r[stim.meta["selected"]])


def test_bad_params():
    with pytest.raises(ParamError, match="keep <= components"):
        get_explainer("concepts").params(keep=11)
    with pytest.raises(ParamError, match="must be one of"):
        get_explainer("concepts").params(method="svd")


def test_an_unconverged_factorization_fails_clearly():
    # Gaussian samples have no independent components to find: FastICA cannot converge, and an
    # unconverged fit would depend on the device's rounding, so the explainer refuses it.
    gaussian = np.random.default_rng(0).standard_normal((3000, 16))
    with pytest.raises(ConceptError, match="ica with 8 components did not converge"):
        factorize(gaussian, "ica", 8, 0)


def test_a_converged_factorization_is_stable_under_rounding_noise():
    # Independent Laplace sources, mixed: FastICA converges, and a perturbation of the size of
    # GPU-vs-CPU rounding (1e-6 relative) gives the same components.
    sources = np.random.default_rng(0).laplace(size=(3000, 16))
    x = sources @ np.random.default_rng(1).standard_normal((16, 16))
    noisy = x * (1 + 1e-6 * np.random.default_rng(2).standard_normal(x.shape))
    a, b = factorize(x, "ica", 8, 0), factorize(noisy, "ica", 8, 0)
    assert np.abs(a.projection - b.projection).max() < 1e-4 * np.abs(a.projection).max()


def test_the_factorization_is_fitted_once_per_pool_and_shared_by_the_variants(monkeypatch):
    """Every variant shows the same concepts, so the pool keeps the fit (Pool.derived): a second
    variant (and a second rendering of the first) does not factorise again, and each stimulus is
    exactly the one a fresh pool, which fits anew, gives."""
    from explainers.plugins import concepts

    calls = []
    real = concepts.factorize
    monkeypatch.setattr(concepts, "factorize", lambda *a: calls.append(a[1:]) or real(*a))
    model, data = tiny_model(), blob_pool()
    explainer = get_explainer("concepts")
    shared = [explainer.render(model, data, rng=torch.Generator().manual_seed(s), images=200)
              for s in (0, 1, 0)]
    assert len(calls) == 1
    explainer.render(model, data, rng=torch.Generator().manual_seed(0), images=200, fit_seed=7)
    assert len(calls) == 2  # another fit is another key
    for seed, stim in zip((0, 1, 0), shared, strict=True):
        fresh = explainer.render(model, blob_pool(), rng=torch.Generator().manual_seed(seed),
                                 images=200)
        assert stim.meta == fresh.meta and stim.row_labels == fresh.row_labels
        for a, b in zip(stim.cells, fresh.cells, strict=True):
            for x, y in zip(a, b, strict=True):
                assert np.array_equal(x.image, y.image) and x.extra == y.extra
    assert len(calls) == 5


def test_pool_activations_on_the_cpu_are_computed_in_threaded_batches(monkeypatch):
    """On the CPU the pool's activations come in batches of 32 from Python threads with
    single-threaded kernels (explainers.models.cpu_threads.map_on_cpu): the same activations,
    to the convolutions' float rounding, as one pass over all images."""
    from explainers.models import cpu_threads

    parts = []
    real = cpu_threads.map_on_cpu
    monkeypatch.setattr(cpu_threads, "map_on_cpu",
                        lambda fn, items, workers=None: parts.append([len(i) for i in items])
                        or real(fn, items, workers=workers))
    model, data = tiny_model(), blob_pool(n=100)
    pool = data.pool()
    threaded = pool.activations(model)
    assert parts == [[32, 32, 32, 4]]
    with torch.no_grad():
        direct = model.activations(pool.float_images(list(range(100)))).permute(0, 2, 3, 1)
    torch.testing.assert_close(torch.from_numpy(threaded), direct.float(), rtol=1e-5, atol=1e-6)
