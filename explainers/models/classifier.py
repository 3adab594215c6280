"""The invertible classifier: a Glow flow phi with a linear classifier f(x) = w^T phi(x) + b."""

from __future__ import annotations

import contextlib
import dataclasses
import math

import torch
from torch import nn
from torch.nn import functional as F

from .config import ModelConfig
from .flow import FlowStep, SplitPrior, squeeze, unsqueeze

LOG_2PI = math.log(2 * math.pi)


@dataclasses.dataclass
class Encoding:
    """phi(x): ``z`` the flat features ``[N, D]`` the classifier reads, ``faded`` the channels
    faded out before the classifier layer (kept so that :meth:`FlowClassifier.decode` is exact;
    with ``split_prior`` their standardised residuals, see :class:`SplitPrior`)."""

    z: torch.Tensor
    faded: tuple[torch.Tensor, ...]

    def with_z(self, z: torch.Tensor) -> Encoding:
        """The same encoding with other features (same batch size, or one row per new z when
        this encoding holds a single image)."""
        faded = self.faded
        if z.shape[0] != self.z.shape[0]:
            if self.z.shape[0] != 1:
                raise ValueError("with_z: batch sizes differ")
            faded = tuple(f.expand(z.shape[0], *f.shape[1:]) for f in faded)
        return Encoding(z=z, faded=faded)

    def select(self, index: torch.Tensor) -> Encoding:
        """The encodings of the images at ``index``."""
        return Encoding(z=self.z[index], faded=tuple(f[index] for f in self.faded))

    @classmethod
    def cat(cls, encodings: list[Encoding]) -> Encoding:
        """The encodings of several batches as one."""
        return cls(z=torch.cat([e.z for e in encodings]),
                   faded=tuple(torch.cat(parts) for parts in zip(*(e.faded for e in encodings),
                                                                 strict=True)))

    def repeat_interleave(self, k: int) -> Encoding:
        return Encoding(
            z=self.z.repeat_interleave(k, 0),
            faded=tuple(f.repeat_interleave(k, 0) for f in self.faded),
        )


@contextlib.contextmanager
def exact_float32():
    """Plain float32 convolutions and matmuls (no TF32), so that decode inverts encode to ~1e-6
    also on GPUs where training enabled TF32."""
    flags = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = flags


def _gauss_logp(x: torch.Tensor) -> torch.Tensor:
    return -0.5 * (x.pow(2) + LOG_2PI).flatten(1).sum(1)


