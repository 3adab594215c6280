"""Comprehension gate: true/false statements. The first failure sends the participant back to
the video and summary (``retry_from``); reaching ``max_failures`` screens them out."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..export_contract import ItemType
from .base import StepSpec, StepType
from .outcomes import GoTo, Invalid, Next, ScreenOut

TRUE_FALSE = {"true": True, "false": False}


@dataclass
class Statement:
    id: str
    text: str
    answer: bool


@dataclass
class ComprehensionGateSpec(StepSpec):
    intro: str = ""
    statements: list[Statement] = field(default_factory=list)
    retry_from: str = ""
    max_failures: int = 2
    default_title = "Check your understanding"

    @classmethod
    def read_fields(cls, r, ctx):
        statements = []
        for i, node in enumerate(r.list("statements")):
            s = r.item("statements", i, node)
            statements.append(Statement(s.str("id", f"s{i + 1}", slug=True), s.str("text"),
                                        s.bool("answer")))
            s.finish()
        if not statements:
            r.error("statements", "needs at least one true/false statement")
        retry_from = r.str("retry_from", slug=True)
        if retry_from is not None and retry_from not in ctx["prior_ids"]:
            r.error("retry_from", f"{retry_from!r} is not an earlier step id")
        return {"intro": r.str("intro", ""), "statements": statements, "retry_from": retry_from,
                "max_failures": r.int("max_failures", 2, minimum=1)}

    def items(self):
        return [s.id for s in self.statements]


class ComprehensionGate(StepType):
    name = "comprehension_gate"
    spec = ComprehensionGateSpec
    template = "studies/steps/gate.html"
    item_types = (ItemType.COMPREHENSION,)
    checks_understanding = True
    summaries = {"gate_failures": 0}

    def context(self, ctx):
        return {"failures": ctx.state.get("failures", 0)}

    def submit(self, ctx, data):
        step, answers = ctx.step, {}
        for s in step.statements:
            value = data.get(f"statement-{s.id}", "")
            if value not in TRUE_FALSE:
                raise Invalid({f"statement-{s.id}": "Please answer every statement."})
            answers[s.id] = TRUE_FALSE[value]
        for s in step.statements:
            ctx.store(ItemType.COMPREHENSION, s.id, str(answers[s.id]).lower(),
                      answer_key=str(s.answer).lower(), correct=answers[s.id] == s.answer)
        if all(answers[s.id] == s.answer for s in step.statements):
            return Next()
        failures = ctx.state["failures"] = ctx.state.get("failures", 0) + 1
        if failures >= step.max_failures:
            return ScreenOut(f"failed comprehension check {step.id!r} {failures} times")
        return GoTo(step.retry_from, "Some of your answers were not correct. Please watch the "
                                     "video and read the summary again, then try once more.")

    def summary(self, step, records):
        """Failed attempts (the count the gate keeps in its state)."""
        return {"gate_failures": int(records.state(step).get("failures", 0))}

    def end_note(self, participant, step):
        return ("Not all of your answers to the comprehension questions were correct, also on "
                "your last attempt.")

    def bot_answer(self, bot, step, *, correct=True):
        return {f"statement-{s.id}": str(s.answer == correct).lower() for s in step.statements}
