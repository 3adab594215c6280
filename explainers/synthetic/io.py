"""Write (and read back) a rendered dataset: PNGs, ``params.csv`` and ``manifest.json``.

Layout of ``DIR``::

    images/000000.png ...   one PNG per scene
    params.csv              file, every factor, label (one row per image, in order)
    manifest.json           sampler (name + parameters), seed, n, size, supersample,
                            generator code version, content hash; written last

The content hash is the SHA-256 over the bytes of ``params.csv`` followed by the SHA-256 digest
of every PNG in order. Scenes are always drawn on the CPU from
``torch.Generator().manual_seed(seed)``, so parameters are identical whatever device renders
them (pixels may differ by float rounding between CPU and GPU).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import torch

from .batch import SceneBatch
from .render import render
from .samplers import Sampler
from .sheets import to_uint8
from .version import code_version

OWN_ENTRIES = ("images", "params.csv", "manifest.json")


class DatasetError(ValueError):
    """Bad arguments for writing or reading a dataset."""


def _check_out_dir(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise DatasetError(f"{out} exists and is not a directory")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise DatasetError(f"{out} is not empty; choose another directory or pass force")
        for name in OWN_ENTRIES:
            path = out / name
            if path.is_dir():
                for child in path.iterdir():
                    child.unlink()
                path.rmdir()
            elif path.exists():
                path.unlink()


def _png_bytes(pixels) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def write_dataset(
    out,
    *,
    sampler: Sampler,
    n: int,
    seed: int = 0,
    size: int = 128,
    device="cpu",
    batch_size: int = 256,
    supersample: int = 2,
    force: bool = False,
    progress: bool = True,
) -> dict:
    """Sample ``n`` scenes, render them and write the dataset to ``out``; returns the manifest."""
    for label, value in (("n", n), ("size", size), ("batch_size", batch_size)):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise DatasetError(f"{label} must be a positive integer, got {value!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise DatasetError(f"seed must be a non-negative integer, got {seed!r}")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DatasetError("device cuda requested but torch sees no CUDA GPU")
    out = Path(out)
    _check_out_dir(out, force)
    (out / "images").mkdir(parents=True, exist_ok=True)

    scenes = sampler.sample(n, generator=torch.Generator().manual_seed(seed))
    files = [f"images/{i:06d}.png" for i in range(n)]
    digest_images = []
    from tqdm.auto import tqdm

    def save(item):
        name, image = item
        data = _png_bytes(image)
        (out / name).write_bytes(data)
        return hashlib.sha256(data).digest()

    # PNG encoding releases the GIL: encode a batch on a few threads while keeping file order
    workers = min(8, os.cpu_count() or 1)
    with (
        tqdm(total=n, desc="rendering", unit="img", disable=not progress) as bar,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        for start in range(0, n, batch_size):
            part = scenes[start : start + batch_size].to(device)
            pixels = to_uint8(render(part, size=size, supersample=supersample).images)
            digest_images += pool.map(
                save, zip(files[start : start + len(part)], pixels, strict=True)
            )
            bar.update(len(part))

    frame = scenes.to_frame()
    frame.insert(0, "file", files)
    frame.to_csv(out / "params.csv", index=False, float_format="%.9g")
    content = hashlib.sha256((out / "params.csv").read_bytes())
    for d in digest_images:
        content.update(d)
    manifest = {
        "sampler": sampler.describe(),
        "seed": seed,
        "n": n,
        "size": size,
        "supersample": supersample,
        "code_version": code_version(),
        "content_hash": content.hexdigest(),
        "device": device.type,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_dataset(path) -> tuple[SceneBatch, list[Path], dict]:
    """Scenes, image paths and manifest of a dataset written by :func:`write_dataset`."""
    import pandas as pd

    path = Path(path)
    manifest_path = path / "manifest.json"
    if not manifest_path.exists():
        raise DatasetError(
            f"{path} has no manifest.json (not a dataset, or writing did not finish)"
        )
    manifest = json.loads(manifest_path.read_text())
    frame = pd.read_csv(path / "params.csv")
    if "file" not in frame.columns:
        raise DatasetError(f"{path / 'params.csv'} lacks the column file")
    scenes = SceneBatch.from_frame(frame)
    return scenes, [path / f for f in frame["file"]], manifest
