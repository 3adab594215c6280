"""Checkpoint bundle: a folder with config.json, weights.pt, metrics.json, dataset.json,
train_log.csv and bundle.json (SHA-256 of each of those files and one hash over all of them).

Files added to the folder later (ground_truth.json, observer/, plots) are derived from the
bundle and are not part of its hash, nor is ``model.json``, which names the model plugin that
reads the folder (``inn`` or ``cnn``, see :mod:`explainers.models.model_registry`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path

import torch

from .classifier import FlowClassifier, build_model
from .config import ConfigError, model_config_from_dict

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CHECKPOINT = Path(
    os.environ.get("XAI_DEFAULT_CHECKPOINT", REPO_ROOT / "checkpoints" / "study")
)
BUNDLE_FILES = ("config.json", "weights.pt", "metrics.json", "dataset.json", "train_log.csv")


class CheckpointError(RuntimeError):
    """A checkpoint folder is missing, incomplete or corrupt."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def bundle_hash(file_hashes: dict[str, str]) -> str:
    text = "\n".join(f"{name} {file_hashes[name]}" for name in sorted(file_hashes))
    return hashlib.sha256(text.encode()).hexdigest()


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def _log_csv(log: list[dict]) -> str:
    if not log:
        return ""
    fields = list(dict.fromkeys(k for row in log for k in row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(log)
    return buf.getvalue()


def save_checkpoint(
    model: FlowClassifier,
    out_dir,
    *,
    metrics: dict,
    dataset_manifest: dict,
    log: list[dict],
    train_config: dict | None = None,
) -> str:
    """Write the bundle into ``out_dir`` and return its content hash (also set on the model)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    import dataclasses

    config = {"model": dataclasses.asdict(model.config)}
    if train_config is not None:
        config["train"] = train_config
    _write_json(out / "config.json", config)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    buf = io.BytesIO()
    torch.save(state, buf)
    (out / "weights.pt").write_bytes(buf.getvalue())
    _write_json(out / "metrics.json", metrics)
    _write_json(out / "dataset.json", dataset_manifest)
    (out / "train_log.csv").write_text(_log_csv(log))
    hashes = {name: sha256_file(out / name) for name in BUNDLE_FILES}
    digest = bundle_hash(hashes)
    _write_json(out / "bundle.json", {"hash": digest, "files": hashes})
    # which model plugin reads the folder (explainers.models.model_registry); not hashed
    _write_json(out / "model.json", {"plugin": model.plugin_name})
    model.bundle_hash = digest
    return digest


def read_bundle(path) -> tuple[Path, dict]:
    """Check the bundle's files against bundle.json; returns (folder, bundle info)."""
    folder = Path(path)
    if not folder.is_dir():
        raise CheckpointError(f"checkpoint folder not found: {folder}")
    missing = [n for n in (*BUNDLE_FILES, "bundle.json") if not (folder / n).is_file()]
    if missing:
        raise CheckpointError(f"checkpoint {folder} is incomplete: missing {', '.join(missing)}")
    try:
        info = json.loads((folder / "bundle.json").read_text())
        recorded = info["files"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{folder}/bundle.json is unreadable: {exc}") from exc
    for name in BUNDLE_FILES:
        if sha256_file(folder / name) != recorded.get(name):
            raise CheckpointError(f"checkpoint {folder} is corrupt: {name} does not match its hash")
    if bundle_hash({n: recorded[n] for n in BUNDLE_FILES}) != info.get("hash"):
        raise CheckpointError(f"checkpoint {folder} is corrupt: bundle hash does not match")
    return folder, info


def load_checkpoint(path=None, *, device="cpu") -> FlowClassifier:
    """Load and verify a bundle (default :data:`DEFAULT_CHECKPOINT`); the model is in eval mode."""
    folder, info = read_bundle(DEFAULT_CHECKPOINT if path is None else path)
    try:
        config = model_config_from_dict(json.loads((folder / "config.json").read_text())["model"])
    except (json.JSONDecodeError, KeyError, ConfigError) as exc:
        raise CheckpointError(f"{folder}/config.json is invalid: {exc}") from exc
    model = build_model(config)
    try:
        state = torch.load(folder / "weights.pt", map_location="cpu", weights_only=True)
        # older bundles also stored the constant LU masks; they are rebuilt from the config
        state = {k: v for k, v in state.items() if not k.endswith((".l_mask", ".eye"))}
        model.load_state_dict(state)
    except Exception as exc:  # noqa: BLE001 - any unpickling/shape error means a bad bundle
        raise CheckpointError(f"{folder}/weights.pt does not fit config.json: {exc}") from exc
    model.bundle_hash = info["hash"]
    model.checkpoint_dir = folder
    return model.to(device).eval()


def read_json(folder, name: str) -> dict:
    return json.loads((Path(folder) / name).read_text())
