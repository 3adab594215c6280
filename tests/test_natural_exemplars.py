"""Natural exemplars (explainers/feature_vis/exemplars.py): one batched pass over an image
source, cached as .npz keyed by model and source, and the most / least activating images."""

import numpy as np
import pytest
import torch
from PIL import Image

from explainers.feature_vis import (
    ActivationIndex,
    ImageFolder,
    SourceError,
    Two4TwoScenes,
    model_fingerprint,
    natural_batches,
    natural_exemplars,
)
from tests.fixtures.tiny_cnn import RedDetector, TinyCNN


@pytest.fixture
def folder(tmp_path):
    """20 flat-coloured 8x8 PNGs with known red and green levels."""
    rng = np.random.default_rng(0)
    path = tmp_path / "images"
    path.mkdir()
    colours = rng.integers(0, 256, size=(20, 3), dtype=np.uint8)
    for i, colour in enumerate(colours):
        Image.fromarray(np.tile(colour, (8, 8, 1))).save(path / f"img{i:02d}.png")
    (path / "notes.txt").write_text("not an image")
    return path, colours


class CountingForward:
    def __init__(self, model):
        self.model, self.calls = model, 0

    def __call__(self, x):
        self.calls += 1
        return self.model(x)


def test_exemplars_are_the_images_with_the_most_and_least_red(folder, tmp_path):
    path, colours = folder
    index = ActivationIndex.build(RedDetector(), ImageFolder(path, size=8), ["conv"],
                                  cache_dir=tmp_path / "cache", batch_size=6)
    assert index.ids == [f"img{i:02d}.png" for i in range(20)]
    assert index.layers["conv"].shape == (20, 2)
    red = colours[:, 0] / 255.0
    np.testing.assert_allclose(index.values("conv", 0), red, atol=1e-6)
    ex = natural_exemplars(index, "conv", 0, k=3)
    assert ex.max_indices == list(np.argsort(-red, kind="stable")[:3])
    assert ex.min_indices == list(np.argsort(red, kind="stable")[:3])
    assert ex.max_values == sorted(ex.max_values, reverse=True)
    assert ex.min_values[0] == pytest.approx(red.min(), abs=1e-6)
    green = natural_exemplars(index, "conv", 1, k=2)  # unit 1 is minus green
    assert green.max_indices == list(np.argsort(colours[:, 1], kind="stable")[:2])


def test_the_index_is_cached_and_extended_by_one_pass_for_new_layers(tmp_path):
    source = Two4TwoScenes(n=10, seed=5, size=16)
    model = TinyCNN()
    counting = CountingForward(model)
    first = ActivationIndex.build(model, source, ["conv2"], cache_dir=tmp_path, batch_size=4,
                                  forward=counting)
    assert counting.calls == 3 and first.path.exists()  # ceil(10 / 4) batches
    again = ActivationIndex.build(model, source, ["conv2"], cache_dir=tmp_path, forward=counting)
    assert counting.calls == 3  # from the file
    np.testing.assert_array_equal(again.layers["conv2"], first.layers["conv2"])
    both = ActivationIndex.build(model, source, ["conv2", "conv1", "conv3"], cache_dir=tmp_path,
                                 batch_size=10, forward=counting)
    assert counting.calls == 4  # conv1 and conv3 together in one more pass
    assert both.layers["conv3"].shape == (10, 4) and both.path == first.path
    direct = model.conv1(source.images(range(10)) * 2 - 1).mean(dim=(2, 3))
    np.testing.assert_allclose(both.layers["conv1"], direct.detach().numpy(), atol=1e-5)
    with np.load(first.path) as data:
        assert {"layer:conv1", "layer:conv2", "layer:conv3"} <= set(data.files)


def test_other_weights_or_other_scenes_give_another_cache_file(tmp_path):
    source = Two4TwoScenes(n=4, seed=5, size=16)
    a = ActivationIndex.build(TinyCNN(seed=0), source, ["conv2"], cache_dir=tmp_path)
    b = ActivationIndex.build(TinyCNN(seed=1), source, ["conv2"], cache_dir=tmp_path)
    c = ActivationIndex.build(TinyCNN(seed=0), Two4TwoScenes(n=4, seed=6, size=16), ["conv2"],
                              cache_dir=tmp_path)
    assert len({a.path, b.path, c.path}) == 3
    assert model_fingerprint(TinyCNN(seed=0)) == model_fingerprint(TinyCNN(seed=0))
    torch.testing.assert_close(source.images([1, 2]), source.images([1, 2]), atol=0, rtol=0)


def test_bad_sources_layers_units_and_k_are_errors(tmp_path, folder):
    with pytest.raises(SourceError, match="does not exist"):
        ImageFolder(tmp_path / "nowhere").files  # noqa: B018
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="holds no"):
        ImageFolder(tmp_path / "empty").files  # noqa: B018
    with pytest.raises(SourceError, match="positive integer"):
        Two4TwoScenes(n=0, seed=1)
    index = ActivationIndex.build(RedDetector(), ImageFolder(folder[0], size=8), ["conv"])
    assert index.path is None
    with pytest.raises(KeyError, match="no layer 'conv2'"):
        natural_exemplars(index, "conv2", 0)
    with pytest.raises(ValueError, match="units 0..1, got 2"):
        natural_exemplars(index, "conv", 2)
    with pytest.raises(ValueError, match="k must be 1..10"):
        natural_exemplars(index, "conv", 0, k=11)


def test_natural_batches_follow_the_papers_bins():
    values = np.random.default_rng(1).normal(size=300)
    batches = natural_batches(values, direction="max", n_references=9, n_batches=20, seed=3)
    ranked = list(np.argsort(-values))
    assert len(batches) == 20
    used = [b.query for b in batches] + [i for b in batches for i in b.references]
    assert sorted(used) == sorted(ranked[:200])  # the 200 most activating, each once
    for b in batches:
        assert ranked.index(b.query) < 20  # queries from the most extreme bin
        assert [ranked.index(i) // 20 for i in b.references] == list(range(1, 10))
    assert natural_batches(values, direction="max", seed=3) == batches
    assert natural_batches(values, direction="max", seed=4) != batches
    low = natural_batches(values, direction="min", n_references=1, n_batches=20)
    assert {b.query for b in low} == set(np.argsort(values)[:20].tolist())
    with pytest.raises(ValueError, match="need 2200 images; the source has 300"):
        natural_batches(values, direction="max", n_references=10, n_batches=200)