class FlowClassifier(nn.Module):
    """Glow with a linear classifier on the flat output of level ``config.classifier_level``."""

    plugin_name = "inn"  # the model plugin that loads its bundle (explainers.models.plugins)
    class_names = ("Peeky", "Stretchy")  # Two4Two: logit < 0 is Peeky

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config.validate()
        self.bundle_hash = ""
        gen = torch.Generator().manual_seed(config.init_seed)
        torch.manual_seed(config.init_seed)
        channels, size = config.channels, config.image_size
        self.levels = nn.ModuleList()
        self.priors = nn.ModuleList()  # one SplitPrior per fade-out (config.split_prior)
        self.shapes = []  # shape kept after each level (C, h, w)
        for i, (n_steps, hidden) in enumerate(zip(config.steps, config.hidden, strict=True)):
            channels, size = channels * 4, size // 2
            self.levels.append(
                nn.ModuleList(
                    FlowStep(channels, hidden, config.coupling_clamp, gen) for _ in range(n_steps)
                )
            )
            if i < config.levels - 1:
                if config.split_prior:
                    self.priors.append(SplitPrior(channels - channels // 2, channels // 2))
                channels -= channels // 2
            self.shapes.append((channels, size, size))
        c, h, w = self.shapes[config.classifier_level]
        self.feature_dim = c * h * w
        self.w_param = nn.Parameter(torch.zeros(self.feature_dim))
        self.b_param = nn.Parameter(torch.zeros(()))
        nn.init.normal_(self.w_param, std=1.0 / math.sqrt(self.feature_dim), generator=gen)

    # -- public attributes ------------------------------------------------------------------
    @property
    def w(self) -> torch.Tensor:
        if self.config.classifier_norm > 0:
            return self.config.classifier_norm * self.w_param / self.w_param.norm()
        return self.w_param

    @property
    def b(self) -> torch.Tensor:
        return self.b_param

    @property
    def image_size(self) -> int:
        return self.config.image_size

    @property
    def device(self) -> torch.device:
        return self.w_param.device

    def layer_names(self) -> list[str]:
        return [f"{i}.{j}" for i, steps in enumerate(self.levels) for j in range(len(steps))]

    # -- preprocessing: [0, 1] <-> logit space ------------------------------------------------
    def _check_images(self, x: torch.Tensor) -> torch.Tensor:
        s = self.config.image_size
        if x.ndim != 4 or tuple(x.shape[1:]) != (self.config.channels, s, s):
            raise ValueError(
                f"expected images [N, {self.config.channels}, {s}, {s}], got {tuple(x.shape)}"
            )
        return x.to(device=self.device, dtype=torch.float32)

    def preprocess(self, x: torch.Tensor, dequantize: bool = False):
        """[0, 1] -> logit(a + (1 - 2a) x); returns (y, logdet). Training adds uniform noise."""
        x = self._check_images(x)
        if dequantize:
            bins = 2**self.config.n_bits
            x = (torch.floor(x.clamp(0, 1) * (bins - 1) + 0.5) + torch.rand_like(x)) / bins
        a = self.config.logit_alpha
        p = a + (1 - 2 * a) * x
        y = torch.log(p) - torch.log1p(-p)
        logdet = (math.log(1 - 2 * a) - torch.log(p) - torch.log1p(-p)).flatten(1).sum(1)
        return y, logdet

    def postprocess(self, y: torch.Tensor, clamp: bool = True) -> torch.Tensor:
        a = self.config.logit_alpha
        x = (torch.sigmoid(y) - a) / (1 - 2 * a)
        return x.clamp(0, 1) if clamp else x

    # -- flow ----------------------------------------------------------------------------------
    def _run_levels(self, h, start: int, stop: int, capture: str | None = None):
        """Levels [start, stop): returns (kept, faded list, logdet, logp of faded, captured)."""
        logdet = torch.zeros(h.shape[0], device=h.device)
        logp = torch.zeros(h.shape[0], device=h.device)
        faded, captured = [], None
        for i in range(start, stop):
            h = squeeze(h)
            for j, step in enumerate(self.levels[i]):
                h, ld = step(h)
                logdet = logdet + ld
                if capture == f"{i}.{j}":
                    captured = h
            if i < self.config.levels - 1:
                keep = h.shape[1] - h.shape[1] // 2
                h, out = h[:, :keep], h[:, keep:]
                if self.config.split_prior:
                    out, sum_logs = self.priors[i](h, out)
                    logp = logp - sum_logs
                faded.append(out)
                logp = logp + _gauss_logp(out)
        return h, faded, logdet, logp, captured

    def _inverse_levels(self, h, faded, start: int, stop: int):
        for i in reversed(range(start, stop)):
            if i < self.config.levels - 1:
                out = faded[i - start]
                if self.config.split_prior:
                    out = self.priors[i].inverse(h, out)
                h = torch.cat([h, out], 1)
            for step in reversed(self.levels[i]):
                h = step.inverse(h)
            h = unsqueeze(h)
        return h

    def forward_train(self, x: torch.Tensor):
        """Returns (logits [N], nll in bits per dimension [N]) with dequantisation noise."""
        y, ld0 = self.preprocess(x, dequantize=True)
        c = self.config.classifier_level
        kept, _, ld1, lp1, _ = self._run_levels(y, 0, c + 1)
        logits = kept.flatten(1) @ self.w + self.b_param
        final, _, ld2, lp2, _ = self._run_levels(kept, c + 1, self.config.levels)
        logp = lp1 + lp2 + _gauss_logp(final) + ld0 + ld1 + ld2
        dims = x[0].numel()
        nll = -(logp - dims * math.log(2**self.config.n_bits)) / (dims * math.log(2))
        return logits, nll

    def loss(self, x: torch.Tensor, labels: torch.Tensor, beta: float):
        logits, nll = self.forward_train(x)
        bce = F.binary_cross_entropy_with_logits(logits, labels.float())
        return nll.mean() + beta * bce, {"bpd": nll.mean(), "bce": bce, "logits": logits}

    # -- explainer API -------------------------------------------------------------------------
    def encode(self, x: torch.Tensor) -> Encoding:
        y, _ = self.preprocess(x)
        with exact_float32():
            kept, faded, _, _, _ = self._run_levels(y, 0, self.config.classifier_level + 1)
        return Encoding(z=kept.flatten(1), faded=tuple(faded))

    def decode(self, enc: Encoding, clamp: bool = True) -> torch.Tensor:
        """phi^-1: images in [0, 1]. ``clamp=False`` returns the raw inverse, which can leave
        [0, 1] by up to a/(1-2a) for features far from the data (see docs/model/README.md)."""
        c = self.config.classifier_level
        z = enc.z.to(device=self.device, dtype=torch.float32)
        h = z.view(z.shape[0], *self.shapes[c])
        faded = [f.to(device=self.device, dtype=torch.float32) for f in enc.faded]
        with exact_float32():
            return self.postprocess(self._inverse_levels(h, faded, 0, c + 1), clamp)

    def logit_from_z(self, z: torch.Tensor) -> torch.Tensor:
        return z @ self.w + self.b_param

    def logit(self, x: torch.Tensor) -> torch.Tensor:
        return self.logit_from_z(self.encode(x).z)

    def activations(self, x: torch.Tensor, layer: str | None = None) -> torch.Tensor:
        """Output of flow step ``layer`` ('LEVEL.STEP'; default ``config.activation_layer``)."""
        layer = layer or self.config.activation_layer
        if layer not in self.layer_names():
            raise ValueError(f"unknown layer {layer!r}; known: {', '.join(self.layer_names())}")
        y, _ = self.preprocess(x)
        stop = int(layer.split(".")[0]) + 1
        with exact_float32():
            return self._run_levels(y, 0, stop, capture=layer)[4]

    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def build_model(config) -> FlowClassifier:
    """A fresh model from a :class:`ModelConfig`, a full :class:`Config`, or a dict."""
    from .config import Config, model_config_from_dict

    if isinstance(config, Config):
        config = config.model
    if isinstance(config, dict):
        config = model_config_from_dict(config.get("model", config))
    return FlowClassifier(config)
