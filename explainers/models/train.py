"""Training loop (joint flow + classifier loss, paper eq. 1), resumable, no Django.

``python -m explainers.models.train --config configs/study.json --out DIR [--resume]
[--device cuda]`` writes the checkpoint bundle into DIR. ``DIR/train_state.pt`` holds the
optimiser state for ``--resume`` and is written every ``checkpoint_every`` steps, together with
an intermediate bundle, so an interrupted run still leaves usable weights.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time
from pathlib import Path

import torch

from .checkpoint import save_checkpoint
from .classifier import build_model
from .config import Config, load_config
from .evaluate import evaluate_set
from .progress import progress_bar
from .training_data import build_training_data

STATE_FILE = "train_state.pt"


def _init_weights(model, folder, expected_hash: str = "") -> dict:
    """Load a bundle's weights into ``model`` (same model config); returns its provenance."""
    from .checkpoint import CheckpointError, load_checkpoint, read_json

    parent = load_checkpoint(folder)
    if expected_hash and parent.bundle_hash != expected_hash:
        raise CheckpointError(
            f"init_from {folder} is bundle {parent.bundle_hash[:12]}…, but init_from_hash asks "
            f"for {expected_hash[:12]}…; point init_from at that bundle (docs/model/README.md "
            "says which commit holds it)"
        )
    if parent.config != model.config:
        raise CheckpointError(
            f"init_from {folder}: its model config differs from this run's; fine-tuning needs "
            "the same architecture"
        )
    model.load_state_dict(parent.state_dict())
    metrics = read_json(folder, "metrics.json")
    return {"path": str(folder), "bundle_hash": parent.bundle_hash,
            "steps": metrics.get("steps"), "images_seen": metrics.get("images_seen"),
            "device": metrics.get("device"),
            "generator_version": read_json(folder, "dataset.json").get("generator_version")}


def _lr(cfg, step: int, total: int, time_frac: float = 0.0) -> float:
    """Linear warm-up, then cosine decay to 5% by the last step or the time limit."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    frac = min(1.0, max(time_frac, (step - cfg.warmup_steps) / max(1, total - cfg.warmup_steps)))
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))


def _save_state(path: Path, model, opt, step: int, log: list[dict]) -> None:
    tmp = path.with_suffix(".tmp")
    rng = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step,
                "log": log, "rng": rng}, tmp)
    tmp.replace(path)


def train(config: Config, out_dir, *, device="cpu", resume: bool = False,
          progress: bool = True) -> dict:
    """Train a model as ``config`` says and write its bundle to ``out_dir``; returns metrics."""
    tc = config.train
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    device = torch.device(device)
    if device.type == "cuda" and tc.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    t_data = time.time()
    source, val_set, manifest = build_training_data(tc, config.model.image_size, device)
    data_seconds = time.time() - t_data
    torch.manual_seed(tc.seed)
    model = build_model(config.model)
    init_from = (_init_weights(model, tc.init_from, tc.init_from_hash) if tc.init_from
                 else None)
    model = model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
    step, log = 0, []
    state_path = out / STATE_FILE
    if resume:
        if not state_path.is_file():
            raise FileNotFoundError(f"--resume: no {STATE_FILE} in {out}")
        state = torch.load(state_path, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step, log = int(state["step"]), list(state["log"])
        torch.set_rng_state(state["rng"]["cpu"].cpu())
        if "cuda" in state["rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([s.cpu() for s in state["rng"]["cuda"]])
    per_epoch = source.per_epoch
    total = tc.max_steps or tc.epochs * per_epoch
    budget = tc.max_minutes * 60 if tc.max_minutes else math.inf
    model.train()
    train_config = dataclasses.asdict(tc)

    def write_bundle(final: bool) -> dict:
        metrics = {"val": evaluate_set(model, val_set), "steps": step,
                   "images_seen": step * tc.batch_size, "final": final,
                   "train_seconds": log[-1]["seconds"] if log else 0.0,
                   "data_seconds": data_seconds, "n_parameters": model.n_parameters(),
                   "device": str(device)}
        if init_from:
            metrics["init_from"] = init_from
        model.train()
        save_checkpoint(model, out, metrics=metrics, dataset_manifest=manifest, log=log,
                        train_config=train_config)
        return metrics

    t0 = time.time() - (log[-1]["seconds"] if log else 0.0)
    bar = progress_bar(range(step, total), desc="training", total=total - step, enabled=progress)
    acc_sum = loss_sum = bpd_sum = bce_sum = 0.0
    count = skipped = 0
    done = step
    for step in bar:
        x, y = source.get(step)
        lr = _lr(tc, step, total, (time.time() - t0) / budget)
        for group in opt.param_groups:
            group["lr"] = lr
        loss, info = model.loss(x, y, tc.beta)
        opt.zero_grad(set_to_none=True)
        if not torch.isfinite(loss):
            skipped += 1
            continue
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip)
        opt.step()
        with torch.no_grad():
            acc_sum += float(((info["logits"] > 0) == (y > 0.5)).float().mean())
            loss_sum += float(loss)
            bpd_sum += float(info["bpd"])
            bce_sum += float(info["bce"])
            count += 1
        done = step + 1
        if done % tc.log_every == 0 or done == total:
            elapsed = time.time() - t0
            row = {"step": done, "epoch": round(done / per_epoch, 3), "loss": loss_sum / count,
                   "bpd": bpd_sum / count, "bce": bce_sum / count, "acc": acc_sum / count,
                   "lr": lr, "seconds": round(elapsed, 2),
                   "img_per_s": round(done * tc.batch_size / max(elapsed, 1e-9), 1),
                   "skipped": skipped}
            log.append(row)
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{row['loss']:.3f}", acc=f"{row['acc']:.3f}")
            acc_sum = loss_sum = bpd_sum = bce_sum = 0.0
            count = 0
        if done % tc.checkpoint_every == 0 and done < total:
            write_bundle(final=False)
            _save_state(state_path, model, opt, done, log)
        if time.time() - t0 > budget:
            break
    step = done
    metrics = write_bundle(final=True)
    _save_state(state_path, model, opt, step, log)
    return metrics


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Train the invertible classifier.")
    p.add_argument("--config", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--device", default="cpu")
    p.add_argument("--no-progress", action="store_true")
    a = p.parse_args(argv)
    metrics = train(load_config(a.config), a.out, device=a.device, resume=a.resume,
                    progress=not a.no_progress)
    print({"val_accuracy": metrics["val"]["accuracy"], "steps": metrics["steps"]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
