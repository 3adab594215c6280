"""The last step: reaching it completes the session (the engine sends Prolific participants on
with their completion code); its text is shown on the final page."""

from __future__ import annotations

from dataclasses import dataclass

from .base import StepSpec, StepType


@dataclass
class CompletionSpec(StepSpec):
    text: str = "Thank you! Your answers are stored."
    default_title = "Thank you"

    @classmethod
    def read_fields(cls, r, ctx):
        return {"text": r.str("text", cls.text)}


class Completion(StepType):
    name = "completion"
    spec = CompletionSpec
    template = "studies/steps/text.html"
