"""Training on CPU with a tiny model: the bundle, the manifest, resuming, the commands."""

import json

import pytest
import torch
from django.core.management import CommandError, call_command

from explainers.models import load_checkpoint
from explainers.models.config import config_from_dict
from explainers.models.train import STATE_FILE, train

TINY = {
    "model": {"image_size": 32, "steps": [1, 1, 1], "hidden": [8, 8, 8], "classifier_level": 1,
              "activation_layer": "1.0", "classifier_norm": 5.0},
    "train": {"train_size": 0, "val_size": 32, "batch_size": 16, "warmup_steps": 10,
              "max_steps": 4, "checkpoint_every": 2, "log_every": 1, "data_seed": 3},
}


def _config(**train):
    data = json.loads(json.dumps(TINY))
    data["train"].update(train)
    return config_from_dict(data)


@pytest.fixture(scope="module")
def continuous(tmp_path_factory):
    out = tmp_path_factory.mktemp("continuous")
    metrics = train(_config(max_steps=4), out, progress=False)
    return out, metrics


def test_training_writes_a_complete_bundle(continuous):
    out, metrics = continuous
    names = {p.name for p in out.iterdir()}
    assert {"config.json", "weights.pt", "metrics.json", "dataset.json", "train_log.csv",
            "bundle.json", STATE_FILE} <= names
    assert metrics["steps"] == 4 and metrics["final"] is True
    assert metrics["val"]["n"] == 32 and 0 <= metrics["val"]["accuracy"] <= 1
    assert metrics["val"]["max_reconstruction_error"] < 1e-3
    log = (out / "train_log.csv").read_text().splitlines()
    assert log[0].startswith("step,") and len(log) == 1 + 4
    manifest = json.loads((out / "dataset.json").read_text())
    assert manifest["source"] == "generated-stream" and len(manifest["hash"]) == 64
    model = load_checkpoint(out)
    assert model.bundle_hash == json.loads((out / "bundle.json").read_text())["hash"]
    assert float(model.w.detach().norm()) == pytest.approx(5.0, rel=1e-5)


def test_same_recipe_gives_same_dataset_hash(continuous, tmp_path):
    out, _ = continuous
    train(_config(max_steps=1), tmp_path, progress=False)
    first = json.loads((out / "dataset.json").read_text())["hash"]
    again = json.loads((tmp_path / "dataset.json").read_text())["hash"]
    assert first == again
    other = tmp_path / "other"
    train(_config(max_steps=1, data_seed=4), other, progress=False)
    assert json.loads((other / "dataset.json").read_text())["hash"] != first


def test_resume_continues_exactly(continuous, tmp_path):
    out, _ = continuous
    train(_config(max_steps=2), tmp_path, progress=False)
    metrics = train(_config(max_steps=4), tmp_path, resume=True, progress=False)
    assert metrics["steps"] == 4
    resumed = torch.load(tmp_path / "weights.pt", weights_only=True)
    straight = torch.load(out / "weights.pt", weights_only=True)
    for key, value in straight.items():
        assert torch.allclose(resumed[key], value, atol=1e-6), key
    assert len((tmp_path / "train_log.csv").read_text().splitlines()) == 1 + 4


def test_init_from_starts_from_the_bundle_and_records_it(continuous, tmp_path):
    out, _ = continuous
    parent = load_checkpoint(out)
    metrics = train(_config(max_steps=1, lr=0.0, warmup_steps=1, init_from=str(out),
                            init_from_hash=parent.bundle_hash), tmp_path, progress=False)
    child = load_checkpoint(tmp_path)
    for key, value in parent.state_dict().items():  # learning rate 0: the weights are kept
        assert torch.equal(child.state_dict()[key], value), key
    assert metrics["steps"] == 1
    assert metrics["init_from"]["bundle_hash"] == parent.bundle_hash
    assert metrics["init_from"]["steps"] == 4
    assert json.loads((tmp_path / "metrics.json").read_text())["init_from"]["path"] == str(out)
    moved = train(_config(max_steps=1, init_from=str(out)), tmp_path / "moved", progress=False)
    assert moved["init_from"]["bundle_hash"] == parent.bundle_hash
    assert not torch.equal(load_checkpoint(tmp_path / "moved").w, parent.w)


def test_init_from_needs_the_same_architecture(continuous, tmp_path):
    from explainers.models.checkpoint import CheckpointError

    out, _ = continuous
    data = json.loads(json.dumps(TINY))
    data["model"]["hidden"] = [8, 8, 16]
    data["train"]["init_from"] = str(out)
    with pytest.raises(CheckpointError, match="model config differs"):
        train(config_from_dict(data), tmp_path, progress=False)
    with pytest.raises(Exception, match="not found"):
        train(_config(init_from=str(tmp_path / "none")), tmp_path / "b", progress=False)
    with pytest.raises(CheckpointError, match="init_from_hash asks for 000000000000"):
        train(_config(init_from=str(out), init_from_hash="0" * 64), tmp_path / "c", progress=False)


def test_resume_without_state_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no train_state.pt"):
        train(_config(), tmp_path, resume=True, progress=False)


def test_train_command_reports_bad_config(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"model": {"image_size": 33}}')
    with pytest.raises(CommandError, match="divisible"):
        call_command("train_model", config=str(bad), out=str(tmp_path / "o"))
    with pytest.raises(CommandError, match="not found"):
        call_command("train_model", config=str(tmp_path / "none.json"), out=str(tmp_path / "o"))
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("train_model", config=str(bad), out=str(tmp_path / "o"))


def test_evaluate_command_prints_json(continuous, capsys):
    out, _ = continuous
    call_command("evaluate_model", checkpoint=str(out), n=20, seed=5)
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 20 and 0 <= result["accuracy"] <= 1
    assert set(result["logit_quantiles"]) >= {"5%", "50%", "95%"}
    assert result["checkpoint_hash"] == load_checkpoint(out).bundle_hash


def test_training_on_a_make_dataset_folder(tmp_path):
    from explainers.synthetic import get_sampler
    from explainers.synthetic.io import write_dataset

    folder = tmp_path / "data"
    written = write_dataset(folder, sampler=get_sampler("study"), n=40, seed=2, size=64,
                            device="cpu", batch_size=40, force=False, progress=False)
    metrics = train(_config(dataset_dir=str(folder), max_steps=2), tmp_path / "out",
                    progress=False)
    assert metrics["steps"] == 2
    manifest = json.loads((tmp_path / "out" / "dataset.json").read_text())
    assert manifest["source"] == "dataset_dir" and manifest["n_images"] == 40
    assert manifest["dataset_content_hash"] == written["content_hash"]
    small = tmp_path / "small"
    write_dataset(small, sampler=get_sampler("study"), n=4, seed=2, size=16, device="cpu",
                  batch_size=4, force=False, progress=False)
    with pytest.raises(ValueError, match="render the dataset at >= 32px"):
        train(_config(dataset_dir=str(small)), tmp_path / "out2", progress=False)
