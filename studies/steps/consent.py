"""Consent: agree to take part, or decline (the session ends as withdrawn)."""

from __future__ import annotations

from dataclasses import dataclass

from .base import StepSpec, StepType
from .outcomes import Decline, Invalid, Next


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


class Consent(StepType):
    name = "consent"
    spec = ConsentSpec
    template = "studies/steps/consent.html"

    def submit(self, ctx, data):
        choice = data.get("consent")
        if choice == "decline":
            return Decline()
        if choice != "agree":
            raise Invalid({"consent": "Please choose whether you agree."})
        return Next()

    def bot_answer(self, bot, step, *, correct=True):
        return {"consent": "agree"}
