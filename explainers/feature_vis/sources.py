"""Image sources for natural exemplars (moved to :mod:`explainers.image_sources`; this module
is the stable import path the feature visualisations and their callers use).

A source has ``key`` (a hash of everything that determines its pixels), ``ids`` (one name per
image, in order) and ``images(indices) -> [n, 3, S, S]`` float in [0, 1]:
:class:`Two4TwoScenes` (scenes drawn and rendered from a seed) and :class:`ImageFolder` (the
``image_folder`` plugin: a folder of image files, optionally with a CSV of labels).
"""

from explainers.image_sources.base import ImageSourceError as SourceError
from explainers.image_sources.image_folder import IMAGE_SUFFIXES, ImageFolder
from explainers.image_sources.two4two_scenes import Two4TwoScenes

__all__ = ["IMAGE_SUFFIXES", "ImageFolder", "SourceError", "Two4TwoScenes"]
