"""Render kind ``folder_images``: chosen images of an image folder as one published stimulus
(torch side, no Django): the images of a 2AFC block drawn from the folder's CSV
(``generate: {source: image_folder, ...}``, ``studies.folder_trials``).

``inputs`` = ``{"images", "hash", "rows", "row_labels"}``: the image source's options
(``ImageSource.to_dict()``, absolute paths, with its ``size``), the source's content hash
(``ImageFolder.hash``: the images' bytes, labels and attributes), the file names per row and
the rows' labels. The key hashes everything but the folder's path (content, not location): a
changed image or CSV row gives another key. Rendering refuses a folder whose hash is no longer
the planned one. Each cell's ``scene`` holds the image's CSV row (``image``, ``label`` and the
attributes).
"""

from __future__ import annotations

import hashlib

from explainers.prerender import canonical_json, publish
from explainers.render_kinds import register

INPUTS = ("images", "hash", "rows", "row_labels")


def inputs_of(source, rows: list[list[str]], row_labels: list[str]) -> dict:
    return {"images": source.to_dict(), "hash": source.hash,
            "rows": [list(r) for r in rows], "row_labels": list(row_labels)}


class FolderImages:
    name = "folder_images"
    version = "1"

    def key(self, inputs: dict) -> str:
        _check(inputs)
        payload = {"kind": self.name, "version": self.version, "hash": inputs["hash"],
                   "size": inputs["images"].get("size"), "rows": inputs["rows"],
                   "row_labels": inputs["row_labels"]}
        return hashlib.sha256(canonical_json(payload).encode()).hexdigest()

    def render(self, inputs: dict, *, root, device: str = "cpu") -> dict:
        _check(inputs)
        header = {"kind": self.name, "version": self.version, "inputs": inputs}
        return publish(root, self.key(inputs), lambda: _draw(inputs), header)


def _check(inputs: dict) -> None:
    if not isinstance(inputs, dict) or set(inputs) != set(INPUTS):
        raise ValueError(f"folder_images needs inputs {list(INPUTS)}, got {inputs!r}")
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
    rows = []
    for names in inputs["rows"]:
        pixels = source._uint8([index[n] for n in names])
        rows.append([Cell(pixels[k], scene={c: _plain(v) for c, v in
                                            table.iloc[index[n]].items()})
                     for k, n in enumerate(names)])
    cols = [f"image {k + 1}" for k in range(len(rows[0]))]
    return Stimulus(rows, list(inputs["row_labels"]), cols, meta={"kind": "folder_images"})


def _plain(value):
    value = value.item() if hasattr(value, "item") else value
    return value if isinstance(value, str) else float(value)


register(FolderImages())
