"""The explanation (a published stimulus grid) and the five relevance questions, each with a
written justification of a minimum length (paper, section 5.2)."""

from __future__ import annotations

from ..answer_keys import answer_key
from ..free_text import problem, written
from ..spec.steps import RELEVANCE
from ..stimuli import manifest
from .base import Page, StepContext, client_ms
from .outcomes import Invalid, Next


def stimulus_of(ctx: StepContext) -> dict:
    p = ctx.participant
    return manifest(ctx.spec, p.condition.name, p.variant or 0)


class StimulusQuestions(Page):
    template = "studies/steps/stimulus.html"

    def context(self, ctx: StepContext) -> dict:
        m = stimulus_of(ctx)
        rows = [[None] * m["cols"] for _ in range(m["rows"])]
        for cell in m["cells"]:
            rows[cell["row"]][cell["col"]] = cell["file"]
        return {"manifest": m, "cell_rows": list(zip(m["row_labels"] or [""] * m["rows"], rows,
                                                     strict=False)),
                "relevance": RELEVANCE}

    def submit(self, ctx: StepContext, data):
        step, errors, answers = ctx.step, {}, {}
        for attr in step.attributes:
            choice = data.get(f"relevance-{attr.id}", "")
            text = written(data, f"justification-{attr.id}")
            if choice not in RELEVANCE:
                errors[f"relevance-{attr.id}"] = "Please choose relevant or irrelevant."
            if len(text) < step.min_justification_chars:
                errors[f"justification-{attr.id}"] = (
                    f"Please justify your answer in a full sentence "
                    f"(at least {step.min_justification_chars} characters).")
            elif wrong := problem(text, max_chars=step.max_justification_chars):
                errors[f"justification-{attr.id}"] = wrong
            answers[attr.id] = (choice, text)
        if errors:
            raise Invalid(errors)
        key, shown = answer_key(step), stimulus_of(ctx)["key"]
        for attr in step.attributes:
            choice, text = answers[attr.id]
            correct = choice == key[attr.id]
            ctx.participant.correct_answers += correct
            ctx.store("relevance", attr.id, choice, answer_key=key[attr.id], correct=correct,
                      justification=text, rt_ms=client_ms(data, f"rt-{attr.id}"),
                      extra={"stimulus": shown})
        return Next()
