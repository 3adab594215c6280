"""The frozen TorchScript forward pass (explainers.models.frozen) against the models themselves."""

import numpy as np
import pytest
import torch

from explainers.interventions import permutation_test
from explainers.interventions.paths import intervention_paths
from explainers.models.frozen import frozen_logit
from explainers.models.model_registry import load_model
from explainers.synthetic import get_sampler, render
from tests.fixtures.tiny_explainer_setup import tiny_model


def scenes(n, seed):
    return get_sampler("study").sample(n, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("checkpoint, atol", [
    # the INN has no batch norm to fold, but the optimised graph may sum in another order:
    # bit-identical with 2 torch threads, 7.6e-6 (4 ulp of a logit of ~19) with 1 thread
    ("checkpoints/study", 5e-5),
    # the CNN's batch norms are folded into its convolutions: float32 rounding (2.6e-6 measured)
    ("checkpoints/cnn", 1e-5),
])
def test_frozen_logits_equal_the_models_on_rendered_images(checkpoint, atol):
    model = load_model(checkpoint).eval()
    logit = frozen_logit(model)  # traced on 4 images; read here on 7 and on 1
    images = render(scenes(7, 1), size=model.image_size).images
    with torch.inference_mode():
        expected = model.logit(images)
        got = logit(images)
        single = logit(images[:1])
    assert got.shape == expected.shape == (7,)
    assert float((got - expected).abs().max()) <= atol
    np.testing.assert_allclose(single.numpy(), expected[:1].numpy(), rtol=0, atol=max(atol, 1e-6))
    # other images give other logits: the graph reads its input (no constant folded in)
    other = torch.flip(images, dims=(3,))
    with torch.inference_mode():
        assert not torch.allclose(logit(other), got)


def test_frozen_paths_leave_the_cnns_scores_and_p_unchanged():
    model = load_model("checkpoints/cnn").eval()
    b = scenes(3, 3)
    kw = dict(factors=("color", "legs_position", "yaw"), points=5, batch_size=8)
    eager = intervention_paths(model, b, forward="eager", **kw)
    frozen = intervention_paths(model, b, forward="frozen", **kw)
    np.testing.assert_allclose(frozen.outputs, eager.outputs, rtol=0, atol=2e-6)
    new, old = (permutation_test(p.outputs, permutations=500) for p in (frozen, eager))
    np.testing.assert_allclose(new.local_score, old.local_score, rtol=0, atol=2e-6)
    np.testing.assert_array_equal(new.local_p, old.local_p)
    np.testing.assert_array_equal(new.global_p, old.global_p)


def test_frozen_logit_refuses_what_it_cannot_freeze():
    model = tiny_model()

    class NotAModule:
        image_size = 32

        def logit(self, x):
            return x.mean(dim=(1, 2, 3))

    with pytest.raises(TypeError, match="nn.Module"):
        frozen_logit(NotAModule())
    with pytest.raises(ValueError, match="eval mode"):
        frozen_logit(model.train())
    with pytest.raises(TypeError, match="channels_last must be True or False"):
        frozen_logit(model.eval(), channels_last="yes")
    logit = frozen_logit(model.eval())
    size = model.image_size
    with pytest.raises(ValueError, match=rf"expected images \[N, 3, {size}, {size}\]"):
        logit(torch.rand(2, 3, size + 2, size + 2))
    with pytest.raises(ValueError, match="forward must be eager or frozen, got 'jit'"):
        intervention_paths(model, scenes(1, 0), factors=("color",), points=2, forward="jit")


def test_channels_last_variant_gives_the_same_logits():
    model = load_model("checkpoints/cnn").eval()
    images = render(scenes(4, 2), size=model.image_size).images
    with torch.inference_mode():
        expected = model.logit(images)
        got = frozen_logit(model, channels_last=True)(images)
    assert float((got - expected).abs().max()) <= 1e-5
