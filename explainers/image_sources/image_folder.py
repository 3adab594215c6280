"""A folder of image files as an image source, with a CSV of labels and per-image attributes.

``folder`` holds the images; ``labels`` (optional) is a CSV with a header row: the column
``image`` (``image_column``) names a file of the folder, ``label`` (``label_column``) is its
class, ``0``/``1`` or one of ``classes`` (the names in logit order; default the study's class
names: the spec's ``class_names``, else the model's), and every other column is a per-image
attribute (numbers where they parse, else text), kept with each image (a stimulus cell's
``scene``) for answer keys and 2AFC trials. Without ``labels`` the source is every image file
directly in the folder, sorted by name, with label -1 (unknown; enough for explainers that bin
by the model's logit and for feature-visualisation exemplars). Images are centre-cropped to a
square and resized to ``size`` px (bilinear). A missing file, a missing column, an unknown
label, an empty or repeated image name is an error naming the option and the CSV row (the
header is row 1).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .base import REQUIRED, ImageSource, ImageSourceError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
MAX_LISTED = 8


class ImageFolder(ImageSource):
    name = "image_folder"
    reads_files = True
    options = {"folder": (str, REQUIRED), "labels": ((str, type(None)), None),
               "size": (int, 64), "image_column": (str, "image"), "label_column": (str, "label"),
               "classes": ((list, type(None)), None)}

    def __init__(self, folder=None, *, base=None, class_names=None, **options):
        if folder is not None:
            options["folder"] = str(folder)
        if options.get("classes") is None and class_names is not None:
            options["classes"] = list(class_names)
        self._base = Path(base) if base is not None else Path.cwd()
        super().__init__(**options)

    def _path(self, key: str) -> Path:
        p = Path(self.settings[key])
        return p if p.is_absolute() else (self._base / p).resolve()

    def check(self) -> None:
        s = self.settings
        if s["size"] < 8:
            raise ImageSourceError(f"image_folder size must be at least 8, got {s['size']}",
                                   "size")
        classes = s["classes"]
        if classes is not None and (len(classes) != 2 or not all(
                isinstance(c, str) and c for c in classes) or classes[0] == classes[1]):
            raise ImageSourceError(f"classes must be two different names, got {classes!r}",
                                   "classes")
        folder = self._path("folder")
        if not folder.is_dir():
            raise ImageSourceError(f"image folder {folder} does not exist", "folder")
        s["folder"] = str(folder)
        if s["labels"] is not None:
            labels = self._path("labels")
            if not labels.is_file():
                raise ImageSourceError(f"labels file {labels} does not exist", "labels")
            s["labels"] = str(labels)
        self.table  # noqa: B018 (read now: a bad CSV is refused when the source is built)

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per image: ``image`` (file name), ``label`` and the attributes."""
        folder = Path(self.settings["folder"])
        if self.settings["labels"] is None:
            files = sorted(p.name for p in folder.iterdir()
                           if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not files:
                raise ImageSourceError(f"image folder {folder} holds no "
                                       f"{'/'.join(IMAGE_SUFFIXES)} files", "folder")
            return pd.DataFrame({"image": files, "label": -1})
        return self._read_labels(folder, Path(self.settings["labels"]))

    def _read_labels(self, folder: Path, path: Path) -> pd.DataFrame:
        s = self.settings
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            for key in ("image_column", "label_column"):
                if s[key] not in columns:
                    raise ImageSourceError(f"{path.name} has no column {s[key]!r} (row 1 has: "
                                           f"{', '.join(columns) or 'nothing'})", "labels")
            names = {str(i): i for i in range(2)}
            if s["classes"]:
                names.update({c: i for i, c in enumerate(s["classes"])})
            rows, problems, seen = [], [], {}
            for number, row in enumerate(reader, start=2):
                if None in row or any(v is None for v in row.values()):
                    problems.append(f"row {number}: {len(columns)} columns expected")
                    continue
                image, label = row[s["image_column"]].strip(), row[s["label_column"]].strip()
                if not image:
                    problems.append(f"row {number}: empty {s['image_column']!r}")
                elif image in seen:
                    problems.append(f"row {number}: image {image!r} is already in row "
                                    f"{seen[image]}")
                elif not (folder / image).is_file() or Path(image).name != image:
                    problems.append(f"row {number}: image {image!r} is not a file in {folder}")
                if label not in names:
                    known = ", ".join(repr(n) for n in names)
                    problems.append(f"row {number}: label {label!r} is none of {known}"
                                    + ("" if s["classes"] else " (no class names given)"))
                seen.setdefault(image, number)
                attributes = {k: _value(v) for k, v in row.items()
                              if k not in (s["image_column"], s["label_column"])}
                rows.append({"image": image, "label": names.get(label, -1), **attributes})
        if problems:
            more = len(problems) - MAX_LISTED
            raise ImageSourceError(f"{path.name}: " + "; ".join(problems[:MAX_LISTED])
                                   + (f"; and {more} more" if more > 0 else ""), "labels")
        if not rows:
            raise ImageSourceError(f"{path.name} lists no images", "labels")
        return pd.DataFrame(rows)

    @property
    def files(self) -> list[Path]:
        folder = Path(self.settings["folder"])
        return [folder / name for name in self.table["image"]]

    @property
    def ids(self) -> list[str]:
        return list(self.table["image"])

    @cached_property
    def hash(self) -> str:
        h = hashlib.sha256(f"folder size={self.settings['size']}\n".encode())
        labelled = self.settings["labels"] is not None
        for file, (_, row) in zip(self.files, self.table.iterrows(), strict=True):
            line = f"{file.name} {hashlib.sha256(file.read_bytes()).hexdigest()}"
            if labelled:
                line += " " + json.dumps({k: _plain(v) for k, v in row.items()}, sort_keys=True)
            h.update(f"{line}\n".encode())
        return h.hexdigest()

    def _uint8(self, indices: Sequence[int]) -> np.ndarray:
        from PIL import Image

        size, out = self.settings["size"], []
        for i in indices:
            file = self.files[i]
            try:
                with Image.open(file) as im:
                    im = im.convert("RGB")
                    side = min(im.size)
                    left, top = (im.width - side) // 2, (im.height - side) // 2
                    im = im.crop((left, top, left + side, top + side))
                    im = im.resize((size, size), Image.Resampling.BILINEAR)
                    out.append(np.asarray(im, dtype=np.uint8))
            except OSError as exc:
                raise ImageSourceError(f"cannot read image {file}: {exc}", "folder") from exc
        return np.stack(out)

    def images(self, indices: Sequence[int]) -> torch.Tensor:
        return torch.from_numpy(self._uint8(list(indices))).permute(0, 3, 1, 2).float() / 255.0

    def pool(self, *, device=None, progress: bool = False):
        from explainers.validation_data import Pool

        cached = getattr(self, "_pool", None)
        if cached is None:
            images = torch.from_numpy(self._uint8(range(len(self.table)))).permute(0, 3, 1, 2)
            cached = self._pool = Pool(images.contiguous(), self.table)
        return cached


def _value(text: str):
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        return text


def _plain(value):
    return value.item() if hasattr(value, "item") else value
