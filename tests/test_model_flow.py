"""Invertible classifier: exact inverse, counterfactual arithmetic, config validation."""

import dataclasses
import math

import pytest
import torch

from explainers.models import ConfigError, ModelConfig, build_model, counterfactual
from explainers.models.classifier import _gauss_logp
from explainers.models.config import config_from_dict
from explainers.models.flow import (
    ActNorm,
    AffineCoupling,
    InvConv1x1,
    SplitPrior,
    squeeze,
    unsqueeze,
)

TINY = ModelConfig(image_size=32, steps=(2, 2, 2), hidden=(8, 8, 8), classifier_level=1)
TINY_PRIOR = dataclasses.replace(TINY, split_prior=True)


def _trained_like(model):
    """Perturb every parameter so the flow is far from the identity it starts as."""
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=gen))
    return model.eval()


def test_squeeze_roundtrip_and_layout():
    x = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).view(2, 3, 4, 4)
    y = squeeze(x)
    assert y.shape == (2, 12, 2, 2)
    assert torch.equal(unsqueeze(y), x)
    # the four values of one 2x2 patch end up in four channels at one position
    assert sorted(y[0, :4, 0, 0].tolist()) == [0.0, 1.0, 4.0, 5.0]


@pytest.mark.parametrize("block", [ActNorm(6), InvConv1x1(6), AffineCoupling(6, 8)])
def test_blocks_invert_and_logdet_matches_jacobian(block):
    torch.manual_seed(0)
    with torch.no_grad():
        for p in block.parameters():
            p.add_(0.3 * torch.randn_like(p))
    block.eval()
    x = torch.randn(1, 6, 2, 2, dtype=torch.float64)
    block.double()
    y, logdet = block(x)
    assert torch.allclose(block.inverse(y), x, atol=1e-10)
    jac = torch.autograd.functional.jacobian(lambda t: block(t)[0], x).reshape(24, 24)
    assert math.isclose(float(torch.linalg.slogdet(jac)[1]), float(logdet[0].detach()), abs_tol=1e-8)


def test_split_prior_inverts_and_its_log_scale_is_the_jacobian():
    torch.manual_seed(0)
    prior = SplitPrior(3, 2).double()
    with torch.no_grad():
        prior.conv.weight.add_(0.3 * torch.randn_like(prior.conv.weight))
        prior.conv.bias.add_(0.3 * torch.randn_like(prior.conv.bias))
    kept, out = torch.randn(1, 3, 2, 2, dtype=torch.float64), torch.randn(1, 2, 2, 2).double()
    eps, sum_logs = prior(kept, out)
    assert torch.allclose(prior.inverse(kept, eps), out, atol=1e-10)
    assert not torch.allclose(eps, out)  # the prior is not the identity once trained

    def joint(t):  # (kept, out) -> (kept, eps): a bijection with log|det| = -sum_logs
        return torch.cat([t[:, :3], prior(t[:, :3], t[:, 3:])[0]], 1)

    jac = torch.autograd.functional.jacobian(joint, torch.cat([kept, out], 1)).reshape(20, 20)
    assert math.isclose(float(torch.linalg.slogdet(jac)[1]), -float(sum_logs[0].detach()), abs_tol=1e-8)


@pytest.mark.parametrize("split_prior", [False, True])
def test_flow_log_density_matches_the_change_of_variables(split_prior):
    """Whole flow on 4x4 images: log p(y) = log N(phi(y)) + log|det J_phi(y)|, with the
    Jacobian computed by autograd over every output (final level and each faded part)."""
    config = ModelConfig(image_size=4, steps=(1, 1), hidden=(4, 4), classifier_level=0,
                         activation_layer="0.0", split_prior=split_prior)
    model = _trained_like(build_model(config)).double()
    y = torch.randn(1, 3, 4, 4, dtype=torch.float64)

    def phi(t):
        final, faded, _, _, _ = model._run_levels(t, 0, config.levels)
        return torch.cat([final.flatten(1)] + [f.flatten(1) for f in faded], 1)

    final, faded, logdet, logp, _ = model._run_levels(y, 0, config.levels)
    ours = float((logp[0] + logdet[0] + _gauss_logp(final)[0]).detach())
    jac = torch.autograd.functional.jacobian(phi, y).reshape(48, 48)
    reference = float((_gauss_logp(phi(y))[0] + torch.linalg.slogdet(jac)[1]).detach())
    assert math.isclose(ours, reference, rel_tol=1e-9, abs_tol=1e-8)
    assert torch.allclose(model._inverse_levels(final, faded, 0, config.levels), y, atol=1e-9)


@pytest.mark.parametrize("config", [TINY, TINY_PRIOR], ids=["fixed-prior", "split-prior"])
def test_reconstruction_is_exact_in_float32(config):
    model = _trained_like(build_model(config))
    x = torch.rand(6, 3, 32, 32)
    with torch.no_grad():
        enc = model.encode(x)
        assert enc.z.shape == (6, model.feature_dim)
        assert float((model.decode(enc) - x).abs().max()) < 1e-3
    assert model.activations(x).shape == (6, 24, 8, 8)


def test_logit_shift_equals_alpha_w_squared():
    model = _trained_like(build_model(TINY))
    x = torch.rand(4, 3, 32, 32) * 0.8 + 0.1
    with torch.no_grad():
        enc = model.encode(x)
        base = model.logit_from_z(enc.z)
        alpha = torch.tensor([0.5, -1.0, 2.0, 0.0])
        shifted = model.logit_from_z(enc.z + alpha[:, None] * model.w)
    assert torch.allclose(shifted - base, alpha * (model.w @ model.w), atol=1e-4)


