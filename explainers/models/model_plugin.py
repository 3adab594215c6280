"""The model plugin interface: what a loaded model offers, declared before any weight is read.

A model plugin (entry-point group ``xai_studies.models``, see :mod:`.model_registry`) reads a
*bundle*, a folder with a ``model.json`` that names the plugin, and gives

* :meth:`ModelPlugin.describe` -> :class:`ModelInfo`: input size, preprocessing, class names,
  capabilities and named layers, read from the bundle's metadata without loading weights (what
  ``load_study`` checks conditions against), and
* :meth:`ModelPlugin.load` -> a ``torch.nn.Module`` in eval mode with ``logit(x)`` (float [0, 1]
  images ``[N, 3, S, S]`` -> ``[N]``, > 0 means ``class_names[1]``), ``class_names``,
  ``image_size``, ``bundle_hash`` and
  ``info`` (its :class:`ModelInfo`); with the ``layers`` capability also
  ``activations(x, layer=None)`` -> ``[N, C, h, w]``, with ``conv_layers`` also
  ``layer(name)`` -> the ``nn.Module`` whose output that is (what Grad-CAM hooks) and
  ``default_layer``. The preprocessing (normalisation) happens inside
  the model: every explainer hands it the images exactly as participants see them.

Capabilities (:class:`Capability`): ``logits`` (every model), ``gradients`` (logit
differentiable w.r.t. the input), ``layers`` (``activations`` of named layers as spatial maps),
``conv_layers`` (those layers are convolutional modules that ``layer(name)`` returns, whose output
tensor a hook can read: what Grad-CAM needs), ``invertible`` (``encode``/``decode``, the INN). Nothing here imports Django.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import ClassVar

from .checkpoint import CheckpointError

BUNDLE_DESCRIPTOR = "model.json"


class Capability(StrEnum):
    LOGITS = "logits"
    GRADIENTS = "gradients"
    LAYERS = "layers"
    CONV_LAYERS = "conv_layers"
    INVERTIBLE = "invertible"


class BundleError(CheckpointError, ValueError):
    """A model bundle is missing, unreadable or does not fit its plugin (a
    :class:`CheckpointError`, so render workers do not retry it)."""


@dataclass(frozen=True)
class ModelInfo:
    """What a model offers; ``class_names[0]`` is the class of negative logits."""

    plugin: str
    bundle: str
    bundle_hash: str
    image_size: int
    class_names: tuple[str, str]
    preprocessing: str
    capabilities: frozenset[Capability]
    layers: tuple[str, ...] = ()
    default_layer: str | None = None

    def offers(self, capability: Capability | str) -> bool:
        return Capability(capability) in self.capabilities

    def to_dict(self) -> dict:
        return {"plugin": self.plugin, "bundle": self.bundle, "bundle_hash": self.bundle_hash,
                "image_size": self.image_size, "class_names": list(self.class_names),
                "preprocessing": self.preprocessing,
                "capabilities": sorted(str(c) for c in self.capabilities),
                "layers": list(self.layers), "default_layer": self.default_layer}


class ModelPlugin:
    """Base class of model plugins: set ``name`` and ``description``, implement both methods."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def describe(self, folder: Path) -> ModelInfo:
        raise NotImplementedError

    def load(self, folder: Path, *, device: str = "cpu"):
        raise NotImplementedError


def read_descriptor(folder) -> dict:
    """The bundle's ``model.json`` (a mapping with at least ``plugin``)."""
    path = Path(folder) / BUNDLE_DESCRIPTOR
    if not path.is_file():
        raise BundleError(f"{folder} is not a model bundle: it has no {BUNDLE_DESCRIPTOR} "
                          "naming its model plugin (e.g. {\"plugin\": \"torchscript\", ...})")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise BundleError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("plugin"), str):
        raise BundleError(f"{path} must be a JSON object with a string \"plugin\"")
    return data


def check_keys(path, data: dict, required: set[str], optional: set[str] = frozenset()) -> None:
    """Unknown or missing keys of a descriptor are errors that name them."""
    unknown = sorted(set(data) - required - set(optional) - {"plugin"})
    missing = sorted(required - set(data))
    if unknown or missing:
        raise BundleError(f"{path}: " + "; ".join(
            ([f"unknown key(s) {unknown}"] if unknown else [])
            + ([f"missing key(s) {missing}"] if missing else []))
            + f"; keys: {sorted(required | set(optional))}")


def files_hash(folder, names) -> str:
    """SHA-256 over the named files of a bundle (name and content)."""
    h = hashlib.sha256()
    for name in sorted(names):
        h.update(name.encode() + b"\0")
        h.update((Path(folder) / name).read_bytes())
    return h.hexdigest()
