"""Observer network: a small convnet trained on unbiased scenes to read every factor off an
image (paper section 5.3, Table 7). Targets are normalised to [0, 1] by the factor ranges; the
full-circle yaw is predicted as (sin + 1) / 2 and (cos + 1) / 2.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .progress import progress_bar

OUTPUTS_EXTRA = ("yaw_sin", "yaw_cos")


def target_names() -> list[str]:
    from explainers.synthetic import FACTORS

    return [f for f in FACTORS if f != "yaw"] + list(OUTPUTS_EXTRA)


def factor_targets(factors: torch.Tensor) -> torch.Tensor:
    """[N, len(FACTORS)] raw factor values -> [N, len(target_names())] targets in [0, 1]."""
    from explainers.synthetic import FACTOR_RANGES, FACTORS

    cols = []
    for i, f in enumerate(FACTORS):
        if f == "yaw":
            continue
        lo, hi = FACTOR_RANGES[f]
        cols.append((factors[:, i] - lo) / (hi - lo))
    yaw = factors[:, FACTORS.index("yaw")]
    cols += [(torch.sin(yaw) + 1) / 2, (torch.cos(yaw) + 1) / 2]
    return torch.stack(cols, 1)


def predictions_to_factors(pred: torch.Tensor) -> dict[str, torch.Tensor]:
    """Observer outputs -> normalised factors in [0, 1] (yaw from atan2, mapped to [0, 1])."""
    names = target_names()
    out = {n: pred[:, i] for i, n in enumerate(names) if n not in OUTPUTS_EXTRA}
    s = pred[:, names.index("yaw_sin")] * 2 - 1
    c = pred[:, names.index("yaw_cos")] * 2 - 1
    out["yaw"] = (torch.atan2(s, c) + math.pi) / (2 * math.pi)
    return out


def _block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
    )


class Observer(nn.Module):
    def __init__(self, image_size: int = 64, width: int = 24):
        super().__init__()
        self.image_size = image_size
        self.width = width
        n_out = len(target_names())
        chans = [3, width, width * 2, width * 4, width * 8]
        self.blocks = nn.ModuleList(_block(a, b) for a, b in zip(chans[:-1], chans[1:], strict=True))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(chans[-1] * 4 * 4, 128), nn.ReLU(),
                                  nn.Linear(128, n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x * 2 - 1
        for block in self.blocks:
            h = F.max_pool2d(block(h), 2)
        h = F.adaptive_avg_pool2d(h, 4)
        return self.head(h)


@torch.no_grad()
def observer_mse(observer: Observer, data, batch_size: int = 500) -> dict[str, float]:
    """Test MSE per factor on a RenderedSet (yaw: mean of its sin/cos outputs)."""
    observer.eval()
    errs = []
    for start in range(0, len(data), batch_size):
        idx = torch.arange(start, min(start + batch_size, len(data)), device=data.labels.device)
        x, _ = data.batch(idx)
        errs.append((observer(x) - factor_targets(data.factors[idx])).pow(2).cpu())
    mse = torch.cat(errs).mean(0)
    names = target_names()
    out = {n: float(mse[i]) for i, n in enumerate(names) if n not in OUTPUTS_EXTRA}
    out["yaw"] = float((mse[names.index("yaw_sin")] + mse[names.index("yaw_cos")]) / 2)
    return out


def train_observer(train, test, *, image_size: int, epochs: int = 20, batch_size: int = 128,
                   lr: float = 2e-3, width: int = 24, max_minutes: float = 0.0, seed: int = 0,
                   init: Observer | None = None,
                   progress: bool = True) -> tuple[Observer, dict]:
    """Train on RenderedSet ``train``; returns (observer, {"mse": per factor, "log": [...]}).

    ``init``: an observer whose weights start the run (fine-tuning after a change to the
    generator); its image size and width are used instead of ``image_size`` and ``width``.
    """
    torch.manual_seed(seed)
    device = train.labels.device
    if init is None:
        obs = Observer(image_size, width).to(device)
    else:
        obs = Observer(init.image_size, init.width).to(device)
        obs.load_state_dict(init.state_dict())
    opt = torch.optim.AdamW(obs.parameters(), lr=lr, weight_decay=1e-4)
    per_epoch = max(1, len(train) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=epochs * per_epoch)
    deadline = time.time() + max_minutes * 60 if max_minutes else math.inf
    gen = torch.Generator().manual_seed(seed)
    log = []
    for epoch in progress_bar(range(epochs), desc="observer", enabled=progress):
        obs.train()
        perm = torch.randperm(len(train), generator=gen).to(device)
        total = 0.0
        for i in range(per_epoch):
            idx = perm[i * batch_size:(i + 1) * batch_size]
            x, _ = train.batch(idx)
            loss = F.mse_loss(obs(x), factor_targets(train.factors[idx]))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach())
        log.append({"epoch": epoch + 1, "train_mse": total / per_epoch})
        if time.time() > deadline:
            break
    obs.eval()
    return obs, {"mse": observer_mse(obs, test), "log": log}


def save_observer(obs: Observer, folder, info: dict) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.cpu() for k, v in obs.state_dict().items()}, folder / "observer.pt")
    meta = {"image_size": obs.image_size, "width": obs.width, "targets": target_names(), **info}
    (folder / "observer.json").write_text(json.dumps(meta, indent=2) + "\n")


def load_observer(folder, device="cpu") -> tuple[Observer, dict]:
    folder = Path(folder)
    if not (folder / "observer.pt").is_file() or not (folder / "observer.json").is_file():
        raise FileNotFoundError(f"no observer (observer.pt, observer.json) in {folder}")
    meta = json.loads((folder / "observer.json").read_text())
    obs = Observer(meta["image_size"], meta["width"])
    obs.load_state_dict(torch.load(folder / "observer.pt", map_location="cpu", weights_only=True))
    return obs.to(device).eval(), meta


@torch.no_grad()
def counterfactual_changes(model, observer: Observer, images: torch.Tensor, span, *,
                           steps: int = 11, batch: int = 50, search_steps: int = 16,
                           max_clipped: float = 0.01) -> dict:
    """Observer-read factors along counterfactual interpolations from ``span[0]`` to ``span[1]``.

    The images are the ones a participant would see (clamped, 8 bit), with alpha searched so that
    each reaches its target logit (``search_steps`` corrections at most; 0: closed-form alpha).

    Returns ``{"targets": [steps], "curves": {factor: [N, steps]}, "max_change": {factor:
    (mean, std)}, "max_change_clean": {factor: (mean, std)}, "clean_rows", "search_steps",
    "target_within_1pct"}`` where max change is max - min of the observed value along each row;
    the ``_clean`` figures use only the rows in which no image had more than ``max_clipped`` of
    its pixel values clamped (the rule the INN explainer shows rows by: artefacts are read by
    the observer as arbitrary factor changes); the last is the share of images whose logit is
    within 1% of the span of its target.
    """
    from .counterfactual import counterfactual

    targets = torch.linspace(float(span[0]), float(span[1]), steps)
    curves: dict[str, list] = {}
    misses, clipped = [], []
    for start in range(0, images.shape[0], batch):
        x = images[start:start + batch]
        res = counterfactual(model, x, targets.expand(x.shape[0], steps),
                             search_steps=search_steps,
                             tol=1e-3 * abs(float(span[1]) - float(span[0])), quantize=True)
        misses.append((res.achieved_logits.cpu() - targets).abs())
        clipped.append(res.clipped.cpu())
        pred = observer(res.images.flatten(0, 1).to(next(observer.parameters()).device))
        for name, vals in predictions_to_factors(pred).items():
            curves.setdefault(name, []).append(vals.view(x.shape[0], steps).cpu())
    curves = {k: torch.cat(v).numpy() for k, v in curves.items()}
    clean = (torch.cat(clipped).amax(dim=1) <= max_clipped).numpy()
    max_change, max_change_clean = {}, {}
    for k, v in curves.items():
        if k == "yaw":  # circular: shortest arc between extremes of the angle along the row
            diff = np.abs(v[:, :, None] - v[:, None, :])
            rng = np.minimum(diff, 1 - diff).max(axis=(1, 2))
        else:
            rng = v.max(1) - v.min(1)
        max_change[k] = (float(rng.mean()), float(rng.std()))
        max_change_clean[k] = ((float(rng[clean].mean()), float(rng[clean].std()))
                               if clean.any() else (float("nan"), float("nan")))
    miss = torch.cat(misses) / abs(float(span[1]) - float(span[0]))
    return {"targets": targets.numpy(), "curves": curves, "max_change": max_change,
            "max_change_clean": max_change_clean, "clean_rows": int(clean.sum()), "clean": clean,
            "max_clipped": max_clipped, "search_steps": search_steps,
            "target_within_1pct": float((miss < 0.01).float().mean())}


def main(argv=None) -> int:
    import argparse

    from .training_data import render_set

    p = argparse.ArgumentParser(description="Train the observer on unbiased scenes.")
    p.add_argument("--out", required=True)
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--train", type=int, default=30000)
    p.add_argument("--test", type=int, default=2000)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--max-minutes", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=2e-3, help="peak of the one-cycle schedule")
    p.add_argument("--init", help="an observer folder whose weights start the run (fine-tuning)")
    p.add_argument("--device", default="cpu")
    a = p.parse_args(argv)
    init, parent = load_observer(a.init) if a.init else (None, None)
    if init is not None and init.image_size != a.image_size:
        p.error(f"--init observer reads {init.image_size}px images, not --image-size {a.image_size}")
    kw = dict(image_size=a.image_size, device=a.device)
    train = render_set("unbiased", a.train, seed=a.seed + 7, desc="observer train", **kw)
    test = render_set("unbiased", a.test, seed=a.seed + 8, desc="observer test", **kw)
    obs, info = train_observer(train, test, image_size=a.image_size, epochs=a.epochs,
                               lr=a.lr, max_minutes=a.max_minutes, seed=a.seed, init=init)
    from explainers.synthetic import code_version

    info.update(train_size=a.train, test_size=a.test, sampler="unbiased", seed=a.seed,
                epochs=a.epochs, lr=a.lr, generator_version=code_version())
    if init is not None:
        from .checkpoint import sha256_file

        info["init_from"] = {"path": a.init, "mse": parent.get("mse"),
                             "train_size": parent.get("train_size"),
                             "sha256": sha256_file(Path(a.init) / "observer.pt")}
    save_observer(obs, a.out, info)
    print(json.dumps(info["mse"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
