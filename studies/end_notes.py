"""What a participant reads on the final page about why the session ended. The stored
``end_reason`` is for researchers and exports (it names step ids and measurements); the
participant gets a sentence from the type of the step that ended the session
(``StepType.end_note``)."""

from __future__ import annotations

from datetime import timedelta

from .models import Participant, Status
from .spec.study import StudySpec
from .steps import StepSpec, step_type


def _step(spec: StudySpec, step_id: str) -> StepSpec | None:
    return next((s for s in spec.steps if s.id == step_id), None)


def _screened(p: Participant, step: StepSpec | None) -> str:
    note = step_type(step).end_note(p, step) if step is not None else ""
    return note or "You do not meet the requirements of this study."


def _timed_out(p: Participant, spec: StudySpec, step: StepSpec | None) -> str:
    overall = timedelta(minutes=spec.time_limit_minutes)
    if step is not None and step.time_limit_s and p.ended_at and \
            p.ended_at - p.started_at <= overall:
        return f"The time allowed for the page “{step.title or step.default_title}” has passed."
    return f"The time limit of {spec.time_limit_minutes:g} minutes for this study has passed."


def end_note(p: Participant, spec: StudySpec) -> str:
    """The participant-facing sentence for an ended session ('' where none is needed)."""
    step = _step(spec, p.screened_step)
    if p.status == Status.SCREENED_OUT:
        return _screened(p, step)
    if p.status == Status.TIMED_OUT:
        return _timed_out(p, spec, step)
    return ""
