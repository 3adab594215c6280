"""Render kind ``unit_synthetic``: the feature visualisations of one CNN unit (Olah et al. 2017
as Borowski et al. 2021 ran it, :mod:`explainers.feature_vis`), published through the one
stimulus pipeline (no Django).

One stimulus per (model, layer, unit, recipe): row 0 ``synthetic max``, row 1 ``synthetic min``,
``n_images`` columns each (optimised jointly, with the diversity term when ``n_images > 1``).
They are the same for every participant, so they are rendered once per unit, not per batch.
Each cell's ``extra`` holds the unit's activation for the image as shown.

``inputs`` (all required): ``bundle`` (model bundle folder), ``bundle_hash``, ``layer``,
``unit``, ``n_images``, ``steps``, ``size`` (px of the optimised image; the network sees it
resized to its input size), ``diversity_weight``, ``seed``.
"""

from __future__ import annotations

from explainers.prerender import publish
from explainers.render_kinds import register
from explainers.unit_inputs import checked, key_of, load_checked_model

INPUTS = {"bundle": str, "bundle_hash": str, "layer": str, "unit": int, "n_images": int,
          "steps": int, "size": int, "diversity_weight": float, "seed": int}
ROWS = ("synthetic max", "synthetic min")


class UnitSynthetic:
    name = "unit_synthetic"
    version = "2"  # 2: the key no longer holds the generator's code, which it never runs

    def key(self, inputs: dict) -> str:
        return key_of(self.name, self.version, checked(self.name, INPUTS, inputs),
                      uses_generator=False)

    def render(self, inputs: dict, *, root, device: str = "cpu") -> dict:
        inputs = checked(self.name, INPUTS, inputs)
        header = {"kind": self.name, "version": self.version, "inputs": inputs}
        return publish(root, self.key(inputs), lambda: _draw(inputs, device), header)


def _draw(inputs: dict, device: str):
    from explainers.feature_vis import FeatureVisualization, Recipe
    from explainers.plugins.base import Cell, Stimulus
    from explainers.synthetic.sheets import to_uint8

    model = load_checked_model(inputs, device)
    vis = FeatureVisualization(model, inputs["layer"], forward=model.logit,
                               input_size=model.info.image_size)
    recipe = Recipe.for_size(inputs["size"], steps=inputs["steps"], n_images=inputs["n_images"],
                             diversity_weight=inputs["diversity_weight"])
    rows = []
    for direction in ("max", "min"):
        result = vis.visualize(inputs["unit"], direction=direction, recipe=recipe,
                               seed=inputs["seed"])
        rows.append([Cell(pixels, extra={"activation": float(a)}) for pixels, a in
                     zip(to_uint8(result.images), result.activations.tolist(), strict=True)])
    cols = [f"image {k + 1}" for k in range(inputs["n_images"])]
    return Stimulus(rows, list(ROWS), cols, meta={"kind": "unit_synthetic",
                                                  "layer": inputs["layer"],
                                                  "unit": inputs["unit"],
                                                  "recipe": recipe.describe()})


register(UnitSynthetic())
