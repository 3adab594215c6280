"""The shipped invertible network (Glow + linear classifier, :mod:`explainers.models.classifier`).

Bundle: the checkpoint folder of :mod:`explainers.models.checkpoint` plus ``model.json``
``{"plugin": "inn"}``. Offers everything: logits, gradients, the flow steps' activations
(``LEVEL.STEP``) and invertibility; its flow steps are not plain convolutional modules, so it
does not offer ``conv_layers`` (Grad-CAM).
"""

from __future__ import annotations

import json
from pathlib import Path

from explainers.synthetic import LABEL_NAMES

from ..checkpoint import CheckpointError, load_checkpoint, read_bundle
from ..model_plugin import BundleError, Capability, ModelInfo, ModelPlugin, read_descriptor

CLASS_NAMES = (LABEL_NAMES[0], LABEL_NAMES[1])


class INNPlugin(ModelPlugin):
    name = "inn"
    description = "invertible Glow classifier on Two4Two (the paper's model)"

    def describe(self, folder: Path) -> ModelInfo:
        read_descriptor(folder)
        try:
            _, bundle = read_bundle(folder)
            config = json.loads((Path(folder) / "config.json").read_text())["model"]
        except (CheckpointError, KeyError, json.JSONDecodeError) as exc:
            raise BundleError(f"{folder}: not an INN checkpoint: {exc}") from None
        layers = tuple(f"{i}.{j}" for i, n in enumerate(config["steps"]) for j in range(n))
        return ModelInfo(
            plugin=self.name, bundle=str(Path(folder).resolve()), bundle_hash=bundle["hash"],
            image_size=int(config["image_size"]), class_names=CLASS_NAMES,
            preprocessing="float [0, 1] RGB; dequantised and logit-transformed inside the model",
            capabilities=frozenset({Capability.LOGITS, Capability.GRADIENTS, Capability.LAYERS,
                                    Capability.INVERTIBLE}),
            layers=layers, default_layer=config["activation_layer"])

    def load(self, folder: Path, *, device: str = "cpu"):
        info = self.describe(folder)
        model = load_checkpoint(folder, device=device)
        model.info = info
        return model
