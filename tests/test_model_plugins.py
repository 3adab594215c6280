"""Model plugins: bundles name their plugin; each declares what it offers; clear errors."""

import json

import pytest
import torch
from django.core.management import call_command

from explainers.models.checkpoint import DEFAULT_CHECKPOINT
from explainers.models.model_plugin import BundleError, Capability
from explainers.models.model_registry import (
    UnknownModelPlugin,
    available,
    describe_bundle,
    get_model_plugin,
    load_model,
)
from tests.fixtures.tiny_explainer_setup import tiny_checkpoint
from tests.fixtures.tiny_models import TinyNet, tiny_cnn, tiny_cnn_bundle, tiny_torchscript_bundle


def test_shipped_plugins_are_entry_points():
    assert {"inn", "cnn", "torchscript"} <= set(available())
    with pytest.raises(UnknownModelPlugin, match="available: .*cnn"):
        get_model_plugin("resnet9000")


def test_shipped_inn_is_described_without_loading():
    info = describe_bundle(DEFAULT_CHECKPOINT)
    assert info.plugin == "inn" and info.image_size == 64
    assert info.class_names == ("Peeky", "Stretchy")
    assert info.offers("invertible") and info.offers(Capability.LAYERS)
    assert not info.offers("conv_layers")
    assert info.default_layer in info.layers
    assert info.bundle_hash == json.loads((DEFAULT_CHECKPOINT / "bundle.json").read_text())["hash"]


def test_inn_bundle_loads_through_its_plugin(tmp_path):
    folder, digest = tiny_checkpoint(tmp_path)
    model = load_model(folder)
    assert model.bundle_hash == digest == model.info.bundle_hash
    assert model.info.layers == ("0.0", "1.0", "2.0")


def test_cnn_bundle_round_trips_with_named_layers(tmp_path):
    folder, digest = tiny_cnn_bundle(tmp_path)
    original = tiny_cnn()
    model = load_model(folder)
    info = model.info
    assert info.plugin == "cnn" and info.bundle_hash == digest == model.bundle_hash
    assert info.capabilities == {Capability.LOGITS, Capability.GRADIENTS, Capability.LAYERS,
                                 Capability.CONV_LAYERS}
    assert not info.offers("invertible")
    x = torch.rand(3, 3, 32, 32)
    assert torch.equal(model.logit(x), original.logit(x)) and model.logit(x).shape == (3,)
    shapes = {name: tuple(model.activations(x, layer=name).shape) for name in info.layers}
    assert shapes == {"stem": (3, 4, 16, 16), "layer1": (3, 4, 16, 16),
                      "layer2": (3, 8, 8, 8), "layer3": (3, 8, 4, 4)}
    seen = {}
    hook = model.layer("layer2").register_forward_hook(lambda m, i, o: seen.update(o=o))
    model.logit(x)
    hook.remove()
    assert torch.equal(seen["o"], model.activations(x, layer="layer2"))
    with pytest.raises(KeyError, match="layer9"):
        model.activations(x, layer="layer9")


def test_torchscript_bundle_applies_its_preprocessing(tmp_path):
    folder = tiny_torchscript_bundle(tmp_path / "ts")
    model = load_model(folder)
    assert model.info.class_names == ("round", "square")
    assert model.info.capabilities == {Capability.LOGITS, Capability.GRADIENTS}
    x = torch.rand(2, 3, 32, 32, requires_grad=True)
    out = TinyNet().eval()((x - 0.5) / 0.25)  # the same weights (seeded), computed directly
    logit = model.logit(x)
    torch.testing.assert_close(logit, out[:, 1] - out[:, 0])
    logit.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    before = model.info.bundle_hash
    (folder / "model.json").write_text((folder / "model.json").read_text().replace("round", "o"))
    assert describe_bundle(folder).bundle_hash != before


@pytest.mark.parametrize("change, message", [
    ({"output": "probabilities"}, "output must be one of"),
    ({"class_names": ["only one"]}, "class_names must be two"),
    ({"preprocessing": {"mean": [0, 0, 0]}}, "preprocessing must be"),
    ({"input_size": "64"}, "input_size must be an integer"),
    ({"colour": "blue"}, r"unknown key\(s\) \['colour'\]"),
])
def test_torchscript_descriptor_errors_name_the_key(tmp_path, change, message):
    folder = tiny_torchscript_bundle(tmp_path / "ts", **change)
    with pytest.raises(BundleError, match=message):
        describe_bundle(folder)


def test_bundle_errors(tmp_path):
    with pytest.raises(BundleError, match="not found"):
        describe_bundle(tmp_path / "nothing")
    with pytest.raises(BundleError, match="no model.json"):
        describe_bundle(tmp_path)
    (tmp_path / "model.json").write_text('{"plugin": "gpt"}')
    with pytest.raises(UnknownModelPlugin, match="'gpt'"):
        describe_bundle(tmp_path)
    folder = tiny_torchscript_bundle(tmp_path / "ts")
    (folder / "model.pt").write_bytes(b"not torchscript")
    with pytest.raises(BundleError, match="not a TorchScript file"):
        load_model(folder)


def test_list_models_lists_plugins_and_bundles(tmp_path, capsys):
    folder, _ = tiny_cnn_bundle(tmp_path / "cnn")
    call_command("list_models", str(folder), str(DEFAULT_CHECKPOINT), str(tmp_path / "none"))
    out = capsys.readouterr().out
    assert "torchscript" in out and "cnn" in out
    assert "offers: conv_layers, gradients, layers, logits" in out
    assert "layers: stem, layer1, layer2, layer3 (default layer3)" in out
    assert "offers: gradients, invertible, layers, logits" in out
    assert "cannot be read" in out
