"""Pages without special machinery: consent, text, free text, Likert, multiple choice, end."""

from __future__ import annotations

from ..free_text import problem, written
from .base import Page, StepContext, client_ms
from .outcomes import Decline, Invalid, Next


class Consent(Page):
    template = "studies/steps/consent.html"

    def submit(self, ctx: StepContext, data):
        choice = data.get("consent")
        if choice == "decline":
            return Decline()
        if choice != "agree":
            raise Invalid({"consent": "Please choose whether you agree."})
        return Next()


class Text(Page):
    template = "studies/steps/text.html"


class Completion(Page):
    template = "studies/steps/text.html"


class FreeText(Page):
    template = "studies/steps/free_text.html"

    def submit(self, ctx: StepContext, data):
        step = ctx.step
        text = written(data, "answer")
        if len(text) < step.min_chars:
            raise Invalid({"answer": f"Please write at least {step.min_chars} characters."})
        if wrong := problem(text, max_chars=step.max_chars):
            raise Invalid({"answer": wrong})
        ctx.store("free_text", step.item, text, rt_ms=client_ms(data, "rt_ms"))
        return Next()


class Likert(Page):
    template = "studies/steps/likert.html"

    def context(self, ctx):
        step = ctx.step
        return {"scale": [(v, step.labels.get(v, "")) for v in
                          range(step.scale_min, step.scale_max + 1)]}

    def submit(self, ctx: StepContext, data):
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
            ctx.store("likert", item_id, value, rt_ms=client_ms(data, f"rt-{item_id}"))
        return Next()


class MultipleChoice(Page):
    template = "studies/steps/multiple_choice.html"

    def submit(self, ctx: StepContext, data):
        step = ctx.step
        value = data.get("choice", "")
        if value not in step.choices:
            raise Invalid({"choice": "Please choose one of the answers."})
        ctx.store(step.item_type, step.item, value, rt_ms=client_ms(data, "rt_ms"))
        return Next()
