"""Feature visualisation and natural exemplars of CNN units (Olah et al. 2017; Borowski et al.
2021). Imports torch only (no Django).

- :class:`FeatureVisualization`: maximally / minimally activating synthetic images of a unit.
- :class:`ActivationIndex` and :func:`natural_exemplars`: most / least activating images of a
  unit from an image source, by one batched pass cached on disk.
"""

from .batches import NaturalBatch, natural_batches
from .exemplars import ActivationIndex, Exemplars, model_fingerprint, natural_exemplars
from .fourier import FourierImage
from .layers import LayerError, find_layer, layer_output, layer_outputs
from .objectives import channel_mean, diversity
from .recipe import PAPER, Recipe
from .sources import ImageFolder, SourceError, Two4TwoScenes
from .transforms import Robustness
from .visualize import Direction, FeatureVisualization, Visualization

__all__ = [
    "PAPER",
    "ActivationIndex",
    "Exemplars",
    "ImageFolder",
    "SourceError",
    "Two4TwoScenes",
    "NaturalBatch",
    "model_fingerprint",
    "natural_batches",
    "natural_exemplars",
    "Direction",
    "FeatureVisualization",
    "FourierImage",
    "LayerError",
    "Recipe",
    "Robustness",
    "Visualization",
    "channel_mean",
    "diversity",
    "find_layer",
    "layer_output",
    "layer_outputs",
]
