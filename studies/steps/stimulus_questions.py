"""The explanation (a published stimulus grid) and the five relevance questions, each with a
written justification of a minimum length (paper, section 5.2)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..export_contract import ItemType, Relevance
from ..free_text import problem, written
from .base import StepSpec, StepType, client_ms
from .outcomes import Invalid, Next

ATTRIBUTES = ("legs", "color", "background", "shape", "rotation")
DEFAULT_QUESTIONS = {
    "legs": "How relevant is the legs' position relative to the spine for the system?",
    "color": "How relevant is the color of the animal for the system?",
    "background": "How relevant is the background of the animal for the system?",
    "shape": "How relevant is the rounded or rectangular shape of the animal's blocks for the system?",
    "rotation": "How relevant is the rotation and bending of the animal for the system?",
}
RELEVANCE = tuple(Relevance)


@dataclass
class Attribute:
    id: str
    question: str


@dataclass
class StimulusQuestionsSpec(StepSpec):
    intro: str = ""
    attributes: list[Attribute] = field(default_factory=list)
    answer_key: dict[str, str] = field(default_factory=dict)
    answer_key_from: str = ""
    min_justification_chars: int = 30
    max_justification_chars: int = 2000
    layout: str = "grid"
    default_title = "Explanation of the system"

    @classmethod
    def read_fields(cls, r, ctx):
        attributes = []
        for i, node in enumerate(r.list("attributes", list(ATTRIBUTES))):
            if isinstance(node, str):
                node = {"id": node}
            a = r.item("attributes", i, node)
            ident = a.str("id", slug=True)
            attributes.append(Attribute(ident, a.str("question", DEFAULT_QUESTIONS.get(ident))))
            a.finish()
        key = r.mapping("answer_key", {})
        source = r.str("answer_key_from", "")
        if bool(key) == bool(source):
            r.error(None, "give exactly one of 'answer_key' (inline) or 'answer_key_from' (file)")
        for attr, value in key.items():
            if value not in RELEVANCE:
                r.problems.add(r.sub(f"answer_key.{attr}"), r.line("answer_key"),
                               f"must be 'relevant' or 'irrelevant', got {value!r}")
        missing = {a.id for a in attributes} - set(key)
        if key and missing:
            r.error("answer_key", f"has no answer for {', '.join(sorted(missing))}")
        least = r.int("min_justification_chars", 30, minimum=0)
        most = r.int("max_justification_chars", 2000, minimum=1)
        if least is not None and most is not None and most < least:
            r.error("max_justification_chars", f"must be at least min_justification_chars "
                                               f"({least}), got {most}")
        return {"intro": r.str("intro", ""), "attributes": attributes, "answer_key": dict(key),
                "answer_key_from": source,
                "min_justification_chars": least, "max_justification_chars": most,
                "layout": r.str("layout", "grid", choices=("grid", "cells"))}

    @property
    def shows_stimulus(self) -> bool:
        """Whether the page shows the condition's rendered stimulus (an interactive explorer,
        which extends this spec, does not)."""
        return True

    def items(self):
        return [a.id for a in self.attributes]


def stimulus_of(ctx) -> dict:
    p = ctx.participant
    return ctx.files.manifest(p.condition.name, p.variant or 0)


class StimulusQuestions(StepType):
    name = "stimulus_questions"
    spec = StimulusQuestionsSpec
    template = "studies/steps/stimulus.html"
    item_types = (ItemType.RELEVANCE,)
    summaries = {"correct_answers": 0}

    def context(self, ctx):
        m = stimulus_of(ctx)
        rows = [[None] * m["cols"] for _ in range(m["rows"])]
        for cell in m["cells"]:
            rows[cell["row"]][cell["col"]] = cell["file"]
        return {"manifest": m, "cell_rows": list(zip(m["row_labels"] or [""] * m["rows"], rows,
                                                     strict=False)),
                "relevance": RELEVANCE}

    def submit(self, ctx, data):
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
        key, shown = ctx.files.answer_key(step), self.shown(ctx)
        for attr in step.attributes:
            choice, text = answers[attr.id]
            correct = choice == key[attr.id]
            ctx.store(ItemType.RELEVANCE, attr.id, choice, answer_key=key[attr.id], correct=correct,
                      justification=text, rt_ms=client_ms(data, f"rt-{attr.id}"),
                      extra={"stimulus": shown, "shown": [shown]})
        return Next()

    def shown(self, ctx) -> str:
        """What the answers were given on (the ``stimulus`` of their export rows' ``extra``)."""
        return stimulus_of(ctx)["key"]

    def summary(self, step, records):
        """Relevance answers that match the answer key."""
        return {"correct_answers": sum(bool(r.correct) for r in records.responses(step)
                                       if r.item_type == ItemType.RELEVANCE)}

    def shows(self, step, files, condition, variant):
        return set(), {(condition, variant)}

    def problems(self, step, files):
        out = [f"{step.id}: {wrong}"] if (wrong := files.answer_key_problem(step)) else []
        for condition, variants in files.variants().items():
            for v in variants:
                if wrong := files.stimulus_problem(condition, v):
                    out.append(f"stimulus {condition}/{v}: {wrong}")
                    break
        return out

    def bot_answer(self, bot, step, *, correct=True):
        bot.clock.advance(step.min_seconds + 1)
        flip = {Relevance.RELEVANT: Relevance.IRRELEVANT, Relevance.IRRELEVANT: Relevance.RELEVANT}
        data, keys = {}, step.answer_key or bot.files.answer_key(step)  # or answer_key_from
        for a in step.attributes:
            key = keys[a.id]
            data[f"relevance-{a.id}"] = key if correct else flip[key]
            data[f"justification-{a.id}"] = f"The {a.id} changes along the columns."
            data[f"rt-{a.id}"] = "12000"
        return data
