"""Find image sources: Python entry points in the group ``xai_studies.image_sources``.

Where the package is not installed (a checkout without ``pip install -e .``, so no entry
points), the shipped sources are found from :data:`BUILT_IN` and third-party ones are not.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from .base import ImageSource, ImageSourceError

GROUP = "xai_studies.image_sources"
BUILT_IN = {
    "image_folder": "explainers.image_sources.image_folder:ImageFolder",
    "two4two": "explainers.image_sources.two4two:Two4Two",
}


def available() -> dict[str, str]:
    """name -> ``module:Class`` of every image source (installed, else the built-in table)."""
    found = {ep.name: ep.value for ep in entry_points(group=GROUP)}
    return dict(sorted((found or BUILT_IN).items()))


def get_image_source(name: str) -> type[ImageSource]:
    sources = available()
    if name not in sources:
        raise ImageSourceError(f"unknown image source {name!r}; available: "
                               f"{', '.join(sources)}", "source")
    module, _, attr = sources[name].partition(":")
    cls = getattr(importlib.import_module(module), attr)
    if not (isinstance(cls, type) and issubclass(cls, ImageSource)) or cls.name != name:
        raise ImageSourceError(f"entry point {name!r} ({sources[name]}) is not an ImageSource "
                               f"named {name!r}", "source")
    return cls


def image_source(spec: dict | None, *, size: int | None = None, base=None,
                 class_names=None) -> ImageSource:
    """The source a spec's ``images`` mapping names (default: ``two4two`` with its defaults).

    ``size`` is the model's input size: a source's own ``size`` must equal it (it defaults to
    it). ``base`` is the folder relative paths are read from; ``class_names`` are the names a
    CSV label may use (the model's or the spec's)."""
    spec = dict(spec or {"source": "two4two"})
    name = spec.pop("source", None)
    if not isinstance(name, str):
        raise ImageSourceError(f"images needs 'source' (one of {', '.join(available())})",
                               "source")
    cls = get_image_source(name)
    if size is not None:
        if "size" in spec and spec["size"] != size:
            raise ImageSourceError(f"images size {spec['size']!r} differs from the model's "
                                   f"input size {size}", "size")
        spec["size"] = size
    extra = {}
    if getattr(cls, "reads_files", False):
        extra = {"base": base, "class_names": class_names}
    return cls(**spec, **extra)
