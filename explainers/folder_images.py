"""Render kind ``folder_images``: chosen images of an image folder as one published stimulus
(torch side, no Django): the images of a 2AFC block drawn from the folder's CSV
(``generate: {source: image_folder, ...}``, ``studies.folder_trials``).

``inputs`` = ``{"images", "hash", "rows", "row_labels"}``: the image source's options
(``ImageSource.to_dict()``, absolute paths, with its ``size``), the source's content hash
(``ImageFolder.hash``: the images' bytes, labels and attributes), the file names per row and
the rows' labels, and optionally ``"model"``: ``{"checkpoint", "hash", "class_names"}`` (a
model bundle's folder, its hash as shown under those class names,
``explainers.models.relabelled``), for a page whose answer key is the model's prediction
(``key: model`` of an ``image_choice`` step, ``studies.image_choice``). The key hashes everything but the folder's path (content, not location): a
changed image or CSV row gives another key. Rendering refuses a folder whose hash is no longer
the planned one. Each cell's ``scene`` holds the image's CSV row (``image``, ``label`` and the
attributes); with a ``model``, also ``model`` (the class the model predicts for the image as
it sees it, at its input size) and ``model_logit`` (the logit, ``class_names[0]`` below 0): the
model's output is computed here, at render time, so the study server reads it from the
manifest and holds no model.
"""

from __future__ import annotations

import hashlib

from explainers.prerender import canonical_json, publish
from explainers.render_kinds import register

INPUTS = ("images", "hash", "rows", "row_labels")
MODEL = ("checkpoint", "hash", "class_names")


def inputs_of(source, rows: list[list[str]], row_labels: list[str], *,
              model: dict | None = None) -> dict:
    out = {"images": source.to_dict(), "hash": source.hash,
           "rows": [list(r) for r in rows], "row_labels": list(row_labels)}
    if model is not None:
        out["model"] = {"checkpoint": str(model["checkpoint"]), "hash": model["hash"],
                        "class_names": list(model["class_names"])}
    return out


class FolderImages:
    name = "folder_images"
    version = "1"

    def key(self, inputs: dict) -> str:
        _check(inputs)
        payload = {"kind": self.name, "version": self.version, "hash": inputs["hash"],
                   "size": inputs["images"].get("size"), "rows": inputs["rows"],
                   "row_labels": inputs["row_labels"]}
        if "model" in inputs:  # the model by its hash, not its folder (keys without stay)
            payload["model"] = {"hash": inputs["model"]["hash"],
                                "class_names": inputs["model"]["class_names"]}
        return hashlib.sha256(canonical_json(payload).encode()).hexdigest()

    def render(self, inputs: dict, *, root, device: str = "cpu") -> dict:
        _check(inputs)
        header = {"kind": self.name, "version": self.version, "inputs": inputs}
        return publish(root, self.key(inputs), lambda: _draw(inputs), header)


def _check(inputs: dict) -> None:
    if not isinstance(inputs, dict) or set(inputs) - {"model"} != set(INPUTS):
        raise ValueError(f"folder_images needs inputs {list(INPUTS)} (and optionally 'model'), "
                         f"got {inputs!r}")
    if "model" in inputs and (not isinstance(inputs["model"], dict)
                              or set(inputs["model"]) != set(MODEL)):
        raise ValueError(f"folder_images' model needs {list(MODEL)}, got {inputs['model']!r}")
    rows = inputs["rows"]
    if not isinstance(rows, list) or not rows or not all(
            isinstance(r, list) and r and len(r) == len(rows[0]) for r in rows):
        raise ValueError("folder_images rows must be equally long non-empty lists of names")
    if len(inputs["row_labels"]) != len(rows):
        raise ValueError("folder_images needs one row label per row")


def _draw(inputs: dict):
    from explainers.image_sources import image_source
    from explainers.plugins.base import Cell, Stimulus

    source = image_source(inputs["images"])
    if source.hash != inputs["hash"]:
        raise ValueError(f"image folder {source.settings.get('folder')} changed since the trials "
                         "were planned (its images or CSV differ); plan them again")
    table = source.table
    index = {name: i for i, name in enumerate(source.ids)}
    missing = [n for r in inputs["rows"] for n in r if n not in index]
    if missing:
        raise ValueError(f"image folder has no images {missing[:5]}")
    said = _predictions(inputs, index) if "model" in inputs else {}
    rows = []
    for names in inputs["rows"]:
        pixels = source._uint8([index[n] for n in names])
        rows.append([Cell(pixels[k], scene={**{c: _plain(v) for c, v in
                                               table.iloc[index[n]].items()}, **said.get(n, {})})
                     for k, n in enumerate(names)])
    cols = [f"image {k + 1}" for k in range(len(rows[0]))]
    meta = {"kind": "folder_images"}
    if "model" in inputs:
        meta["model"] = {"hash": inputs["model"]["hash"],
                         "class_names": inputs["model"]["class_names"]}
    return Stimulus(rows, list(inputs["row_labels"]), cols, meta=meta)


def _predictions(inputs: dict, index: dict) -> dict[str, dict]:
    """Per shown image name: ``model`` (the predicted class) and ``model_logit``, from the
    model at its own input size (the images as it sees them, not as the page shows them)."""
    import torch

    from explainers.image_sources import image_source
    from explainers.models.model_registry import load_model
    from explainers.models.relabelled import Relabelled
    from explainers.validation_data import Pool

    spec = inputs["model"]
    model = load_model(spec["checkpoint"])
    names = tuple(spec["class_names"])
    if names != tuple(model.class_names):
        model = Relabelled(model, names)
    if model.bundle_hash != spec["hash"]:
        raise ValueError(f"model bundle {spec['checkpoint']} changed since the images were "
                         f"planned (hash {model.bundle_hash[:12]}..., planned "
                         f"{spec['hash'][:12]}...); plan them again")
    seen = image_source({**inputs["images"], "size": model.info.image_size})
    shown = sorted({n for r in inputs["rows"] for n in r})
    pixels = torch.from_numpy(seen._uint8([index[n] for n in shown])).permute(0, 3, 1, 2)
    pool = Pool(pixels.contiguous(), seen.table.iloc[[index[n] for n in shown]])
    logits = pool.logits(model)
    return {n: {"model": names[int(logit > 0)], "model_logit": float(logit)}
            for n, logit in zip(shown, logits, strict=True)}


def _plain(value):
    value = value.item() if hasattr(value, "item") else value
    return value if isinstance(value, str) else float(value)


register(FolderImages())
