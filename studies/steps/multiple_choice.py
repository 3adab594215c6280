"""One question with fixed answers to choose from; ``item_type: expertise`` marks the
machine-learning expertise question the analysis reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..export_contract import ItemType
from .base import StepSpec, StepType, client_ms
from .outcomes import Invalid, Next


@dataclass
class MultipleChoiceSpec(StepSpec):
    question: str = ""
    choices: list[str] = field(default_factory=list)
    item: str = ""
    item_type: str = ItemType.CHOICE
    default_title = "One more question"

    @classmethod
    def read_fields(cls, r, ctx):
        choices = r.list("choices")
        if len(choices) < 2 or not all(isinstance(c, str) and c.strip() for c in choices):
            r.error("choices", "needs at least two non-empty strings")
        if len(set(choices)) != len(choices):
            r.error("choices", "has duplicates")
        return {"question": r.str("question"), "choices": [str(c) for c in choices],
                "item": r.str("item", r.node.get("id"), slug=True),
                "item_type": r.str("item_type", ItemType.CHOICE,
                                    choices=MultipleChoice.item_types)}

    def items(self):
        return [self.item]


class MultipleChoice(StepType):
    name = "multiple_choice"
    spec = MultipleChoiceSpec
    template = "studies/steps/multiple_choice.html"
    item_types = (ItemType.CHOICE, ItemType.EXPERTISE)

    def submit(self, ctx, data):
        step = ctx.step
        value = data.get("choice", "")
        if value not in step.choices:
            raise Invalid({"choice": "Please choose one of the answers."})
        ctx.store(step.item_type, step.item, value, rt_ms=client_ms(data, "rt_ms"))
        return Next()

    def bot_answer(self, bot, step, *, correct=True):
        return {"choice": step.choices[1], "rt_ms": "3000"}
