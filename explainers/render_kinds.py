"""Render job kinds besides explanations: the registry (no Django).

Every image a participant sees is a published stimulus (``explainers.prerender.publish``: a
content-addressed folder of cell PNGs with a manifest). An explanation is rendered from a
condition (explainer, params, checkpoint, validation data, seed; ``explainers.plan``); any other
kind of stimulus is a :class:`RenderKind`, registered here under its ``name``:

- ``key(inputs)`` -> the SHA-256 stimulus key of everything that determines the images (include
  the code's version, e.g. ``explainers.synthetic.code_version()``); cheap, no rendering;
- ``render(inputs, *, root, device)`` -> renders and publishes through
  :func:`~explainers.prerender.publish` with header ``{"kind": name, "version": version,
  "inputs": inputs}`` and returns the manifest;
- ``version``: bump it when the images change for the same inputs.

``inputs`` is a JSON-serialisable mapping. The study server plans a job with
:func:`explainers.plan.kind_job` and the render task runs it like an explanation job; a
manifest's key is verified with ``key(manifest["inputs"])``. ``trial_images`` (2AFC trial
images drawn with the Two4Two generator, ``explainers.trial_images``), ``unit_synthetic`` and
``unit_natural`` (a CNN unit's feature visualisations and natural exemplars per participant
batch, ``explainers.unit_synthetic`` / ``unit_natural``) and ``folder_images`` (an image
folder's images chosen by its CSV, ``explainers.folder_images``) are the kinds.
"""

from __future__ import annotations

from typing import Protocol


class RenderKind(Protocol):
    name: str
    version: str

    def key(self, inputs: dict) -> str: ...

    def render(self, inputs: dict, *, root, device: str = "cpu") -> dict: ...


class UnknownRenderKind(LookupError):
    pass


_KINDS: dict[str, RenderKind] = {}


def register(kind: RenderKind) -> RenderKind:
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise ValueError(f"render kind {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> RenderKind:
    _load_builtin()
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownRenderKind(f"unknown render kind {name!r} (known: "
                                f"{', '.join(sorted(_KINDS))})") from None


def _load_builtin() -> None:
    from explainers import (  # noqa: F401  (each registers its kind)
        folder_images,  # "folder_images"
        trial_images,  # "trial_images"
        unit_natural,  # "unit_natural"
        unit_synthetic,  # "unit_synthetic"
    )
