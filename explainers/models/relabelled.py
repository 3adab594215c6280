"""A model shown under other class names (a study spec's ``class_names``).

The labels a grid's columns carry come from the model (``class_names``, ``class_names[0]`` the
class of negative logits) unless the spec names its own; :class:`Relabelled` is the model with
those names. Its ``bundle_hash`` differs from the model's (stimuli that say other names have
other keys) unless the names are the model's own.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json


def relabelled_hash(bundle_hash: str, class_names, own) -> str:
    """The hash of a model with ``bundle_hash`` shown under ``class_names`` (``own``: its own)."""
    if class_names is None or tuple(class_names) == tuple(own):
        return bundle_hash
    text = json.dumps({"bundle": bundle_hash, "class_names": list(class_names)})
    return hashlib.sha256(text.encode()).hexdigest()


class Relabelled:
    """``model`` (any model plugin's) with ``class_names``; everything else is the model's."""

    def __init__(self, model, class_names):
        names = tuple(class_names)
        if len(names) != 2 or not all(isinstance(n, str) and n for n in names):
            raise ValueError(f"class_names must be two non-empty names, got {class_names!r}")
        self._model = model
        self.class_names = names
        self.bundle_hash = relabelled_hash(model.bundle_hash, names, model.class_names)
        self.info = dataclasses.replace(model.info, class_names=names)

    def __getattr__(self, name):
        return getattr(self._model, name)

    def __call__(self, *args, **kwargs):
        return self._model(*args, **kwargs)