@pytest.mark.parametrize("config", [TINY, TINY_PRIOR], ids=["fixed-prior", "split-prior"])
def test_counterfactual_reaches_targets(config):
    model = _trained_like(build_model(config))
    with torch.no_grad():
        model.w_param.mul_(20)  # a steep classifier so small feature steps suffice
    x = torch.rand(3, 3, 32, 32) * 0.6 + 0.2
    logits = model.logit(x).detach()
    targets = torch.stack([logits - 1.0, logits, logits + 1.0], 1)
    res = counterfactual(model, x, targets)
    assert res.images.shape == (3, 3, 3, 32, 32)
    assert res.images.min() >= 0 and res.images.max() <= 1
    span = float(targets.max() - targets.min())
    assert float((res.achieved_logits - targets).abs().max()) < 0.01 * span
    # the middle column asks for the current logit: the image must not change
    assert float((res.images[:, 1] - x).abs().max()) < 1e-3
    single = counterfactual(model, x, logits + 0.5)
    assert single.images.shape == x.shape
    assert torch.allclose(single.alphas, torch.full((3,), 0.5) / (model.w @ model.w), atol=1e-6)


def _steep_tiny():
    model = _trained_like(build_model(TINY))
    with torch.no_grad():
        model.w_param.mul_(20)
    return model


def test_alpha_search_reaches_targets_that_clamping_makes_the_closed_form_miss():
    model = _steep_tiny()
    x = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(2)) * 0.04 + 0.96
    logits = model.logit(x).detach()
    targets = torch.stack([logits - 100, logits + 100], 1)
    closed = counterfactual(model, x, targets)
    assert float(closed.clipped.min()) > 0  # the inverse leaves [0, 1] for these bright images
    assert float((closed.achieved_logits - targets).abs().max()) > 1.0
    assert int(closed.steps.max()) == 0
    found = counterfactual(model, x, targets, search_steps=20, tol=1e-2)
    assert float((found.achieved_logits - targets).abs().max()) <= 1e-2
    assert int(found.steps.max()) > 0
    assert found.images.min() >= 0 and found.images.max() <= 1
    # the recorded logits are those of the returned images, re-encoded independently
    again = model.logit(found.images.flatten(0, 1)).detach().view(4, 2)
    assert torch.allclose(again, found.achieved_logits, atol=1e-3)


def test_alpha_search_on_the_8_bit_image_as_shown():
    model = _steep_tiny()
    x = torch.round((torch.rand(6, 3, 32, 32, generator=torch.Generator().manual_seed(0))
                     * 0.6 + 0.2) * 255) / 255
    logits = model.logit(x).detach()
    targets = torch.stack([logits - 5, logits + 20], 1)
    closed = counterfactual(model, x, targets, quantize=True)
    found = counterfactual(model, x, targets, quantize=True, search_steps=30, tol=0.05)
    assert float((closed.achieved_logits - targets).abs().max()) > 0.3  # rounding moves logits
    assert float((found.achieved_logits - targets).abs().max()) <= 0.05
    pixels = found.images * 255
    assert torch.equal(pixels, pixels.round())  # what a PNG holds, exactly
    assert torch.allclose(model.logit(found.images.flatten(0, 1)).detach().view(6, 2),
                          found.achieved_logits, atol=1e-3)


def test_counterfactual_check_reports_each_way_of_measuring():
    from explainers.models.evaluate import counterfactual_check

    model = _steep_tiny()
    out = counterfactual_check(model, n=8, search_steps=4)
    for targets in ("span", "columns"):
        assert len(out[targets]["targets"]) == 5
        for how in ("unclamped", "shown_closed_form", "shown_searched"):
            row = out[targets][how]
            assert 0 <= row["within_1pct"] <= 1 and len(row["within_1pct_by_column"]) == 5
            assert row["relative_error_median"] <= row["relative_error_max"]
        # the exact inverse, unclamped, reaches every target to float precision
        assert out[targets]["unclamped"]["relative_error_max"] < 1e-3


def test_examples_picture(tmp_path):
    from PIL import Image

    from explainers.models.evaluate import examples_picture

    out = examples_picture(_steep_tiny(), tmp_path / "ex.png", n=2, pool=40, search_steps=2)
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size[0] > im.size[1]  # 2 rows of 6 pictures


def test_bad_inputs_give_clear_errors():
    model = build_model(TINY).eval()
    with pytest.raises(ValueError, match="expected images"):
        model.encode(torch.rand(2, 3, 16, 16))
    with pytest.raises(ValueError, match="unknown layer"):
        model.activations(torch.rand(1, 3, 32, 32), layer="9.9")
    with pytest.raises(ValueError, match="target_logits"):
        counterfactual(model, torch.rand(2, 3, 32, 32), torch.zeros(3))
    with pytest.raises(ValueError, match="must not be negative"):
        counterfactual(model, torch.rand(2, 3, 32, 32), 0.0, search_steps=-1)
    with pytest.raises(ConfigError, match="divisible"):
        config_from_dict({"model": {"image_size": 30}})
    with pytest.raises(ConfigError, match="unknown keys"):
        config_from_dict({"train": {"epoch": 3}})
