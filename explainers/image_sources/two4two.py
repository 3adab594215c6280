"""The Two4Two generator as an image source: ``n`` scenes of a sampler, rendered at ``size``.

Parametric: every image has its factors (``explainers.synthetic.FACTORS``) and label, and
explainers that intervene on factors (``needs`` ``generator``) may draw new scenes through
:meth:`Two4Two.sampler` and :meth:`Two4Two.render`. The pool and its hash are those of
:class:`explainers.validation_data.ValidationData` (so stimulus keys planned before image
sources existed stay the same).
"""

from __future__ import annotations

from functools import cached_property

from explainers import synthetic
from explainers.validation_data import ValidationData

from .base import ImageSource, ImageSourceError


class Two4Two(ImageSource):
    name = "two4two"
    offers = frozenset({"generator"})
    options = {"sampler": (str, "study"), "seed": (int, 90_001), "n": (int, 2000),
               "size": (int, 64), "chunk": (int, 250)}
    factors = synthetic.FACTORS

    def check(self) -> None:
        s = self.settings
        for key, least in (("n", 1), ("size", 8), ("chunk", 1)):
            if s[key] < least:
                raise ImageSourceError(f"two4two option {key!r} must be at least {least}, got "
                                       f"{s[key]}", key)
        try:
            synthetic.get_sampler(s["sampler"])
        except (KeyError, LookupError, ValueError) as exc:
            raise ImageSourceError(str(exc), "sampler") from None

    @cached_property
    def recipe(self) -> ValidationData:
        return ValidationData(**self.settings)

    @property
    def hash(self) -> str:
        return self.recipe.hash

    def pool(self, *, device=None, progress: bool = False):
        return self.recipe.pool(device=device, progress=progress)

    @property
    def ids(self) -> list[str]:
        return [f"scene-{i:06d}" for i in range(self.settings["n"])]

    def sampler(self):
        """The named sampler (draw new scenes, intervene on their factors)."""
        return synthetic.get_sampler(self.settings["sampler"])

    def render(self, scenes, *, device=None):
        """Images of a :class:`explainers.synthetic.SceneBatch` at this source's size."""
        return synthetic.render(scenes, size=self.settings["size"], device=device).images
