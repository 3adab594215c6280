"""Explainer plugins: the base class, the registry (entry points) and the built-in conditions.

Imports torch only (no Django). See docs/adding-an-explainer.md.
"""

from .base import Cell, Explainer, ParamError, Stimulus, StimulusError
from .registry import UnknownExplainer, available, get_explainer, register, unregister

__all__ = [
    "Cell",
    "Explainer",
    "ParamError",
    "Stimulus",
    "StimulusError",
    "UnknownExplainer",
    "available",
    "get_explainer",
    "register",
    "unregister",
]
