"""Comprehension gate: true/false statements. The first failure sends the participant back to
the video and summary (``retry_from``); reaching ``max_failures`` screens them out."""

from __future__ import annotations

from .base import Page, StepContext
from .outcomes import GoTo, Invalid, Next, ScreenOut

TRUE_FALSE = {"true": True, "false": False}


class ComprehensionGate(Page):
    template = "studies/steps/gate.html"

    def context(self, ctx: StepContext) -> dict:
        return {"failures": ctx.state.get("failures", 0)}

    def submit(self, ctx: StepContext, data):
        step, answers = ctx.step, {}
        for s in step.statements:
            value = data.get(f"statement-{s.id}", "")
            if value not in TRUE_FALSE:
                raise Invalid({f"statement-{s.id}": "Please answer every statement."})
            answers[s.id] = TRUE_FALSE[value]
        for s in step.statements:
            ctx.store("comprehension", s.id, str(answers[s.id]).lower(),
                      answer_key=str(s.answer).lower(), correct=answers[s.id] == s.answer)
        if all(answers[s.id] == s.answer for s in step.statements):
            return Next()
        failures = ctx.state["failures"] = ctx.state.get("failures", 0) + 1
        ctx.participant.gate_failures += 1
        if failures >= step.max_failures:
            return ScreenOut(f"failed comprehension check {step.id!r} {failures} times")
        return GoTo(step.retry_from, "Some of your answers were not correct. Please watch the "
                                     "video and read the summary again, then try once more.")
