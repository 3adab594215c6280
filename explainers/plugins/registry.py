"""Find explainers: Python entry points in the group ``xai_studies.explainers``, plus local ones.

Built-in explainers are registered through the same entry points (``pyproject.toml``), so an
installed third-party package adds a condition without touching this repository. For local
experiments, :func:`register` adds a class in-process, and the environment variable
``XAI_EXPLAINER_MODULES`` (comma-separated module names) names modules to import first: they
call :func:`register` at import time, also inside Celery workers.
"""

from __future__ import annotations

import functools
import importlib
import os
from importlib.metadata import entry_points

from .base import Explainer

GROUP = "xai_studies.explainers"
_local: dict[str, type[Explainer]] = {}


class UnknownExplainer(LookupError):
    """No explainer of that name is installed or registered."""


def register(cls: type[Explainer]) -> type[Explainer]:
    """Register an explainer class in this process (usable as a class decorator)."""
    if not (isinstance(cls, type) and issubclass(cls, Explainer)) or not cls.name:
        raise TypeError("register() takes an Explainer subclass with a non-empty name")
    _local[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    _local.pop(name, None)


def _import_local_modules() -> None:
    names = os.environ.get("XAI_EXPLAINER_MODULES", "").split(",")
    for module in filter(None, (name.strip() for name in names)):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise UnknownExplainer(
                f"XAI_EXPLAINER_MODULES names {module!r}, which cannot be imported: {exc}"
            ) from None


@functools.cache
def _entry_points():
    """The installed entry points, read once per process: reading every installed package's
    metadata took about 40 % of a participant's arrival (the study's readiness check keys each
    stimulus by its explainer's version). A package installed later is seen after a restart,
    as its code would be."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def available() -> dict[str, str]:
    """name -> where it comes from (``module:Class``), sorted by name."""
    _import_local_modules()
    found = {name: ep.value for name, ep in _entry_points().items()}
    found.update({name: f"{cls.__module__}:{cls.__qualname__}" for name, cls in _local.items()})
    return dict(sorted(found.items()))


def get_explainer(name: str) -> Explainer:
    """A fresh instance of the explainer ``name``; a clear error lists the available names."""
    _import_local_modules()
    if name in _local:
        return _local[name]()
    eps = _entry_points()
    if name not in eps:
        names = ", ".join(available()) or "none (is the package installed? pip install -e .)"
        raise UnknownExplainer(f"unknown explainer {name!r}; available: {names}")
    cls = eps[name].load()
    if not (isinstance(cls, type) and issubclass(cls, Explainer)):
        raise UnknownExplainer(
            f"entry point {name!r} ({eps[name].value}) is not an Explainer subclass"
        )
    if cls.name != name:
        raise UnknownExplainer(
            f"entry point {name!r} ({eps[name].value}) loads an explainer named {cls.name!r}"
        )
    return cls()
