"""Bring your own model: a TorchScript file with a descriptor.

Bundle: a folder with the TorchScript file and ``model.json``::

    {"plugin": "torchscript", "file": "model.pt", "input_size": 64,
     "class_names": ["cat", "dog"],
     "preprocessing": {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]},
     "output": "logit"}

The scripted module receives ``(x - mean) / std`` of float [0, 1] RGB images ``[N, 3, S, S]``;
``output`` is ``"logit"`` (``[N]`` or ``[N, 1]``, > 0 means ``class_names[1]``) or
``"two_logits"`` (``[N, 2]``; the logit is their difference). All keys are required. The bundle
hash covers both files. Offers logits and gradients (TorchScript hides the layers from hooks,
so no ``layers``: Grad-CAM and concepts are refused for it).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..model_plugin import (
    BUNDLE_DESCRIPTOR,
    BundleError,
    Capability,
    ModelInfo,
    ModelPlugin,
    check_keys,
    files_hash,
    read_descriptor,
)

OUTPUTS = ("logit", "two_logits")


class ScriptedClassifier(nn.Module):
    """A TorchScript module behind the platform's model interface (``logit`` of [0, 1] images)."""

    def __init__(self, module, info: ModelInfo, mean, std, output: str):
        super().__init__()
        self.module = module
        self.info = info
        self.bundle_hash = info.bundle_hash
        self.output = output
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).reshape(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).reshape(1, 3, 1, 1))

    @property
    def class_names(self) -> tuple[str, str]:
        return self.info.class_names

    @property
    def image_size(self) -> int:
        return self.info.image_size

    @property
    def device(self) -> torch.device:
        return self.mean.device

    def logit(self, x: torch.Tensor) -> torch.Tensor:
        out = self.module((x - self.mean) / self.std)
        if self.output == "two_logits":
            if out.ndim != 2 or out.shape[1] != 2:
                raise ValueError(f"output 'two_logits' expects [N, 2], the model gave "
                                 f"{tuple(out.shape)}")
            return out[:, 1] - out[:, 0]
        if out.numel() != x.shape[0]:
            raise ValueError(f"output 'logit' expects one value per image, the model gave "
                             f"{tuple(out.shape)}")
        return out.reshape(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logit(x)


class TorchScriptPlugin(ModelPlugin):
    name = "torchscript"
    description = "any TorchScript image classifier with a model.json descriptor"

    def _read(self, folder: Path) -> dict:
        data = read_descriptor(folder)
        path = folder / BUNDLE_DESCRIPTOR
        check_keys(path, data, {"file", "input_size", "class_names", "preprocessing", "output"})
        problems = []
        if not isinstance(data["file"], str) or not (folder / data["file"]).is_file():
            problems.append(f"file {data['file']!r} is not a file in {folder}")
        size = data["input_size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 8:
            problems.append(f"input_size must be an integer >= 8, got {size!r}")
        names = data["class_names"]
        if not (isinstance(names, list) and len(names) == 2
                and all(isinstance(n, str) and n for n in names)):
            problems.append(f"class_names must be two non-empty strings, got {names!r}")
        pre = data["preprocessing"]
        if not isinstance(pre, dict) or set(pre) != {"mean", "std"} or not all(
                isinstance(pre[k], list) and len(pre[k]) == 3
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in pre[k])
                for k in ("mean", "std")) or not all(v > 0 for v in pre["std"]):
            problems.append(f"preprocessing must be {{\"mean\": [3 numbers], \"std\": [3 "
                            f"positive numbers]}}, got {pre!r}")
        if data["output"] not in OUTPUTS:
            problems.append(f"output must be one of {list(OUTPUTS)}, got {data['output']!r}")
        if problems:
            raise BundleError(f"{path}: " + "; ".join(problems))
        return data

    def describe(self, folder: Path) -> ModelInfo:
        folder = Path(folder)
        data = self._read(folder)
        pre = data["preprocessing"]
        return ModelInfo(
            plugin=self.name, bundle=str(folder.resolve()),
            bundle_hash=files_hash(folder, [BUNDLE_DESCRIPTOR, data["file"]]),
            image_size=data["input_size"], class_names=tuple(data["class_names"]),
            preprocessing=f"float [0, 1] RGB, (x - {pre['mean']}) / {pre['std']}",
            capabilities=frozenset({Capability.LOGITS, Capability.GRADIENTS}))

    def load(self, folder: Path, *, device: str = "cpu"):
        folder = Path(folder)
        info = self.describe(folder)
        data = self._read(folder)
        try:
            module = torch.jit.load(str(folder / data["file"]), map_location="cpu")
        except Exception as exc:  # noqa: BLE001 - torch.jit raises several kinds
            raise BundleError(f"{folder / data['file']} is not a TorchScript file: {exc}") from None
        pre = data["preprocessing"]
        model = ScriptedClassifier(module, info, pre["mean"], pre["std"], data["output"])
        return model.to(device).eval()
