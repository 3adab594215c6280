"""Write each unit's feature visualisations (max and min) and natural exemplars as PNGs.

Layout of ``out``::

    <layer>/unit_<u>/synthetic_max_0.png ... synthetic_min_<n-1>.png
    <layer>/unit_<u>/natural_max_0.png ...   natural_min_<k-1>.png   (most / least first)
    <layer>/unit_<u>/unit.json    activations of every image, exemplar ids, recipe, seed
    manifest.json                 model, layer, units, source, recipe (written last)

Used by ``manage.py visualize_units`` and the docs' picture sheet; nothing here imports Django.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from torch import nn

from .exemplars import ActivationIndex, Exemplars, natural_exemplars
from .recipe import Recipe
from .visualize import FeatureVisualization, Visualization


@dataclasses.dataclass(frozen=True)
class UnitPictures:
    """Everything shown for one unit: synthetic and natural images, max and min."""

    layer: str
    unit: int
    synthetic_max: Visualization
    synthetic_min: Visualization
    natural: Exemplars
    natural_max_images: torch.Tensor
    natural_min_images: torch.Tensor
    seconds: float  # optimisation time of the synthetic images (max and min)


def _save_png(images: torch.Tensor, folder: Path, prefix: str) -> list[str]:
    from PIL import Image

    from explainers.synthetic.sheets import to_uint8

    names = []
    for i, pixels in enumerate(to_uint8(images)):
        name = f"{prefix}_{i}.png"
        Image.fromarray(pixels).save(folder / name)
        names.append(name)
    return names


def unit_pictures(
    vis: FeatureVisualization,
    index: ActivationIndex,
    source,
    unit: int,
    *,
    recipe: Recipe,
    seed: int = 0,
    k: int | None = None,
) -> UnitPictures:
    k = recipe.n_images if k is None else k
    started = time.perf_counter()
    high = vis.visualize(unit, direction="max", recipe=recipe, seed=seed)
    low = vis.visualize(unit, direction="min", recipe=recipe, seed=seed)
    seconds = time.perf_counter() - started
    natural = natural_exemplars(index, vis.layer, unit, k=k)
    return UnitPictures(
        layer=vis.layer, unit=unit, synthetic_max=high, synthetic_min=low, natural=natural,
        natural_max_images=source.images(natural.max_indices),
        natural_min_images=source.images(natural.min_indices), seconds=seconds,
    )


def write_unit(pictures: UnitPictures, folder: Path, ids: Sequence[str]) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    p, ex = pictures, pictures.natural
    record = {
        "layer": p.layer, "unit": p.unit, "seconds": round(p.seconds, 2),
        "synthetic_max": {"files": _save_png(p.synthetic_max.images, folder, "synthetic_max"),
                          "activations": p.synthetic_max.activations.tolist()},
        "synthetic_min": {"files": _save_png(p.synthetic_min.images, folder, "synthetic_min"),
                          "activations": p.synthetic_min.activations.tolist()},
        "natural_max": {"files": _save_png(p.natural_max_images, folder, "natural_max"),
                        "ids": [ids[i] for i in ex.max_indices], "activations": ex.max_values},
        "natural_min": {"files": _save_png(p.natural_min_images, folder, "natural_min"),
                        "ids": [ids[i] for i in ex.min_indices], "activations": ex.min_values},
        "recipe": p.synthetic_max.recipe.describe(), "seed": p.synthetic_max.seed,
    }
    (folder / "unit.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def visualize_units(
    model: nn.Module,
    layer: str,
    units: Sequence[int],
    source,
    out: Path | str,
    *,
    recipe: Recipe,
    seed: int = 0,
    forward: Callable[[torch.Tensor], object] | None = None,
    input_size: int | None = None,
    cache_dir: Path | str | None = None,
    describe: dict | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[UnitPictures]:
    """Visualise ``units`` of ``layer`` and write them below ``out`` (see the module doc)."""
    out = Path(out)
    vis = FeatureVisualization(model, layer, forward=forward, input_size=input_size)
    index = ActivationIndex.build(model, source, [layer], cache_dir=cache_dir, forward=forward,
                                  input_size=input_size)
    results, records = [], []
    for unit in units:
        pictures = unit_pictures(vis, index, source, unit, recipe=recipe, seed=seed)
        records.append(write_unit(pictures, out / layer / f"unit_{unit}", index.ids))
        results.append(pictures)
        if progress:
            progress(f"{layer} unit {unit}: {pictures.seconds:.1f} s")
    manifest = {"model": describe or {}, "layer": layer, "units": list(units),
                "source": {"key": source.key, "n": len(index.ids)},
                "index": str(index.path) if index.path else None,
                "recipe": recipe.describe(), "seed": seed,
                "seconds_per_unit": [r["seconds"] for r in records]}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return results
