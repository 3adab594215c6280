"""Training data: scenes from the synthetic generator, rendered once into uint8 tensors.

The data are fully determined by the recipe (sampler, its keyword arguments, seed, sizes, image
size, generator code version); the manifest records the recipe and a hash of the sampled scene
parameters, so the same recipe always gives the same ``hash``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

import torch

from .progress import progress_bar


@dataclasses.dataclass
class RenderedSet:
    images: torch.Tensor  # uint8 [N, 3, H, W]
    labels: torch.Tensor  # float [N]
    factors: torch.Tensor  # float [N, len(FACTORS)]

    def __len__(self) -> int:
        return self.labels.shape[0]

    def batch(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.images[idx].float() / 255.0, self.labels[idx]


def factor_matrix(batch) -> torch.Tensor:
    from explainers.synthetic import FACTORS

    return torch.stack([getattr(batch, f).float() for f in FACTORS], 1)


@torch.no_grad()
def render_set(
    sampler_name: str,
    n: int,
    *,
    seed: int,
    image_size: int,
    device="cpu",
    sampler_kwargs: dict | None = None,
    chunk: int = 500,
    desc: str = "rendering",
) -> RenderedSet:
    """Sample ``n`` scenes with a seeded generator and render them at ``image_size``."""
    from explainers.synthetic import get_sampler, render

    sampler = get_sampler(sampler_name, **(sampler_kwargs or {}))
    gen = torch.Generator(device="cpu").manual_seed(seed)
    images, labels, factors = [], [], []
    for start in progress_bar(range(0, n, chunk), desc=desc):
        batch = sampler.sample(min(chunk, n - start), generator=gen, device=device)
        img = render(batch, size=image_size).images
        images.append((img.clamp(0, 1) * 255 + 0.5).to(torch.uint8))
        labels.append(batch.label.float().to(device))
        factors.append(factor_matrix(batch).to(device))
    return RenderedSet(torch.cat(images), torch.cat(labels), torch.cat(factors))


def scenes_hash(rendered: RenderedSet) -> str:
    data = torch.cat([rendered.factors, rendered.labels[:, None]], 1).double().cpu().numpy()
    return hashlib.sha256(data.round(6).tobytes()).hexdigest()


def build_training_data(train_cfg, image_size: int, device="cpu"):
    """Returns (train set, validation set, manifest dict with a ``hash``)."""
    from explainers.synthetic import code_version

    common = dict(image_size=image_size, device=device, sampler_kwargs=train_cfg.sampler_kwargs)
    train = render_set(
        train_cfg.sampler, train_cfg.train_size, seed=train_cfg.data_seed, desc="train data",
        **common,
    )
    val = render_set(
        train_cfg.sampler, train_cfg.val_size, seed=train_cfg.data_seed + 1_000_003,
        desc="validation data", **common,
    )
    manifest = {
        "source": "generated",
        "sampler": train_cfg.sampler,
        "sampler_kwargs": train_cfg.sampler_kwargs,
        "seed": train_cfg.data_seed,
        "val_seed": train_cfg.data_seed + 1_000_003,
        "train_size": train_cfg.train_size,
        "val_size": train_cfg.val_size,
        "image_size": image_size,
        "generator_version": code_version(),
        "train_scenes_sha256": scenes_hash(train),
        "val_scenes_sha256": scenes_hash(val),
        "label_balance": float(train.labels.mean()),
    }
    manifest["hash"] = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    return train, val, manifest
