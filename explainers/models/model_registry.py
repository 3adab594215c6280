"""Find model plugins: Python entry points in the group ``xai_studies.models``.

The shipped plugins (``inn``, ``cnn``, ``torchscript``) are registered in ``pyproject.toml``
like any third-party one. A bundle folder names its plugin in ``model.json``, so
:func:`describe_bundle` and :func:`load_model` need only the folder. Nothing here imports Django.

    >>> info = describe_bundle("checkpoints/cnn")       # no weights read
    >>> info.offers("layers"), info.layers, info.class_names
    >>> model = load_model("checkpoints/cnn")           # eval mode, model.info is info
    >>> model.logit(images)                             # float [0, 1] [N, 3, 64, 64] -> [N]
    >>> model.activations(images, layer="layer2")       # [N, 32, 16, 16]
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

from .model_plugin import BundleError, ModelInfo, ModelPlugin, read_descriptor

GROUP = "xai_studies.models"


class UnknownModelPlugin(BundleError, LookupError):
    """No model plugin of that name is installed."""


def available() -> dict[str, str]:
    """name -> ``module:Class`` of every installed model plugin, sorted by name."""
    return dict(sorted((ep.name, ep.value) for ep in entry_points(group=GROUP)))


def get_model_plugin(name: str) -> ModelPlugin:
    eps = {ep.name: ep for ep in entry_points(group=GROUP)}
    if name not in eps:
        names = ", ".join(eps) or "none (is the package installed? pip install -e .)"
        raise UnknownModelPlugin(f"unknown model plugin {name!r}; available: {names}")
    cls = eps[name].load()
    if not (isinstance(cls, type) and issubclass(cls, ModelPlugin)) or cls.name != name:
        raise UnknownModelPlugin(f"entry point {name!r} ({eps[name].value}) is not a "
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
