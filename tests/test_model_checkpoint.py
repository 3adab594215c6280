"""Checkpoint bundle: round trip, content hash, clear errors, the shipped study checkpoint."""

import dataclasses
import importlib
import json

import pytest
import torch
from django.core.management import CommandError, call_command

import explainers.models.checkpoint as ckpt
from explainers.models import CheckpointError, ModelConfig, build_model, load_checkpoint
from explainers.models import save_checkpoint as save

TINY = ModelConfig(image_size=32, steps=(1, 1, 1), hidden=(8, 8, 8), classifier_level=1,
                   activation_layer="1.0")


@pytest.fixture
def bundle(tmp_path):
    model = build_model(TINY)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    digest = save(model.eval(), tmp_path, metrics={"val": {"accuracy": 0.5}},
                  dataset_manifest={"hash": "abc"}, log=[{"step": 1, "loss": 2.0}])
    return tmp_path, model, digest


def test_round_trip_gives_the_same_function_and_hash(bundle):
    folder, model, digest = bundle
    loaded = load_checkpoint(folder)
    assert loaded.bundle_hash == digest == model.bundle_hash
    assert loaded.config == TINY and loaded.image_size == 32 and not loaded.training
    x = torch.rand(3, 3, 32, 32)
    assert torch.equal(loaded.logit(x), model.logit(x))
    recorded = json.loads((folder / "bundle.json").read_text())
    assert recorded["files"]["weights.pt"] == ckpt.sha256_file(folder / "weights.pt")
    assert recorded["hash"] == ckpt.bundle_hash(recorded["files"])


def test_split_prior_model_round_trips(tmp_path):
    model = build_model(dataclasses.replace(TINY, split_prior=True))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    save(model.eval(), tmp_path, metrics={}, dataset_manifest={}, log=[])
    loaded = load_checkpoint(tmp_path)
    assert loaded.config.split_prior and len(loaded.priors) == 2
    x = torch.rand(2, 3, 32, 32)
    enc = loaded.encode(x)
    assert torch.equal(enc.z, model.encode(x).z)
    assert torch.equal(loaded.decode(enc), model.decode(model.encode(x)))


def test_hash_changes_with_the_weights(bundle, tmp_path_factory):
    folder, model, digest = bundle
    with torch.no_grad():
        model.b_param.add_(1.0)
    other = save(model, tmp_path_factory.mktemp("b"), metrics={}, dataset_manifest={}, log=[])
    assert other != digest


def test_corrupt_or_missing_bundles_are_clear_errors(bundle, tmp_path):
    folder, _, _ = bundle
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "nowhere")
    weights = folder / "weights.pt"
    data = weights.read_bytes()
    weights.write_bytes(data[:-10] + b"0123456789")
    with pytest.raises(CheckpointError, match="corrupt: weights.pt"):
        load_checkpoint(folder)
    weights.write_bytes(data)
    load_checkpoint(folder)
    (folder / "metrics.json").unlink()
    with pytest.raises(CheckpointError, match="missing metrics.json"):
        load_checkpoint(folder)
    with pytest.raises(CommandError, match="missing metrics.json"):
        call_command("evaluate_model", checkpoint=str(folder), n=5)


def test_default_checkpoint_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("XAI_DEFAULT_CHECKPOINT", str(tmp_path / "elsewhere"))
    try:
        reloaded = importlib.reload(ckpt)
        assert reloaded.DEFAULT_CHECKPOINT == tmp_path / "elsewhere"
    finally:
        monkeypatch.delenv("XAI_DEFAULT_CHECKPOINT")
        importlib.reload(ckpt)
    assert ckpt.DEFAULT_CHECKPOINT == ckpt.REPO_ROOT / "checkpoints" / "study"


def test_shipped_study_checkpoint_is_intact_and_documented():
    folder = ckpt.REPO_ROOT / "checkpoints" / "study"
    model = load_checkpoint(folder)
    assert model.image_size == 64 and model.w.shape == (model.feature_dim,)
    assert sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) <= 25 * 2**20
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["val"]["accuracy"] >= 0.95
    truth = json.loads((folder / "ground_truth.json").read_text())
    assert truth["checkpoint_hash"] == model.bundle_hash
    assert set(truth["answer_key"]) == {"legs", "color", "background", "shape", "rotation"}
    assert model.activations(torch.rand(1, 3, 64, 64)).shape[-2:] == (8, 8)
