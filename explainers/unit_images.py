"""Render kind ``unit_images``: the reference and query images of one CNN unit for a
Borowski et al. (2021) 2AFC trial, published through the one stimulus pipeline (no Django).

One published stimulus per (model, layer, unit, batch): rows ``synthetic max``, ``synthetic
min`` (feature visualisations, :mod:`explainers.feature_vis`), ``natural max``, ``natural min``
(the unit's most / least activating images of a Two4Two source, drawn into per-participant
batches by :func:`~explainers.feature_vis.natural_batches`); ``n_references + 1`` columns. In
the natural rows column 0 is the batch's query image (from the most extreme bin) and columns
1..n its references; the synthetic rows hold ``n_references + 1`` jointly optimised images (the
paper generated 10 for its 9 references too, appendix A.1.2). Each cell's ``extra`` records the
unit's activation (and, for natural images, the source id).

``inputs`` (all required): ``bundle`` (model bundle folder), ``bundle_hash``, ``layer``,
``unit``, ``batch``, ``n_references``, ``n_batches``, ``steps``, ``diversity_weight``,
``seed``, ``source_n``, ``source_seed``.
"""

from __future__ import annotations

import hashlib

from explainers.prerender import canonical_json, publish
from explainers.render_kinds import register

INPUTS = {"bundle": str, "bundle_hash": str, "layer": str, "unit": int, "batch": int,
          "n_references": int, "n_batches": int, "steps": int, "diversity_weight": float,
          "seed": int, "source_n": int, "source_seed": int}
ROWS = ("synthetic max", "synthetic min", "natural max", "natural min")


def _check(inputs: dict) -> dict:
    if not isinstance(inputs, dict) or set(inputs) != set(INPUTS):
        raise ValueError(f"unit_images needs inputs {sorted(INPUTS)}, got {sorted(inputs or {})}")
    out = {}
    for name, kind in INPUTS.items():
        value = inputs[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) or not isinstance(value, kind):
            raise ValueError(f"unit_images input {name!r} must be {kind.__name__}, got {value!r}")
        out[name] = value
    if not 0 <= out["batch"] < out["n_batches"]:
        raise ValueError(f"unit_images batch must be 0..{out['n_batches'] - 1}, got {out['batch']}")
    return out


class UnitImages:
    name = "unit_images"
    version = "1"

    def key(self, inputs: dict) -> str:
        from explainers.synthetic import code_version

        inputs = _check(inputs)
        payload = {"kind": self.name, "version": self.version, "generator": code_version(),
                   "inputs": {k: v for k, v in inputs.items() if k != "bundle"}}
        return hashlib.sha256(canonical_json(payload).encode()).hexdigest()

    def render(self, inputs: dict, *, root, device: str = "cpu") -> dict:
        inputs = _check(inputs)
        header = {"kind": self.name, "version": self.version, "inputs": inputs}
        return publish(root, self.key(inputs), lambda: _draw(inputs, root, device), header)


def _draw(inputs: dict, root, device: str):
    from pathlib import Path

    import torch

    from explainers.feature_vis import (
        ActivationIndex,
        FeatureVisualization,
        Recipe,
        Two4TwoScenes,
        natural_batches,
    )
    from explainers.models.model_registry import load_model
    from explainers.plugins.base import Cell, Stimulus
    from explainers.synthetic.sheets import to_uint8

    model = load_model(inputs["bundle"], device=device)
    if model.bundle_hash != inputs["bundle_hash"]:
        raise ValueError(f"bundle {inputs['bundle']} has hash {model.bundle_hash}, the inputs "
                         f"name {inputs['bundle_hash']}")
    size, n = model.info.image_size, inputs["n_references"] + 1
    layer, unit = inputs["layer"], inputs["unit"]
    source = Two4TwoScenes(n=inputs["source_n"], seed=inputs["source_seed"], size=size)
    index = ActivationIndex.build(model, source, [layer], cache_dir=Path(root) / ".activations",
                                  forward=model.logit, input_size=size)
    values = index.values(layer, unit)
    vis = FeatureVisualization(model, layer, forward=model.logit, input_size=size)
    recipe = Recipe.for_size(size, steps=inputs["steps"], n_images=n,
                             diversity_weight=inputs["diversity_weight"])
    rows = []
    for direction in ("max", "min"):
        result = vis.visualize(unit, direction=direction, recipe=recipe, seed=inputs["seed"])
        rows.append([Cell(pixels, extra={"activation": float(a)}) for pixels, a in
                     zip(to_uint8(result.images), result.activations.tolist(), strict=True)])
    for direction in ("max", "min"):
        batch = natural_batches(values, direction=direction, n_references=inputs["n_references"],
                                n_batches=inputs["n_batches"], seed=inputs["seed"])
        chosen = [batch[inputs["batch"]].query, *batch[inputs["batch"]].references]
        with torch.no_grad():
            pixels = to_uint8(source.images(chosen))
        rows.append([Cell(p, extra={"activation": float(values[i]), "source_id": index.ids[i]})
                     for p, i in zip(pixels, chosen, strict=True)])
    cols = ["query / extra"] + [f"ref {k + 1}" for k in range(inputs["n_references"])]
    return Stimulus(rows, list(ROWS), cols,
                    meta={"kind": "unit_images", "layer": layer, "unit": unit})


register(UnitImages())
