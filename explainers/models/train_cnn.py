"""Train the small CNN (:mod:`explainers.models.cnn`) on Two4Two scenes and write its bundle.

``python -m explainers.models.train_cnn --out checkpoints/cnn --train 10000 --epochs 5``

The data are rendered once from the same sampler as the INN's (``study``, with its biases), the
validation set from a seed kept apart. Binary cross-entropy on the logit, Adam with a cosine
schedule; ``--max-minutes`` stops early (the bundle records how far it got). The bundle is the
INN's format (config.json, weights.pt, metrics.json, dataset.json, train_log.csv, bundle.json)
plus ``model.json`` naming the model plugin (``cnn``). Nothing here imports Django.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time
from pathlib import Path

import torch
from torch.nn import functional as F

from .checkpoint import save_checkpoint
from .cnn import CNNConfig, SmallResNet
from .training_data import render_set, scenes_hash


@dataclasses.dataclass(frozen=True)
class CNNTrainConfig:
    train_size: int = 10_000
    val_size: int = 2000
    epochs: int = 5
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-4
    sampler: str = "study"
    data_seed: int = 34_567
    val_seed: int = 90_001
    seed: int = 0
    max_minutes: float = 15.0
    threads: int = 1


@torch.no_grad()
def evaluate(model: SmallResNet, data, batch_size: int = 500) -> dict:
    model.eval()
    logits = torch.cat([model.logit(data.batch(torch.arange(i, min(i + batch_size, len(data))))[0])
                        for i in range(0, len(data), batch_size)])
    labels = data.labels
    loss = F.binary_cross_entropy_with_logits(logits, labels).item()
    q = torch.quantile(logits, torch.tensor([0.005, 0.05, 0.25, 0.5, 0.75, 0.95, 0.995]))
    names = ("0.5%", "5%", "25%", "50%", "75%", "95%", "99.5%")
    return {"accuracy": float(((logits > 0).float() == labels).float().mean()), "loss": loss,
            "n": len(data), "logit_mean": float(logits.mean()), "logit_std": float(logits.std()),
            "logit_quantiles": {n: float(v) for n, v in zip(names, q, strict=True)}}


def train(cfg: CNNTrainConfig, out_dir, *, model_config: CNNConfig | None = None,
          progress: bool = True) -> dict:
    torch.set_num_threads(cfg.threads)
    started = time.time()
    model_config = model_config or CNNConfig()
    size = model_config.image_size
    train_set = render_set(cfg.sampler, cfg.train_size, seed=cfg.data_seed, image_size=size,
                           desc="train images", progress=progress)
    val_set = render_set(cfg.sampler, cfg.val_size, seed=cfg.val_seed, image_size=size,
                         desc="val images", progress=progress)
    data_seconds = time.time() - started
    model = SmallResNet(model_config)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps_per_epoch = math.ceil(len(train_set) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=total)
    gen = torch.Generator().manual_seed(cfg.seed)
    log, step, t0, stopped_early = [], 0, time.time(), False
    for epoch in range(cfg.epochs):
        model.train()
        order = torch.randperm(len(train_set), generator=gen)
        running = []
        for start in range(0, len(order), cfg.batch_size):
            x, y = train_set.batch(order[start : start + cfg.batch_size])
            loss = F.binary_cross_entropy_with_logits(model.logit(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            running.append(loss.item())
            step += 1
            if (time.time() - t0) / 60 > cfg.max_minutes:
                stopped_early = True
                break
        row = {"epoch": epoch + 1, "step": step, "train_loss": sum(running) / len(running),
               "seconds": round(time.time() - t0, 1), **{
                   f"val_{k}": v for k, v in evaluate(model, val_set).items()
                   if k in ("accuracy", "loss")}}
        log.append(row)
        if progress:
            print(json.dumps(row), flush=True)
        if stopped_early:
            break
    metrics = {"device": "cpu", "threads": cfg.threads, "steps": step, "epochs_done": len(log),
               "stopped_early": stopped_early, "train_seconds": round(time.time() - t0, 1),
               "data_seconds": round(data_seconds, 1), "n_parameters": model.n_parameters(),
               "images_seen": step * cfg.batch_size, "val": evaluate(model, val_set)}
    dataset = {"sampler": cfg.sampler, "train_size": cfg.train_size, "data_seed": cfg.data_seed,
               "val_size": cfg.val_size, "val_seed": cfg.val_seed, "image_size": size,
               "hash": scenes_hash(train_set)}
    out = Path(out_dir)
    save_checkpoint(model, out, metrics=metrics, dataset_manifest=dataset, log=log,
                    train_config=dataclasses.asdict(cfg))
    return metrics


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Train the small Two4Two CNN.")
    p.add_argument("--out", required=True)
    p.add_argument("--train", type=int, default=CNNTrainConfig.train_size)
    p.add_argument("--val", type=int, default=CNNTrainConfig.val_size)
    p.add_argument("--epochs", type=int, default=CNNTrainConfig.epochs)
    p.add_argument("--max-minutes", type=float, default=CNNTrainConfig.max_minutes)
    p.add_argument("--threads", type=int, default=CNNTrainConfig.threads)
    p.add_argument("--image-size", type=int, default=CNNConfig.image_size)
    a = p.parse_args(argv)
    cfg = CNNTrainConfig(train_size=a.train, val_size=a.val, epochs=a.epochs,
                         max_minutes=a.max_minutes, threads=a.threads)
    metrics = train(cfg, a.out, model_config=CNNConfig(image_size=a.image_size))
    print(json.dumps(metrics["val"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
