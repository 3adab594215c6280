"""Content-addressed rendering and atomic publication of stimuli (docs/architecture.md, Contract 3).

``stimulus_key`` hashes everything that determines a stimulus; ``render_stimulus`` renders it
into a temporary folder under ``STIMULI_ROOT`` (cell PNGs, the labelled grid, ``meta.json``, and
``manifest.json`` last, which holds the SHA-256 of every other file: cells under ``cells``, the
grid and ``meta.json`` under ``files``) and ``os.rename``s the folder to ``STIMULI_ROOT/<key>/``.
A published folder is never rendered again, unless it fails verification: then it is moved aside
to ``.broken-<key>-<time>`` and rendered afresh. Temporary folders are named ``.tmp-<key>-<host>-<pid>`` and are
never served; a later render of the same key removes those left behind by dead processes.
:func:`publish` is the one way into ``STIMULI_ROOT``: explanations (:func:`render_stimulus`) and
the other render job kinds (``explainers.render_kinds``: 2AFC trial images, ...) publish through
it, so each is a grid of cells with the same manifest. Nothing here imports Django.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from explainers.plugins.base import Explainer, Stimulus
from explainers.plugins.grid import compose_grid
from explainers.plugins.registry import get_explainer

MANIFEST = "manifest.json"
GRID = "grid.png"
META = "meta.json"
KEY_RE = re.compile(r"^[0-9a-f]{64}$")
EXPLANATION = "explanation"  # the job kind of a manifest without a "kind"


class ManifestError(RuntimeError):
    """A published stimulus is missing, incomplete or does not match its hashes."""


def _explainer(explainer: Explainer | str) -> Explainer:
    return get_explainer(explainer) if isinstance(explainer, str) else explainer


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def variant_seed(study_seed: int, variant: int) -> int:
    """The seed of variant ``variant`` of a study with seed ``study_seed`` (SHA-256 derived)."""
    if variant < 0:
        raise ValueError(f"variant must be >= 0, got {variant}")
    digest = hashlib.sha256(f"xai-studies/variant/{int(study_seed)}/{int(variant)}".encode())
    return int.from_bytes(digest.digest()[:8], "big") >> 1  # fits a torch seed (63 bits)


def stimulus_key(explainer, params: dict, checkpoint_hash: str, dataset_hash: str, seed: int) -> str:
    """SHA-256 hex of the canonical JSON of everything that determines the stimulus."""
    explainer = _explainer(explainer)
    payload = {
        "explainer": explainer.name,
        "version": str(explainer.version),
        "params": explainer.param_dict(**(params or {})),
        "checkpoint_hash": checkpoint_hash,
        "dataset_hash": dataset_hash,
        "seed": int(seed),
    }
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def _png(image) -> bytes:
    buf = io.BytesIO()
    (image if isinstance(image, Image.Image) else Image.fromarray(image)).save(
        buf, format="PNG", optimize=False
    )
    return buf.getvalue()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_published(root, key: str) -> bool:
    return (Path(root) / key / MANIFEST).is_file()


def render_stimulus(
    explainer,
    params: dict,
    *,
    model,
    data,
    seed: int,
    root,
    on_rendered=None,
) -> dict:
    """Render and publish one explanation stimulus; returns its manifest. Does nothing if
    already published.

    ``on_rendered(stimulus)``, if given, is called between rendering and writing (a hook for
    progress reports and tests).
    """
    explainer = _explainer(explainer)
    params = explainer.param_dict(**(params or {}))
    checkpoint_hash = model.bundle_hash
    if not checkpoint_hash:
        raise ValueError("the model has no bundle_hash: load it with load_checkpoint()")
    key = stimulus_key(explainer, params, checkpoint_hash, data.hash, seed)

    def render() -> Stimulus:
        rng = torch.Generator().manual_seed(int(seed))
        stimulus = explainer.render(model, data, rng=rng, **params)
        if on_rendered is not None:
            on_rendered(stimulus)
        return stimulus

    header = {"explainer": explainer.name, "version": str(explainer.version), "params": params,
              "seed": int(seed), "checkpoint_hash": checkpoint_hash, "dataset_hash": data.hash}
    return publish(root, key, render, header)


def publish(root, key: str, render, header: dict) -> dict:
    """Publish the :class:`Stimulus` ``render()`` makes under ``root/key`` atomically; returns
    its manifest (``header`` plus the grid's cells and file hashes). Does nothing if ``key`` is
    published and verifies; a folder that fails verification is moved aside first. Every job
    kind publishes through here (explanations, 2AFC trial images, ...)."""
    root = Path(root)
    if is_published(root, key):
        try:
            return load_manifest(root, key)
        except ManifestError:
            quarantine(root, key)
    root.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(root, key)
    stimulus = render()
    tmp = root / f".tmp-{key}-{socket.gethostname()}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        manifest = _write(tmp, stimulus, {"key": key, **header})
        try:
            os.rename(tmp, root / key)
        except OSError:
            if not is_published(root, key):  # not a lost race with an identical render
                raise
            shutil.rmtree(tmp, ignore_errors=True)
            return load_manifest(root, key)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _write(folder: Path, stimulus: Stimulus, header: dict) -> dict:
    cells = []
    for r, c, cell in stimulus:
        name = f"r{r:02d}c{c:02d}.png"
        data = _png(cell.image)
        (folder / name).write_bytes(data)
        cells.append({"row": r, "col": c, "file": name, "sha256": _sha256(data),
                      "logit": cell.logit, "scene": cell.scene, "extra": cell.extra})
    grid = _png(compose_grid(stimulus))
    (folder / GRID).write_bytes(grid)
    meta = json.dumps(stimulus.meta, sort_keys=True).encode()
    (folder / META).write_bytes(meta)
    manifest = {
        **header,
        "rows": stimulus.rows,
        "cols": stimulus.cols,
        "row_labels": list(stimulus.row_labels),
        "col_labels": list(stimulus.col_labels),
        "grid_image": GRID,
        "cells": cells,
        "files": {GRID: _sha256(grid), META: _sha256(meta)},
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    with open(folder / MANIFEST, "w") as fh:  # written last: its presence means complete
        json.dump(manifest, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    return manifest


def load_manifest(root, key: str, *, verify: bool = True) -> dict:
    """The manifest of a published stimulus, checked against its key and file hashes."""
    if not KEY_RE.match(key or ""):
        raise ManifestError(f"not a stimulus key: {key!r}")
    folder = Path(root) / key
    path = folder / MANIFEST
    if not path.is_file():
        raise ManifestError(f"stimulus {key} is not published under {root}")
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path} is not valid JSON: {exc}") from exc
    if manifest.get("key") != key:
        raise ManifestError(f"{path} names key {manifest.get('key')!r}, not {key}")
    if not verify:
        return manifest
    expected = _expected_key(manifest)  # None: the installed code cannot recompute it
    if expected is not None and expected != key:
        raise ManifestError(f"{path}: its inputs hash to {expected}, not to its key")
    if len(manifest["cells"]) != manifest["rows"] * manifest["cols"]:
        raise ManifestError(f"{path}: {len(manifest['cells'])} cells for a "
                            f"{manifest['rows']}x{manifest['cols']} grid")
    _verify_files(path, folder, manifest)
    return manifest


def published_files(manifest: dict) -> dict[str, str]:
    """Every file a published stimulus holds besides its manifest: name -> SHA-256."""
    files = {cell["file"]: cell["sha256"] for cell in manifest["cells"]}
    files.update(manifest["files"])
    return files


def _verify_files(path: Path, folder: Path, manifest: dict) -> None:
    if not isinstance(manifest.get("files"), dict):
        raise ManifestError(f"{path}: no 'files' hashes (grid and meta.json); it was published "
                            "before they were hashed: delete the folder and render it again")
    if manifest["grid_image"] not in manifest["files"]:
        raise ManifestError(f"{path}: grid image {manifest['grid_image']} has no hash")
    listed = published_files(manifest)
    present = {p.name for p in folder.iterdir()} - {MANIFEST}
    if present - set(listed):
        raise ManifestError(f"{path}: unlisted file(s) {sorted(present - set(listed))}")
    for name, digest in listed.items():
        file = folder / name
        if not file.is_file() or _sha256(file.read_bytes()) != digest:
            raise ManifestError(f"{path}: {name} is missing or does not match its hash")


def _expected_key(manifest: dict) -> str | None:
    """The key the manifest's inputs hash to with the installed code, or None when the installed
    explainer (or job kind) of that name has another version or is not installed."""
    kind = manifest.get("kind", EXPLANATION)
    if kind != EXPLANATION:
        from explainers.render_kinds import get_kind

        try:
            found = get_kind(kind)
        except LookupError:
            return None
        return found.key(manifest["inputs"]) if found.version == manifest["version"] else None
    try:
        known = str(get_explainer(manifest["explainer"]).version) == str(manifest["version"])
    except LookupError:
        return None
    if not known:
        return None
    return stimulus_key(manifest["explainer"], manifest["params"], manifest["checkpoint_hash"],
                        manifest["dataset_hash"], manifest["seed"])


def quarantine(root, key: str) -> Path:
    """Move a published folder that fails verification out of the way (kept for inspection)."""
    broken = Path(root) / f".broken-{key}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
    os.rename(Path(root) / key, broken)
    return broken


def remove_stale_temporaries(root, key: str) -> list[Path]:
    """Remove this host's ``.tmp-<key>-*`` folders whose process is gone; returns them."""
    host = socket.gethostname()
    removed = []
    for tmp in Path(root).glob(f".tmp-{key}-{host}-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own earlier, abandoned attempt
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
