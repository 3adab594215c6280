"""Render kind ``trial_images``: the images of a generated 2AFC block (torch side, no Django).

A generated block (``generate: {source: synthetic, ...}`` in a trial block) shows Peeky
references on the left, Stretchy references on the right and asks which of two animals is a
Stretchy. Its images are one published stimulus: row 0 holds clear-cut Peekies, row 1
clear-cut Stretchies; columns ``0..references-1`` are the references, column ``references + i``
the two animals of trial ``i`` (:func:`cell`). Which trial shows which column is the study
server's business (``studies.trial_lists``).

``inputs`` = ``{"seed", "references", "trials", "size"}``: the study seed, the references per
class, the number of trials and the image size; the generator's code version is part of the key.
"""

from __future__ import annotations

import hashlib

from explainers.prerender import canonical_json, publish
from explainers.render_kinds import register

PEEKY, STRETCHY = 0, 1
INPUTS = ("seed", "references", "trials", "size")


def inputs_of(seed: int, *, references: int, trials: int, size: int) -> dict:
    return {"seed": int(seed), "references": int(references), "trials": int(trials),
            "size": int(size)}


def cell(row: int, *, reference: int | None = None, trial: int | None = None,
         references: int) -> tuple[int, int]:
    """(row, col) of reference image ``reference`` or of trial ``trial``'s animal in ``row``."""
    return (row, reference) if trial is None else (row, references + trial)


class TrialImages:
    name = "trial_images"
    version = "1"

    def key(self, inputs: dict) -> str:
        from explainers.synthetic import code_version

        _check(inputs)
        payload = {"kind": self.name, "version": self.version, "generator": code_version(),
                   "inputs": {k: int(inputs[k]) for k in INPUTS}}
        return hashlib.sha256(canonical_json(payload).encode()).hexdigest()

    def render(self, inputs: dict, *, root, device: str = "cpu") -> dict:
        _check(inputs)
        header = {"kind": self.name, "version": self.version,
                  "inputs": {k: int(inputs[k]) for k in INPUTS}}
        return publish(root, self.key(inputs), lambda: _draw(inputs), header)


def _check(inputs: dict) -> None:
    if not isinstance(inputs, dict) or set(inputs) != set(INPUTS):
        raise ValueError(f"trial_images needs inputs {list(INPUTS)}, got {inputs!r}")
    bad = [k for k in INPUTS if isinstance(inputs[k], bool) or not isinstance(inputs[k], int)]
    if bad:
        raise ValueError(f"trial_images inputs {bad} must be integers")


def _draw(inputs: dict):
    """A 2-row :class:`~explainers.plugins.base.Stimulus`: clear Peekies, clear Stretchies."""
    import pandas as pd
    import torch

    from explainers import synthetic
    from explainers.plugins.base import Cell, Stimulus

    n = inputs["references"] + inputs["trials"]
    g = torch.Generator().manual_seed(inputs["seed"])
    frame = synthetic.UnbiasedSampler().sample(8 * 2 * n, generator=g).to_frame()
    peeky = frame[(frame["label"] == 0) & (frame["legs_position"] < 0.4)].head(n)
    stretchy = frame[(frame["label"] == 1) & (frame["legs_position"] > 0.6)].head(n)
    if len(peeky) < n or len(stretchy) < n:
        raise RuntimeError("not enough clear-cut scenes drawn; use fewer trials")
    chosen = pd.concat([peeky, stretchy]).reset_index(drop=True)
    batch = synthetic.SceneBatch.from_frame(chosen)
    pixels = (synthetic.render(batch, size=inputs["size"]).images.clamp(0, 1) * 255).round()
    arrays = pixels.to(torch.uint8).permute(0, 2, 3, 1).numpy()
    scenes = chosen.drop(columns=["label"]).to_dict("records")
    rows = [[Cell(arrays[r * n + c], scene={k: float(v) for k, v in scenes[r * n + c].items()})
             for c in range(n)] for r in (PEEKY, STRETCHY)]
    refs = inputs["references"]
    cols = [f"ref {k + 1}" for k in range(refs)] + [f"t{i + 1}" for i in range(inputs["trials"])]
    return Stimulus(rows, ["Peeky", "Stretchy"], cols, meta={"kind": "trial_images"})


register(TrialImages())
