"""The explorer's scorer: the score is tanh of the shipped model's logit on the rendered scene
(computed here independently), class and confidence agree with it, and repeats hit the LRU."""

import io
import math

import pytest
import torch
from PIL import Image

from explainers.explorer import ExplorerError, Scorer, mix, sampled_scenes
from explainers.models import load_checkpoint
from explainers.synthetic import FACTORS, SceneBatch, render


@pytest.fixture(scope="module")
def model():
    return load_checkpoint()


def test_score_is_tanh_of_the_models_scaled_logit(model):
    scorer = Scorer(model, logit_scale=9.5)
    scene = sampled_scenes(sampler="study", seed=11, count=2)[0]
    probe = scorer.probe(scene)
    batch = SceneBatch(**{f: torch.tensor([scene[f]]) for f in FACTORS}, label=torch.tensor([1]))
    with torch.no_grad():
        logit = float(model.logit(render(batch, size=64).images)[0])
    assert probe.logit == pytest.approx(logit, abs=1e-4)
    assert probe.score == pytest.approx(math.tanh(logit / 9.5), abs=1e-4)
    assert probe.label == ("Stretchy" if logit > 0 else "Peeky")
    assert probe.confidence == pytest.approx(1 / (1 + math.exp(-abs(logit))), abs=1e-4)
    picture = Image.open(io.BytesIO(probe.png))
    assert picture.size == (128, 128) and picture.mode == "RGB"


def test_repeats_come_from_the_cache_and_the_lru_is_bounded(model):
    scorer = Scorer(model, cache_size=2, display_size=64)
    a, b, c = sampled_scenes(sampler="study", seed=12, count=3)
    first = scorer.probe(a)
    again = scorer.probe({**a, "color": a["color"] + 1e-6})  # rounds to the same scene
    assert again.cached and not first.cached and again.score == first.score
    scorer.probe(b)
    scorer.probe(c)  # evicts a (least recently used)
    assert scorer.stats() == {"hits": 1, "misses": 3, "cached": 2, "pinned": 0,
                              "pinned_png_bytes": 0, "compute_ms_total": scorer.stats()["compute_ms_total"]}
    assert not scorer.probe(a).cached


def test_mixing_the_legs_moves_the_score(model):
    """The shipped model leans on the legs (the label rule): a Peeky body on a Stretchy scores
    lower than the Stretchy itself."""
    scenes = sampled_scenes(sampler="unbiased", seed=2, count=12)
    peeky = min(scenes, key=lambda s: s["legs_position"])
    stretchy = max(scenes, key=lambda s: s["legs_position"])
    scorer = Scorer(model, display_size=64)
    assert scorer.probe(mix(stretchy, peeky, "body")).score < scorer.probe(stretchy).score


def test_out_of_range_scenes_are_refused_before_rendering(model):
    scorer = Scorer(model)
    scene = sampled_scenes(sampler="study", seed=13, count=2)[0]
    with pytest.raises(ExplorerError, match="position_x = 0.5 is outside"):
        scorer.probe({**scene, "position_x": 0.5})
    assert scorer.stats()["misses"] == 0


def test_the_shipped_models_scale_is_its_recorded_logit_spread(tmp_path):
    import json

    from explainers.explorer.inference import recorded_logit_scale
    from explainers.models import DEFAULT_CHECKPOINT

    recorded = json.loads((DEFAULT_CHECKPOINT / "metrics.json").read_text())["val"]["logit_std"]
    assert recorded_logit_scale(DEFAULT_CHECKPOINT) == pytest.approx(recorded) and recorded > 5
    assert recorded_logit_scale(tmp_path) == 1.0  # none recorded: the paper's raw tanh
    with pytest.raises(ValueError, match="logit_scale must be a positive number"):
        Scorer(None, logit_scale=0)


