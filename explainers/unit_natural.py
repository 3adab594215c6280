"""Render kind ``unit_natural``: the natural query and reference images of one CNN unit for
every participant batch (Borowski et al. 2021, appendix A.1.2, Fig. 9), published through the
one stimulus pipeline (no Django).

The unit's most / least activating images of a Two4Two source (one batched pass, cached index,
:class:`explainers.feature_vis.ActivationIndex`) are drawn into ``n_batches`` disjoint batches
by :func:`explainers.feature_vis.natural_batches`. Row ``2 b`` holds batch ``b``'s maximally
activating images, row ``2 b + 1`` its minimally activating ones; column 0 is the batch's query
image (from the most extreme bin), columns ``1..n_references`` its references. Each cell's
``extra`` records the unit's activation and the source id of the image.

``inputs`` (all required): ``bundle``, ``bundle_hash``, ``layer``, ``unit``, ``n_references``,
``n_batches``, ``size`` (px of the source images; the network sees them resized to its input
size), ``seed`` (shuffles the bins), ``source_n``, ``source_seed``.
"""

from __future__ import annotations

from pathlib import Path

from explainers.prerender import publish
from explainers.render_kinds import register
from explainers.unit_inputs import checked, key_of, load_checked_model

INPUTS = {"bundle": str, "bundle_hash": str, "layer": str, "unit": int, "n_references": int,
          "n_batches": int, "size": int, "seed": int, "source_n": int, "source_seed": int}


def cell(batch: int, direction: str, position: int) -> tuple[int, int]:
    """(row, col) of batch ``batch``'s image: ``position`` 0 is the query, 1.. the references."""
    return 2 * batch + (0 if direction == "max" else 1), position


class UnitNatural:
    name = "unit_natural"
    version = "1"

    def key(self, inputs: dict) -> str:
        return key_of(self.name, self.version, _valid(inputs), uses_generator=True)

    def render(self, inputs: dict, *, root, device: str = "cpu") -> dict:
        inputs = _valid(inputs)
        header = {"kind": self.name, "version": self.version, "inputs": inputs}
        return publish(root, self.key(inputs), lambda: _draw(inputs, root, device), header)


def _valid(inputs: dict) -> dict:
    inputs = checked(UnitNatural.name, INPUTS, inputs)
    needed = 2 * (inputs["n_references"] + 1) * inputs["n_batches"]
    if inputs["n_references"] < 1 or inputs["n_batches"] < 1 or needed > inputs["source_n"]:
        raise ValueError(f"unit_natural: {inputs['n_batches']} batches of "
                         f"{inputs['n_references']} references and a query, max and min, need "
                         f"{needed} source images; source_n is {inputs['source_n']}")
    return inputs


def _draw(inputs: dict, root, device: str):
    import torch

    from explainers.feature_vis import ActivationIndex, Two4TwoScenes, natural_batches
    from explainers.plugins.base import Cell, Stimulus
    from explainers.synthetic.sheets import to_uint8

    model = load_checked_model(inputs, device)
    source = Two4TwoScenes(n=inputs["source_n"], seed=inputs["source_seed"], size=inputs["size"])
    index = ActivationIndex.build(model, source, [inputs["layer"]],
                                  cache_dir=Path(root) / ".activations", forward=model.logit,
                                  input_size=model.info.image_size)
    values = index.values(inputs["layer"], inputs["unit"])
    rows, labels = [], []
    drawn = {d: natural_batches(values, direction=d, n_references=inputs["n_references"],
                                n_batches=inputs["n_batches"], seed=inputs["seed"])
             for d in ("max", "min")}
    for b in range(inputs["n_batches"]):
        for direction in ("max", "min"):
            batch = drawn[direction][b]
            chosen = [batch.query, *batch.references]
            with torch.no_grad():
                pixels = to_uint8(source.images(chosen))
            rows.append([Cell(p, extra={"activation": float(values[i]),
                                        "source_id": index.ids[i]})
                         for p, i in zip(pixels, chosen, strict=True)])
            labels.append(f"batch {b} natural {direction}")
    cols = ["query"] + [f"ref {k + 1}" for k in range(inputs["n_references"])]
    return Stimulus(rows, labels, cols, meta={"kind": "unit_natural", "layer": inputs["layer"],
                                              "unit": inputs["unit"]})


register(UnitNatural())
