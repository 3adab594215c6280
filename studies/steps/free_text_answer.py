"""A question answered in writing (YAML ``type: free_text``), between ``min_chars`` and
``max_chars`` characters of printable text."""

from __future__ import annotations

from dataclasses import dataclass

from ..export_contract import ItemType
from ..free_text import problem, written
from .base import StepSpec, StepType, client_ms
from .outcomes import Invalid, Next


@dataclass
class FreeTextSpec(StepSpec):
    question: str = ""
    item: str = ""
    min_chars: int = 1
    max_chars: int = 5000
    default_title = "Your answer"

    @classmethod
    def read_fields(cls, r, ctx):
        return {"question": r.str("question"), "item": r.str("item", r.node.get("id"), slug=True),
                "min_chars": r.int("min_chars", 1, minimum=0),
                "max_chars": r.int("max_chars", 5000, minimum=1)}

    def items(self):
        return [self.item]


class FreeText(StepType):
    name = "free_text"
    spec = FreeTextSpec
    template = "studies/steps/free_text.html"
    item_types = (ItemType.FREE_TEXT,)

    def submit(self, ctx, data):
        step = ctx.step
        text = written(data, "answer")
        if len(text) < step.min_chars:
            raise Invalid({"answer": f"Please write at least {step.min_chars} characters."})
        if wrong := problem(text, max_chars=step.max_chars):
            raise Invalid({"answer": wrong})
        ctx.store(ItemType.FREE_TEXT, step.item, text, rt_ms=client_ms(data, "rt_ms"))
        return Next()

    def bot_answer(self, bot, step, *, correct=True):
        return {"answer": "I compared the columns <b>carefully</b>.", "rt_ms": "9000"}
