"""The interactive explorer's live side (torch only, no Django): scenes as canonical parameter
dicts, the factor groups a participant mixes, and a cached scorer that renders a scene and
scores it with the shipped model. The web side (studies/explorer/) calls it per request."""

from .groups import FACTOR_GROUPS, GROUP_LABELS
from .inference import Probe, Scorer, shared_scorer
from .scenes import (
    ExplorerError,
    canonical_scene,
    interpolate,
    mix,
    sampled_scenes,
    scene_key,
)

__all__ = [
    "FACTOR_GROUPS",
    "GROUP_LABELS",
    "ExplorerError",
    "Probe",
    "Scorer",
    "canonical_scene",
    "interpolate",
    "mix",
    "sampled_scenes",
    "scene_key",
    "shared_scorer",
]
