"""Invertible (Glow-style) classifier, its training, counterfactuals and ground truth.

Imports torch only (no Django): it runs on a GPU machine that has no Django.
"""

from .checkpoint import (
    DEFAULT_CHECKPOINT,
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)
from .classifier import Encoding, FlowClassifier, build_model
from .config import Config, ConfigError, ModelConfig, TrainConfig, load_config
from .counterfactual import CounterfactualResult, counterfactual

__all__ = [
    "DEFAULT_CHECKPOINT",
    "CheckpointError",
    "Config",
    "ConfigError",
    "CounterfactualResult",
    "Encoding",
    "FlowClassifier",
    "ModelConfig",
    "TrainConfig",
    "build_model",
    "counterfactual",
    "load_checkpoint",
    "load_config",
    "save_checkpoint",
]
