"""Step specs: one small dataclass per step type, each reading and checking its own fields.

``STEP_SPECS`` is the one explicit dict from the YAML ``type:`` to a class; the Django pages
(``studies.steps``) are keyed by these classes, never by strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .fields import SLUG, Reader
from .trials import TrialSpec, read_generate, read_trial

ATTRIBUTES = ("legs", "color", "background", "shape", "rotation")
DEFAULT_QUESTIONS = {
    "legs": "How relevant is the legs' position relative to the spine for the system?",
    "color": "How relevant is the color of the animal for the system?",
    "background": "How relevant is the background of the animal for the system?",
    "shape": "How relevant is the rounded or rectangular shape of the animal's blocks for the system?",
    "rotation": "How relevant is the rotation and bending of the animal for the system?",
}
RELEVANCE = ("relevant", "irrelevant")


@dataclass
class StepSpec:
    id: str
    type: str
    title: str = ""
    time_limit_s: float | None = None
    min_seconds: float = 0.0
    index: int = 0
    line: int = 0

    default_title = ""

    @classmethod
    def read_fields(cls, r: Reader, ctx: dict) -> dict:
        return {}

    def items(self) -> list[str]:
        """Ids of the answer items this step stores (for counting rows)."""
        return []


@dataclass
class ConsentSpec(StepSpec):
    text: str = ""
    agree_label: str = "I agree and want to take part"
    decline_label: str = "I do not agree"
    default_title = "Consent"

    @classmethod
    def read_fields(cls, r, ctx):
        return {"text": r.str("text"), "agree_label": r.str("agree_label", cls.agree_label),
                "decline_label": r.str("decline_label", cls.decline_label)}


@dataclass
class DeviceCheckSpec(StepSpec):
    min_px: int = 600
    default_title = "Device check"

    @classmethod
    def read_fields(cls, r, ctx):
        return {"min_px": r.int("min_px", ctx["device_min_px"], minimum=1)}


@dataclass
class VideoSpec(StepSpec):
    file: str = ""
    generated: str = ""
    duration_s: float | None = None
    text: str = ""
    default_title = "Tutorial video"

    @classmethod
    def read_fields(cls, r, ctx):
        out = {"file": r.str("file", ""), "generated": r.str("generated", "", slug=True),
               "duration_s": r.number("duration_s", None, minimum=1),
               "text": r.str("text", "")}
        if bool(out["file"]) == bool(out["generated"]):
            r.error(None, "a video needs exactly one of 'file' or 'generated'")
        return out


@dataclass
class TextSpec(StepSpec):
    body: str = ""
    default_title = "Summary"

    @classmethod
    def read_fields(cls, r, ctx):
        return {"body": r.str("body")}


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
            s = Reader(r.problems, node, r.sub(f"statements[{i}]"), r.node.get("statements"), i)
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
            a = Reader(r.problems, node, r.sub(f"attributes[{i}]"), r.node.get("attributes"), i)
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

    def items(self):
        return [a.id for a in self.attributes]


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
            it = Reader(r.problems, node, r.sub(f"items[{i}]"), r.node.get("items"), i)
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


@dataclass
class MultipleChoiceSpec(StepSpec):
    question: str = ""
    choices: list[str] = field(default_factory=list)
    item: str = ""
    item_type: str = "choice"
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
                "item_type": r.str("item_type", "choice", choices=("choice", "expertise"))}

    def items(self):
        return [self.item]


@dataclass
class TrialBlockSpec(StepSpec):
    instructions: str = ""
    question: str = ""
    confidence_labels: list[str] = field(default_factory=list)
    feedback: str = "practice"
    shuffle: bool = True
    trials: list[TrialSpec] = field(default_factory=list)
    generate: dict = field(default_factory=dict)
    default_title = "Trials"

    @classmethod
    def read_fields(cls, r, ctx):
        labels = r.list("confidence_labels", ["not confident", "somewhat confident",
                                              "very confident"])
        trials = [read_trial(r, node, i) for i, node in enumerate(r.list("trials", []))]
        generate = read_generate(r)
        if not trials and not generate:
            r.error("trials", "a trial block needs 'trials' or 'generate'")
        return {"instructions": r.str("instructions", ""), "question": r.str("question"),
                "confidence_labels": [str(x) for x in labels],
                "feedback": r.str("feedback", "practice", choices=("none", "practice", "all")),
                "shuffle": r.bool("shuffle", True), "trials": trials, "generate": generate}


@dataclass
class CompletionSpec(StepSpec):
    text: str = "Thank you! Your answers are stored."
    default_title = "Thank you"

    @classmethod
    def read_fields(cls, r, ctx):
        return {"text": r.str("text", cls.text)}


STEP_SPECS: dict[str, type[StepSpec]] = {
    "consent": ConsentSpec,
    "device_check": DeviceCheckSpec,
    "video": VideoSpec,
    "text": TextSpec,
    "comprehension_gate": ComprehensionGateSpec,
    "stimulus_questions": StimulusQuestionsSpec,
    "free_text": FreeTextSpec,
    "likert": LikertSpec,
    "multiple_choice": MultipleChoiceSpec,
    "trial_block": TrialBlockSpec,
    "completion": CompletionSpec,
}
COMMON_KEYS = ("id", "type", "title", "time_limit_s", "min_seconds", "by_condition")


def read_step(r: Reader, index: int, ctx: dict) -> StepSpec | None:
    kind = r.str("type", choices=tuple(STEP_SPECS))
    ident = r.str("id", slug=True)
    cls = STEP_SPECS.get(kind)
    if cls is None:
        r.finish() if kind is None else None
        return None
    common = {"id": ident or f"step-{index}", "type": kind,
              "title": r.str("title", cls.default_title),
              "time_limit_s": r.number("time_limit_s", None, minimum=1),
              "min_seconds": r.number("min_seconds", 0.0, minimum=0),
              "index": index, "line": r.line()}
    r.used.add("by_condition")
    step = cls(**common, **cls.read_fields(r, ctx))
    r.finish()
    return step


__all__ = ["SLUG", "STEP_SPECS", "StepSpec", "read_step"]
