"""The image source base class: keyword options, checked, a content hash and a pool of images.

A subclass sets ``name`` (its entry-point name), ``options`` (option name -> (type, default);
the default :data:`REQUIRED` makes an option required), ``offers`` (``{"generator"}`` for a
parametric source explainers may intervene on) and implements :meth:`ImageSource.check`,
:attr:`ImageSource.hash` and :meth:`ImageSource.pool`. The exemplar interface the feature
visualisations read (``key``, ``ids``, ``images(indices)``) comes with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

REQUIRED = object()


class ImageSourceError(ValueError):
    """An image source that cannot be built or read; ``key`` names the option at fault."""

    def __init__(self, message: str, key: str = ""):
        super().__init__(message)
        self.key = key


class ImageSource:
    name: ClassVar[str] = ""
    options: ClassVar[dict[str, tuple[type | tuple[type, ...], object]]] = {}
    offers: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, **options):
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            raise ImageSourceError(
                f"image source {self.name!r} has no option {unknown[0]!r}; its options are: "
                f"{', '.join(sorted(self.options))}", unknown[0])
        settings = {}
        for key, (kind, default) in self.options.items():
            if key not in options:
                if default is REQUIRED:
                    raise ImageSourceError(f"image source {self.name!r} needs option {key!r}",
                                           key)
                settings[key] = default
                continue
            value = options[key]
            if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
                names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple)
                                                         else (kind,)))
                raise ImageSourceError(f"option {key!r} of image source {self.name!r} must be "
                                       f"{names}, got {value!r}", key)
            settings[key] = value
        self.settings = settings
        self.check()

    def check(self) -> None:
        """Check the options' values (and files); raise :class:`ImageSourceError` with key."""

    @property
    def hash(self) -> str:
        raise NotImplementedError

    def pool(self, *, device=None, progress: bool = False):
        """The images as :class:`explainers.validation_data.Pool` (uint8, with labels)."""
        raise NotImplementedError

    def to_dict(self) -> dict:
        """What rebuilds this source (``image_source(to_dict())``): JSON for render jobs."""
        return {"source": self.name, **self.settings}

    # the exemplar interface of explainers.feature_vis
    @property
    def key(self) -> str:
        return self.hash

    @property
    def ids(self) -> list[str]:
        return [f"image-{i:06d}" for i in range(len(self.pool()))]

    def images(self, indices: Sequence[int]) -> torch.Tensor:  # noqa: F821 (torch not imported)
        return self.pool().float_images(list(indices))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.settings})"