def test_a_batch_scores_as_each_scene_alone_and_computes_each_distinct_scene_once(model):
    scenes = sampled_scenes(sampler="study", seed=14, count=5)
    alone = [Scorer(model).probe(scene) for scene in scenes]
    scorer = Scorer(model)
    scorer.probe(scenes[1])  # one of them already cached
    batch = scorer.probe_many([*scenes, scenes[3]])  # and one asked twice
    assert [p.cached for p in batch] == [False, True, False, False, False, True]
    assert scorer.stats()["misses"] == 5 and scorer.stats()["hits"] == 2
    for one, many in zip([*alone, alone[3]], batch, strict=True):
        assert many.logit == pytest.approx(one.logit, abs=1e-3)
        assert many.score == pytest.approx(one.score, abs=1e-4)
        assert many.label == one.label
        # the same picture (PNG bytes may differ only if the pixels do)
        assert Image.open(io.BytesIO(many.png)).tobytes() == \
            Image.open(io.BytesIO(one.png)).tobytes()
    assert all(p.compute_ms > 0 for p in batch if not p.cached)
    with pytest.raises(ExplorerError, match="outside"):  # one bad scene refuses the batch
        scorer.probe_many([scenes[0], {**scenes[0], "position_x": 0.5}])


def test_pinned_scenes_outlive_the_lru(model):
    scorer = Scorer(model, cache_size=1, display_size=64)
    a, b, c = sampled_scenes(sampler="study", seed=15, count=3)
    scorer.probe(a)
    scorer.probe_many([a, b], pin=True)  # a moves from the LRU to the pinned; b is computed
    scorer.probe(c)
    scorer.probe({**c, "color": 0.0 if c["color"] > 0.5 else 1.0})  # c evicted, not a or b
    assert scorer.probe(a).cached and scorer.probe(b).cached
    assert scorer.stats()["pinned"] == 2 and scorer.stats()["cached"] == 1


def test_a_scene_scored_at_one_size_is_only_drawn_at_another(model):
    calls = []

    class Counting:
        image_size, bundle_hash = model.image_size, "counting"

        def logit(self, x):
            calls.append(len(x))
            return model.logit(x)

    scorer = Scorer(Counting(), display_size=128)
    a, b = sampled_scenes(sampler="study", seed=16, count=2)
    small = scorer.probe_many([a, b], size=64)
    large = scorer.probe(a)  # 128 px: drawn, not scored again
    assert calls == [2] and not large.cached
    assert large.logit == small[0].logit
    assert Image.open(io.BytesIO(small[0].png)).size == (64, 64)
    assert Image.open(io.BytesIO(large.png)).size == (128, 128)
    # the 64 px picture is the one the model scored
    batch = SceneBatch(**{f: torch.tensor([a[f]]) for f in FACTORS}, label=torch.tensor([0]))
    drawn = (render(batch, size=64).images[0].clamp(0, 1) * 255 + 0.5).to(torch.uint8)
    assert Image.open(io.BytesIO(small[0].png)).tobytes() == \
        drawn.permute(1, 2, 0).contiguous().numpy().tobytes()
    with pytest.raises(ValueError, match="size must be an integer number of pixels"):
        scorer.probe(a, size=4)


def test_a_torch_model_in_eval_mode_is_scored_through_its_frozen_graph(model):
    from explainers.explorer.inference import scoring_function
    from explainers.explorer.scenes import batch_of

    frozen = scoring_function(model)
    assert frozen != model.logit  # the traced graph, not the eager method
    images = render(batch_of(sampled_scenes(sampler="study", seed=3, count=5)), size=64).images
    with torch.no_grad():
        assert torch.allclose(frozen(images), model.logit(images), atol=5e-5, rtol=0)

    class Plain:  # not a torch module: its own logit is called
        def logit(self, x):
            return x.mean((1, 2, 3))

    plain = Plain()
    assert scoring_function(plain) == plain.logit
    training = load_checkpoint().train()  # gradients wanted: never traced
    assert scoring_function(training) == training.logit
    assert scoring_function(model, forward="eager") == model.logit
    with pytest.raises(ValueError, match="forward must be eager or frozen"):
        scoring_function(model, forward="fast")


def test_a_pinned_scenes_logit_outlives_the_lru_of_logits():
    calls = []

    class Counting:
        image_size, bundle_hash = 64, "counting"

        def logit(self, x):
            calls.append(len(x))
            return torch.zeros(len(x))

    scorer = Scorer(Counting(), cache_size=1, display_size=128)
    a, *others = sampled_scenes(sampler="study", seed=17, count=7)
    scorer.probe_many([a], pin=True, size=64)
    for scene in others:  # 6 more logits: past the 4 x cache_size kept beside the LRU
        scorer.probe(scene, size=64)
    assert calls == [1] * 7
    assert not scorer.probe(a).cached and calls == [1] * 7  # 128 px: drawn, not scored again
