"""Per-participant summaries (``videos_completed``, ``gate_failures``, ``correct_answers``, and
any a new step type declares), derived from the stored records by the step types that declare
them (``StepType.summaries`` / ``StepType.summary``); nothing is stored twice.

Numbers add up over the study's steps; a flag holds if it holds for every step that has it, and
has its declared value (e.g. ``videos_completed`` False) in a study without such a step."""

from __future__ import annotations

from .models import Participant
from .runtime import spec_of
from .steps import registered, step_type


class Records:
    """One participant's stored records, as a step type's ``summary`` reads them."""

    def __init__(self, participant: Participant):
        self.participant = participant
        self._responses = None

    def state(self, step) -> dict:
        return self.participant.state.get(step.id, {})

    def responses(self, step) -> list:
        """The answers stored for ``step`` (all rounds), in the order stored."""
        if self._responses is None:
            self._responses = list(self.participant.responses.order_by("id"))
        return [r for r in self._responses if r.step == step.id]


def declared() -> dict[str, int | bool]:
    """Every summary a registered step type declares, with its value while nothing is stored."""
    out: dict[str, int | bool] = {}
    for kind in registered():
        for name, empty in kind.summaries.items():
            out.setdefault(name, empty)
    return out


def summary(participant: Participant, name: str) -> int | bool:
    empty = declared()[name]
    records = Records(participant)
    parts = [step_type(s).summary(s, records)[name] for s in spec_of(participant.study).steps
             if name in step_type(s).summaries]
    if not parts:
        return empty
    return all(parts) if isinstance(empty, bool) else sum(parts)


def summaries(participant: Participant) -> dict[str, int | bool]:
    """All declared summaries of ``participant``."""
    return {name: summary(participant, name) for name in declared()}
