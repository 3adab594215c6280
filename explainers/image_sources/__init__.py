"""Image sources: where the images an explainer shows come from (plugins, no Django).

A source is found by name through the entry-point group ``xai_studies.image_sources`` (like the
models' ``xai_studies.models``); the shipped ones are ``two4two`` (the parametric Two4Two
generator: factors, samplers, interventions) and ``image_folder`` (a folder of image files and
a CSV of labels and optional per-image attributes). A study spec names one under ``images``::

    images: {source: image_folder, folder: data/my-images, labels: data/my-images/labels.csv}

Every source is an :class:`~explainers.image_sources.base.ImageSource`: keyword options checked
on construction (unknown keys, wrong types and missing files raise
:class:`~explainers.image_sources.base.ImageSourceError` naming the key, CSV rows by number),
a content ``hash`` (part of every stimulus key) and ``pool()`` (the uint8 images with their
labels and attributes, :class:`explainers.validation_data.Pool`).
"""

from .base import ImageSource, ImageSourceError
from .registry import available, get_image_source, image_source

__all__ = ["ImageSource", "ImageSourceError", "available", "get_image_source", "image_source"]
