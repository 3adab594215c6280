"""Likert items on one page: each answered with an integer from ``scale_min`` to ``scale_max``
(``labels`` names some of the points)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..export_contract import ItemType
from .base import StepSpec, StepType, client_ms
from .outcomes import Invalid, Next


@dataclass
class LikertItem:
    id: str
    text: str


@dataclass
class LikertSpec(StepSpec):
    intro: str = ""
    items_: list[LikertItem] = field(default_factory=list)
    scale_min: int = 1
    scale_max: int = 7
    labels: dict[int, str] = field(default_factory=dict)
    default_title = "Your opinion"

    @classmethod
    def read_fields(cls, r, ctx):
        items = []
        for i, node in enumerate(r.list("items")):
            it = r.item("items", i, node)
            items.append(LikertItem(it.str("id", slug=True), it.str("text")))
            it.finish()
        if not items:
            r.error("items", "needs at least one item")
        lo, hi = r.int("scale_min", 1), r.int("scale_max", 7)
        if lo is not None and hi is not None and hi <= lo:
            r.error("scale_max", "must be larger than scale_min")
        labels = {int(k): str(v) for k, v in r.mapping("labels", {}).items() if str(k).isdigit()}
        return {"intro": r.str("intro", ""), "items_": items, "scale_min": lo, "scale_max": hi,
                "labels": labels}

    def items(self):
        return [i.id for i in self.items_]


class Likert(StepType):
    name = "likert"
    spec = LikertSpec
    template = "studies/steps/likert.html"
    item_types = (ItemType.LIKERT,)

    def context(self, ctx):
        step = ctx.step
        return {"scale": [(v, step.labels.get(v, "")) for v in
                          range(step.scale_min, step.scale_max + 1)]}

    def submit(self, ctx, data):
        step, answers, errors = ctx.step, {}, {}
        for item in step.items_:
            value = data.get(f"likert-{item.id}", "")
            if not (value.lstrip("-").isascii() and value.lstrip("-").isdigit()) or not \
                    step.scale_min <= int(value) <= step.scale_max:
                errors[f"likert-{item.id}"] = "Please choose a value."
            else:
                answers[item.id] = value
        if errors:
            raise Invalid(errors)
        for item_id, value in answers.items():
            ctx.store(ItemType.LIKERT, item_id, value, rt_ms=client_ms(data, f"rt-{item_id}"))
        return Next()

    def bot_answer(self, bot, step, *, correct=True):
        return {f"likert-{i.id}": "4" for i in step.items_}
