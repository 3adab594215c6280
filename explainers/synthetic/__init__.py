"""Peeky/Stretchy synthetic scene generator (Two4Two re-implemented in torch; no Django)."""

from .batch import SceneBatch
from .distributions import (
    ByLabel,
    ColorBias,
    Distribution,
    LegsByLabel,
    ShapeBias,
    TruncatedNormal,
    Uniform,
)
from .factors import (
    ATTRIBUTES,
    FACTOR_RANGES,
    FACTORS,
    LABEL_NAMES,
    NEUTRAL,
    OVERLAP,
    label_rule,
    legs_range,
)
from .interventions import intervene
from .render import RenderOutput, render
from .samplers import SAMPLERS, Sampler, StudySampler, UnbiasedSampler, get_sampler
from .version import code_version

__all__ = [
    "ATTRIBUTES",
    "FACTORS",
    "FACTOR_RANGES",
    "LABEL_NAMES",
    "NEUTRAL",
    "OVERLAP",
    "SAMPLERS",
    "ByLabel",
    "ColorBias",
    "Distribution",
    "LegsByLabel",
    "RenderOutput",
    "Sampler",
    "SceneBatch",
    "ShapeBias",
    "StudySampler",
    "TruncatedNormal",
    "Uniform",
    "UnbiasedSampler",
    "code_version",
    "get_sampler",
    "intervene",
    "label_rule",
    "legs_range",
    "render",
]
