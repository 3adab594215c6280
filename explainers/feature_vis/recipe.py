"""The optimisation settings of a feature visualisation, with the paper's as the default.

Borowski et al. (2021, appendix A.1.2; their ``save_optimized_stimuli.py``) ran lucid 0.3.8 on
InceptionV1 with: a Fourier-parameterised, colour-decorrelated image of 224 px plus 16 px
padding on each side (cropped off afterwards), Adam with learning rate 0.05 for 2560 steps,
jitter 16 -> scale (1, .975, 1.025, .95, 1.05) -> rotate -5..5 degrees -> jitter 8, the channel
objective (spatial mean of the feature map) and, for batches of images, ``1e2 x diversity``
subtracted, and lucid's redirected ReLU gradient (:mod:`.relu`). Minimisation negates the
channel objective and keeps the diversity term.

Pixel sizes (padding, jitter) scale with the image: :meth:`Recipe.for_size` gives the paper's
recipe for another image size (e.g. 64 px for the platform's Two4Two CNN).
"""

from __future__ import annotations

import dataclasses

from .transforms import Robustness

PAPER_SIZE = 224


@dataclasses.dataclass(frozen=True)
class Recipe:
    size: int = PAPER_SIZE
    padding: int = 16
    steps: int = 2560
    learning_rate: float = 0.05
    jitter: tuple[int, int] = (16, 8)
    scales: tuple[float, ...] = (1.0, 0.975, 1.025, 0.95, 1.05)
    angles: tuple[float, ...] = tuple(float(a) for a in range(-5, 6))
    diversity_weight: float = 1e2
    n_images: int = 9
    sd: float = 0.01
    decay_power: float = 1.0
    redirect_relu: bool = True  # lucid's default gradient override (see .relu)

    def __post_init__(self):
        for name in ("size", "steps", "n_images"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"recipe {name} must be a positive integer, got {value!r}")
        if not isinstance(self.padding, int) or self.padding < 0:
            raise ValueError(f"recipe padding must be a non-negative integer, got {self.padding!r}")
        if self.learning_rate <= 0 or self.diversity_weight < 0:
            raise ValueError("recipe learning_rate must be > 0 and diversity_weight >= 0")
        if sum(self.jitter) >= self.size + 2 * self.padding:
            raise ValueError(f"recipe jitter {self.jitter} leaves no image of size {self.size}")

    @classmethod
    def for_size(cls, size: int, **changes) -> Recipe:
        """The paper's recipe with padding and jitter scaled from 224 px to ``size`` px."""
        ratio = size / PAPER_SIZE
        base = cls()
        scaled = {
            "size": size,
            "padding": max(1, round(base.padding * ratio)),
            "jitter": tuple(max(1, round(j * ratio)) for j in base.jitter),
        }
        return dataclasses.replace(base, **{**scaled, **changes})

    @property
    def robustness(self) -> Robustness:
        return Robustness(jitter=self.jitter, scales=self.scales, angles=self.angles)

    def describe(self) -> dict:
        return dataclasses.asdict(self)


PAPER = Recipe()  # Borowski et al. (2021): 224 px, 2560 steps, 9 images
