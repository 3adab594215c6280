"""What an explainer needs from the model and the image source, checked before anything renders.

Every explainer class declares ``needs`` (a frozenset of :class:`Need`): the model capabilities
it uses (see :class:`explainers.models.model_plugin.Capability`) and ``generator`` when it needs
a parametric image source (the Two4Two generator, to intervene on factors).
:func:`condition_problems` checks one condition (explainer name, parameters) against a model's
:class:`~explainers.models.model_plugin.ModelInfo` and returns every problem as ``(key,
message)``, ``key`` being ``explainer``, ``params`` or ``params.NAME``, so that a spec loader can
name the key and its line. A parameter named ``layer`` must name one of the model's layers.
Nothing here imports Django.
"""

from __future__ import annotations

import dataclasses
import typing
from enum import StrEnum

from explainers.models.model_plugin import Capability, ModelInfo


class Need(StrEnum):
    LOGITS = Capability.LOGITS.value
    GRADIENTS = Capability.GRADIENTS.value
    LAYERS = Capability.LAYERS.value
    CONV_LAYERS = Capability.CONV_LAYERS.value
    INVERTIBLE = Capability.INVERTIBLE.value
    GENERATOR = "generator"  # of the image source, not the model


MODEL_NEEDS = frozenset(Need) - {Need.GENERATOR}
EXPLAINS = {
    Need.GRADIENTS: "gradients of the logit",
    Need.LAYERS: "named layers' activations",
    Need.CONV_LAYERS: "named convolutional layers",
    Need.INVERTIBLE: "an invertible model",
    Need.GENERATOR: "a parametric image generator",
}


def condition_problems(explainer: str, params: dict, model: ModelInfo | None, *,
                       source_offers: frozenset[str] = frozenset({Need.GENERATOR})
                       ) -> list[tuple[str, str]]:
    """Every reason why ``explainer`` with ``params`` cannot work on ``model`` (empty: it can);
    ``model`` None checks the explainer and its parameters only."""
    from .base import ParamError, _coerce
    from .registry import UnknownExplainer, get_explainer

    try:
        cls = type(get_explainer(explainer))
    except UnknownExplainer as exc:
        return [("explainer", str(exc))]
    problems = []
    fields = {f.name for f in dataclasses.fields(cls.Params)}
    hints = typing.get_type_hints(cls.Params)
    allowed = ", ".join(sorted(fields)) or "none"
    values = {}
    for name, value in params.items():
        if name not in fields:
            problems.append((f"params.{name}", f"explainer {explainer!r} has no parameter "
                                               f"{name!r}; its parameters are: {allowed}"))
            continue
        try:
            values[name] = _coerce(cls.name, name, value, hints[name])
        except ParamError as exc:
            problems.append((f"params.{name}", str(exc)))
    if not problems:
        try:
            cls.params(**params)
        except ParamError as exc:
            problems.append(("params", str(exc)))
    if model is None:
        return problems
    for need in sorted(cls.needs):
        offered = model.offers(need) if need in MODEL_NEEDS else need in source_offers
        if not offered:
            what = (f"the model ({model.plugin} bundle {model.bundle}) offers only "
                    f"{', '.join(sorted(model.capabilities))}" if need in MODEL_NEEDS
                    else "the image source is not a generator")
            problems.append(("explainer", f"explainer {explainer!r} needs {EXPLAINS[need]} "
                                          f"({need}); {what}"))
    layer = values.get("layer")
    if "layer" in fields and layer is not None and layer not in model.layers:
        problems.append(("params.layer", f"the model ({model.plugin}) has no layer {layer!r}; "
                                         f"its layers: {', '.join(model.layers) or 'none'}"))
    return problems
