"""A page of text (YAML ``type: text``, e.g. the summary after the tutorial video) with a
Continue button."""

from __future__ import annotations

from dataclasses import dataclass

from .base import StepSpec, StepType


@dataclass
class TextSpec(StepSpec):
    body: str = ""
    default_title = "Summary"

    @classmethod
    def read_fields(cls, r, ctx):
        return {"body": r.str("body")}


class Text(StepType):
    name = "text"
    spec = TextSpec
    template = "studies/steps/text.html"
