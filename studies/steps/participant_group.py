"""A screening question whose answer puts the participant in a group: Borowski et al.'s expert
vs. lay participants (ICLR 2021, Sec. 3 and A.1.1: "Expert participants qualify by being familiar
or having worked with convolutional neural networks"; A.2.3 splits the experts into expertise
levels 1 = familiar with CNNs but not feature visualisations, 2 = heard of or read about them,
3 = used them).

The qualification is a statement about the participant's background, so the participant answers
it (a crowd on Prolific has no filter for it). Each choice names its ``group`` and optionally a
``level``; the answer is one export row (``item_type`` ``group``, ``response`` the choice as
shown), and the group and level are participant columns of every row of the tidy export
(``participant_group``, ``expertise_level``) so that an analysis can group trials by them. The
step keeps them in the participant's state under its id, where ``studies.exports`` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..export_contract import ItemType
from .base import StepSpec, StepType, client_ms
from .outcomes import Invalid, Next


@dataclass
class GroupChoice:
    text: str
    group: str
    level: int | None = None


@dataclass
class ParticipantGroupSpec(StepSpec):
    question: str = ""
    choices: list[GroupChoice] = field(default_factory=list)
    item: str = ""
    default_title = "About you"

    @classmethod
    def read_fields(cls, r, ctx):
        choices = []
        for i, node in enumerate(r.list("choices")):
            c = r.item("choices", i, node)
            choices.append(GroupChoice(c.str("text"), c.str("group", slug=True),
                                       c.int("level", None, minimum=0)))
            c.finish()
        texts = [c.text for c in choices]
        if len(choices) < 2:
            r.error("choices", "needs at least two choices")
        if len(set(texts)) != len(texts):
            r.error("choices", "has duplicate texts")
        if choices and len({c.group for c in choices}) < 2:
            r.error("choices", "all choices name the same group: nothing to tell apart")
        return {"question": r.str("question"), "choices": choices,
                "item": r.str("item", r.node.get("id"), slug=True)}

    def items(self):
        return [self.item]

    def groups(self) -> list[str]:
        return list(dict.fromkeys(c.group for c in self.choices))


class ParticipantGroup(StepType):
    name = "participant_group"
    spec = ParticipantGroupSpec
    template = "studies/steps/participant_group.html"
    item_types = (ItemType.GROUP,)

    def context(self, ctx):
        return {"choices": list(enumerate(ctx.step.choices))}

    def submit(self, ctx, data):
        step = ctx.step
        value = data.get("choice", "")
        if not (value.isascii() and value.isdigit() and int(value) < len(step.choices)):
            raise Invalid({"choice": "Please choose the answer that describes you best."})
        choice = step.choices[int(value)]
        ctx.state.update({"group": choice.group, "level": choice.level})
        ctx.store(ItemType.GROUP, step.item, choice.text, rt_ms=client_ms(data, "rt_ms"),
                  extra={"group": choice.group, "level": choice.level})
        return Next()

    def bot_answer(self, bot, step, *, correct=True):
        """The last choice (in the shipped Borowski specs: an expert of the highest level)."""
        return {"choice": str(len(step.choices) - 1), "rt_ms": "2600"}


def attributes(spec, state: dict) -> dict:
    """The participant's group and expertise level from the state their group steps left
    (the last such step answered wins; empty where none was answered)."""
    out = {"participant_group": "", "expertise_level": None}
    for step in spec.steps:
        if isinstance(step, ParticipantGroupSpec) and "group" in state.get(step.id, {}):
            out = {"participant_group": state[step.id]["group"],
                   "expertise_level": state[step.id].get("level")}
    return out
