"""Find model plugins: Python entry points in the group ``xai_studies.models``.

The shipped plugins (``inn``, ``cnn``, ``torchscript``) are registered in ``pyproject.toml``
like any third-party one. A bundle folder names its plugin in ``model.json``, so
:func:`describe_bundle` and :func:`load_model` need only the folder. In a checkout that is not
installed (no ``pip install -e .``, so no entry points at all, e.g. a bare GPU machine) the
shipped plugins are found from :data:`BUILT_IN` (the same table as ``pyproject.toml``; a test
keeps them equal) and third-party ones are not. Nothing here imports Django.

    >>> info = describe_bundle("checkpoints/cnn")       # no weights read
    >>> info.offers("layers"), info.layers, info.class_names
    >>> model = load_model("checkpoints/cnn")           # eval mode, model.info is info
    >>> model.logit(images)                             # float [0, 1] [N, 3, 64, 64] -> [N]
    >>> model.activations(images, layer="layer2")       # [N, 32, 16, 16]
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from pathlib import Path

from .model_plugin import BundleError, ModelInfo, ModelPlugin, read_descriptor

GROUP = "xai_studies.models"
BUILT_IN = {
    "cnn": "explainers.models.plugins.cnn:CNNPlugin",
    "inn": "explainers.models.plugins.inn:INNPlugin",
    "torchscript": "explainers.models.plugins.torchscript:TorchScriptPlugin",
}


class UnknownModelPlugin(BundleError, LookupError):
    """No model plugin of that name is installed."""


def installed() -> bool:
    """Whether any entry point of the group is installed (else :data:`BUILT_IN` is used)."""
    return bool(list(entry_points(group=GROUP)))


def available() -> dict[str, str]:
    """name -> ``module:Class`` of every installed model plugin (the shipped ones from
    :data:`BUILT_IN` in a checkout that is not installed), sorted by name."""
    found = {ep.name: ep.value for ep in entry_points(group=GROUP)}
    return dict(sorted((found or BUILT_IN).items()))


def get_model_plugin(name: str) -> ModelPlugin:
    plugins = available()
    if name not in plugins:
        note = "" if installed() else (" (no entry points: this checkout is not installed, so "
                                       "only the shipped plugins are known; pip install -e .)")
        raise UnknownModelPlugin(f"unknown model plugin {name!r}; available: "
                                 f"{', '.join(plugins)}{note}")
    module, _, attr = plugins[name].partition(":")
    try:
        cls = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise UnknownModelPlugin(f"model plugin {name!r} ({plugins[name]}) cannot be loaded: "
                                 f"{exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, ModelPlugin)) or cls.name != name:
        raise UnknownModelPlugin(f"entry point {name!r} ({plugins[name]}) is not a "
                                 f"ModelPlugin named {name!r}")
    return cls()


def plugin_of(folder) -> ModelPlugin:
    folder = Path(folder)
    if not folder.is_dir():
        raise BundleError(f"checkpoint folder not found: {folder} (a model bundle)")
    return get_model_plugin(read_descriptor(folder)["plugin"])


def describe_bundle(folder) -> ModelInfo:
    """What the model in ``folder`` offers (its metadata checked, no weights loaded)."""
    return plugin_of(folder).describe(Path(folder))


def load_model(folder, *, device: str = "cpu"):
    """The model in ``folder``, in eval mode on ``device``, with ``info`` and ``bundle_hash``."""
    folder = Path(folder)
    model = plugin_of(folder).load(folder, device=device)
    if not getattr(model, "bundle_hash", "") or not isinstance(getattr(model, "info", None),
                                                               ModelInfo):
        raise BundleError(f"the plugin for {folder} returned a model without bundle_hash/info")
    return model
