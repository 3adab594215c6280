"""The shipped small CNN (:mod:`explainers.models.cnn`): a state dict with a named factory.

Bundle: the same checkpoint files as the INN's (config.json with the :class:`CNNConfig`,
weights.pt, metrics.json, dataset.json, train_log.csv, bundle.json) plus ``model.json``
``{"plugin": "cnn"}``; written by :mod:`explainers.models.train_cnn`. Offers logits, gradients
and its convolutional stages ``stem``, ``layer1``, ``layer2``, ``layer3`` (default) as named
layers; not invertible.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from explainers.synthetic import LABEL_NAMES

from ..checkpoint import CheckpointError, read_bundle
from ..cnn import CNNConfig, SmallResNet
from ..model_plugin import BundleError, Capability, ModelInfo, ModelPlugin, read_descriptor


class CNNPlugin(ModelPlugin):
    name = "cnn"
    description = "small ResNet-style CNN on Two4Two (not invertible)"

    def _config(self, folder: Path) -> tuple[CNNConfig, str]:
        read_descriptor(folder)
        try:
            _, bundle = read_bundle(folder)
            config = CNNConfig.from_dict(json.loads((folder / "config.json").read_text())["model"])
        except (CheckpointError, KeyError, ValueError) as exc:
            raise BundleError(f"{folder}: not a CNN bundle: {exc}") from None
        return config, bundle["hash"]

    def describe(self, folder: Path) -> ModelInfo:
        config, digest = self._config(Path(folder))
        return ModelInfo(
            plugin=self.name, bundle=str(Path(folder).resolve()), bundle_hash=digest,
            image_size=config.image_size, class_names=(LABEL_NAMES[0], LABEL_NAMES[1]),
            preprocessing="float [0, 1] RGB, scaled to [-1, 1] inside the model",
            capabilities=frozenset({Capability.LOGITS, Capability.GRADIENTS, Capability.LAYERS,
                                    Capability.CONV_LAYERS}),
            layers=SmallResNet.LAYERS, default_layer=SmallResNet.LAYERS[-1])

    def load(self, folder: Path, *, device: str = "cpu"):
        folder = Path(folder)
        info = self.describe(folder)
        config, digest = self._config(folder)
        model = SmallResNet(config)
        try:
            model.load_state_dict(torch.load(folder / "weights.pt", map_location="cpu",
                                             weights_only=True))
        except Exception as exc:  # noqa: BLE001 - any unpickling/shape error means a bad bundle
            raise BundleError(f"{folder}/weights.pt does not fit config.json: {exc}") from None
        model.bundle_hash = digest
        model.info = info
        return model.to(device).eval()
