"""What a submitted step leads to; the flow engine applies it."""

from __future__ import annotations

from dataclasses import dataclass


class Invalid(Exception):
    """The answer is incomplete or malformed: show the step again with these messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass(frozen=True)
class Next:
    pass


@dataclass(frozen=True)
class Stay:
    """Same step again (e.g. the next trial of a block)."""


@dataclass(frozen=True)
class GoTo:
    step_id: str
    message: str = ""


@dataclass(frozen=True)
class ScreenOut:
    reason: str
    code_kind: str = "screened_out"


@dataclass(frozen=True)
class Decline:
    """Consent declined: the session ends as withdrawn."""


Outcome = Next | Stay | GoTo | ScreenOut | Decline
