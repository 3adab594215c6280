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
    progress: bool = True,
) -> RenderedSet:
    """Sample ``n`` scenes with a seeded CPU generator (the same scenes on every device) and
    render them at ``image_size`` on ``device``."""
    from explainers.synthetic import get_sampler, render

    sampler = get_sampler(sampler_name, **(sampler_kwargs or {}))
    gen = torch.Generator().manual_seed(seed)
    images, labels, factors = [], [], []
    for start in progress_bar(range(0, n, chunk), desc=desc, enabled=progress):
        batch = sampler.sample(min(chunk, n - start), generator=gen).to(device)
        img = render(batch, size=image_size).images
        images.append((img.clamp(0, 1) * 255 + 0.5).to(torch.uint8))
        labels.append(batch.label.float().to(device))
        factors.append(factor_matrix(batch).to(device))
    return RenderedSet(torch.cat(images), torch.cat(labels), torch.cat(factors))


def load_dataset_dir(path, image_size: int, device="cpu") -> tuple[RenderedSet, dict]:
    """A folder written by ``manage.py make_dataset`` (PNGs, params.csv, manifest.json),
    resized to ``image_size`` with antialiasing when its images are larger."""
    import numpy as np
    from PIL import Image
    from torch.nn import functional as F

    from explainers.synthetic.io import read_dataset

    scenes, files, manifest = read_dataset(path)
    arrays = [np.asarray(Image.open(f).convert("RGB")) for f in progress_bar(files, desc="png")]
    images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()
    if images.shape[-1] != image_size:
        if images.shape[-1] < image_size:
            raise ValueError(f"dataset images are {images.shape[-1]}px, the model needs "
                             f"{image_size}px; render the dataset at >= {image_size}px")
        small = F.interpolate(images.float(), size=(image_size, image_size), mode="bilinear",
                              antialias=True, align_corners=False)
        images = small.round().clamp(0, 255).to(torch.uint8)
    data = RenderedSet(images.to(device), scenes.label.float().to(device),
                       factor_matrix(scenes).to(device))
    return data, manifest


def scenes_hash(rendered: RenderedSet) -> str:
    data = torch.cat([rendered.factors, rendered.labels[:, None]], 1).double().cpu().numpy()
    return hashlib.sha256(data.round(6).tobytes()).hexdigest()


class EpochSource:
    """Batches of a fixed rendered set, shuffled per epoch (deterministic for resuming)."""

    def __init__(self, data: RenderedSet, batch_size: int, seed: int):
        self.data, self.batch_size, self.seed = data, batch_size, seed
        self.per_epoch = max(1, len(data) // batch_size)

    def get(self, step: int):
        epoch, pos = divmod(step, self.per_epoch)
        gen = torch.Generator().manual_seed(self.seed * 7919 + epoch)
        perm = torch.randperm(len(self.data), generator=gen)
        idx = perm[pos * self.batch_size:(pos + 1) * self.batch_size]
        return self.data.batch(idx.to(self.data.labels.device))


class StreamSource:
    """Fresh scenes for every step, rendered on the fly from a generator seeded by the step."""

    def __init__(self, sampler_name: str, sampler_kwargs: dict, batch_size: int, seed: int,
                 image_size: int, device):
        from explainers.synthetic import get_sampler

        self.sampler = get_sampler(sampler_name, **(sampler_kwargs or {}))
        self.batch_size, self.seed, self.image_size = batch_size, seed, image_size
        self.device = torch.device(device)
        self.per_epoch = 1000

    @torch.no_grad()
    def get(self, step: int):
        from explainers.synthetic import render

        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + step)
        batch = self.sampler.sample(self.batch_size, generator=gen).to(self.device)
        images = render(batch, size=self.image_size).images.clamp(0, 1)
        return (images * 255 + 0.5).floor() / 255, batch.label.float()


def build_training_data(train_cfg, image_size: int, device="cpu"):
    """Returns (batch source, validation set, manifest dict with a ``hash``).

    ``dataset_dir``: a ``make_dataset`` folder; else ``train_size`` > 0: a fixed set rendered
    once; 0: fresh scenes every step (stream). Validation scenes are always generated.
    """
    from explainers.synthetic import code_version

    common = dict(image_size=image_size, device=device, sampler_kwargs=train_cfg.sampler_kwargs)
    if train_cfg.dataset_dir:
        train, folder = load_dataset_dir(train_cfg.dataset_dir, image_size, device)
        source = EpochSource(train, train_cfg.batch_size, train_cfg.seed)
        train_info = {"source": "dataset_dir", "dataset_dir": str(train_cfg.dataset_dir),
                      "dataset_content_hash": folder.get("content_hash", ""),
                      "dataset_manifest": folder, "train_scenes_sha256": scenes_hash(train),
                      "n_images": len(train)}
    elif train_cfg.train_size > 0:
        train = render_set(
            train_cfg.sampler, train_cfg.train_size, seed=train_cfg.data_seed,
            desc="train data", **common,
        )
        source = EpochSource(train, train_cfg.batch_size, train_cfg.seed)
        train_info = {"source": "generated", "train_scenes_sha256": scenes_hash(train),
                      "label_balance": float(train.labels.mean())}
    else:
        source = StreamSource(train_cfg.sampler, train_cfg.sampler_kwargs, train_cfg.batch_size,
                              train_cfg.data_seed, image_size, device)
        train_info = {"source": "generated-stream",
                      "stream_rule": "step s renders batch_size scenes drawn from a CPU "
                                     "generator seeded with seed * 1000003 + s"}
    val = render_set(
        train_cfg.sampler, train_cfg.val_size, seed=train_cfg.data_seed + 1_000_003,
        desc="validation data", **common,
    )
    manifest = {
        **train_info,
        "sampler": train_cfg.sampler,
        "sampler_kwargs": train_cfg.sampler_kwargs,
        "seed": train_cfg.data_seed,
        "val_seed": train_cfg.data_seed + 1_000_003,
        "train_size": train_cfg.train_size,
        "batch_size": train_cfg.batch_size,
        "val_size": train_cfg.val_size,
        "image_size": image_size,
        "generator_version": code_version(),
        "scene_rng": "cpu",
        "val_scenes_sha256": scenes_hash(val),
    }
    manifest["hash"] = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    return source, val, manifest
