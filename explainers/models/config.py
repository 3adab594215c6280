"""Model and training configuration (dataclasses, read from and written to JSON)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path


class ConfigError(ValueError):
    """A configuration file or value is invalid."""


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Shape of the invertible classifier.

    ``levels`` levels, each: squeeze, ``steps[i]`` flow steps with coupling width ``hidden[i]``,
    then (except the last level) fade-out of half the channels. The linear classifier reads the
    channels kept after level ``classifier_level`` (flattened); later levels are trained on the
    unsupervised flow loss only. ``classifier_norm`` > 0 fixes |w| to that value (w = c v/|v|),
    which keeps the class separation in feature space small and counterfactuals in-distribution.
    ``split_prior`` gives the faded channels Glow's learned prior (mean and scale predicted from
    the kept channels) instead of N(0, I); see :class:`explainers.models.flow.SplitPrior`.
    """

    image_size: int = 32
    channels: int = 3
    steps: tuple[int, ...] = (2, 2, 2)
    hidden: tuple[int, ...] = (16, 16, 16)
    classifier_level: int = 1
    activation_layer: str = "1.1"
    coupling_clamp: float = 2.0
    logit_alpha: float = 0.05
    n_bits: int = 8
    init_seed: int = 0
    classifier_norm: float = 0.0
    split_prior: bool = False

    @property
    def levels(self) -> int:
        return len(self.steps)

    def validate(self) -> ModelConfig:
        if len(self.steps) != len(self.hidden) or not self.steps:
            raise ConfigError("model.steps and model.hidden must be non-empty and equally long")
        if self.image_size % (2 ** self.levels):
            raise ConfigError(f"image_size {self.image_size} is not divisible by 2**{self.levels}")
        if not 0 <= self.classifier_level < self.levels - 1:
            raise ConfigError("classifier_level must name a level before the last one")
        if min(self.steps) < 1 or min(self.hidden) < 1:
            raise ConfigError("every level needs at least one step and a positive width")
        level, _, step = self.activation_layer.partition(".")
        try:
            ok = 0 <= int(level) < self.levels and 0 <= int(step) < self.steps[int(level)]
        except ValueError:
            ok = False
        if not ok:
            raise ConfigError(
                f"activation_layer {self.activation_layer!r} does not name a flow step "
                f"'LEVEL.STEP' (levels 0-{self.levels - 1}, steps per level {list(self.steps)})"
            )
        if not isinstance(self.split_prior, bool):
            raise ConfigError("split_prior must be true or false")
        if self.classifier_norm < 0:
            raise ConfigError("classifier_norm must be >= 0 (0 = free)")
        if not 0 < self.logit_alpha < 0.5:
            raise ConfigError("logit_alpha must lie in (0, 0.5)")
        return self


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """How to train: data, optimiser, schedule, checkpointing.

    ``init_from``: a checkpoint bundle whose weights start the run (fine-tuning, for example
    after a change to the generator); its model config must equal this one. The optimiser, the
    schedule and the step count start afresh, and the bundle's hash is recorded in the metrics.
    A relative path is read from the working directory. ``init_from_hash``, when set, is the
    bundle hash the run must start from (a recipe then cannot silently start from another).
    """

    sampler: str = "study"
    sampler_kwargs: dict = dataclasses.field(default_factory=dict)
    train_size: int = 512
    val_size: int = 256
    data_seed: int = 0
    dataset_dir: str = ""
    batch_size: int = 64
    lr: float = 1e-3
    warmup_steps: int = 50
    weight_decay: float = 0.0
    beta: float = 1.0
    grad_clip: float = 50.0
    epochs: int = 1
    max_steps: int = 0
    max_minutes: float = 0.0
    checkpoint_every: int = 200
    log_every: int = 20
    seed: int = 0
    tf32: bool = True
    init_from: str = ""
    init_from_hash: str = ""


@dataclasses.dataclass(frozen=True)
class Config:
    model: ModelConfig
    train: TrainConfig

    def to_dict(self) -> dict:
        return {"model": dataclasses.asdict(self.model), "train": dataclasses.asdict(self.train)}


def _build(cls, data: dict, where: str):
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a JSON object")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"unknown keys in {where}: {', '.join(unknown)}")
    data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    try:
        return cls(**data)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def model_config_from_dict(data: dict) -> ModelConfig:
    return _build(ModelConfig, data, "model").validate()


def config_from_dict(data: dict) -> Config:
    if not isinstance(data, dict):
        raise ConfigError("the configuration must be a JSON object")
    unknown = sorted(set(data) - {"model", "train"})
    if unknown:
        raise ConfigError(f"unknown top-level keys: {', '.join(unknown)}")
    model = model_config_from_dict(data.get("model", {}))
    train = _build(TrainConfig, data.get("train", {}), "train")
    if isinstance(train.sampler_kwargs, tuple):
        raise ConfigError("train.sampler_kwargs must be a JSON object")
    return Config(model=model, train=train)


def load_config(path: str | Path) -> Config:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"configuration file not found: {path}")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from exc
    return config_from_dict(data)
