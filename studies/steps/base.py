"""The step (page) base class and the context a step works in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction

from ..models import Participant, Response, Study
from ..spec import StudySpec
from ..spec.steps import StepSpec
from .outcomes import Invalid, Next, Outcome


@dataclass
class StepContext:
    participant: Participant
    study: Study
    spec: StudySpec
    step: StepSpec
    now: datetime
    errors: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)

    @property
    def state(self) -> dict:
        """This step's scratch state (saved with the participant by the engine)."""
        return self.participant.state.setdefault(self.step.id, {})

    @property
    def round(self) -> int:
        return self.participant.state.get("_rounds", {}).get(self.step.id, 0) + 1

    @property
    def elapsed_s(self) -> float:
        started = self.participant.step_started_at or self.now
        return max(0.0, (self.now - started).total_seconds())

    def store(self, item_type: str, item: str, response: str, **fields) -> Response:
        fields.setdefault("rt_server_ms", self.elapsed_s * 1000.0)
        fields.setdefault("step_duration_s", self.elapsed_s)
        try:
            with transaction.atomic():
                return Response.objects.create(
                    participant=self.participant, step=self.step.id,
                    step_index=self.step.index, round=self.round, item_type=item_type,
                    item=item, response=response, **fields)
        except IntegrityError:
            raise Invalid({"page": "This answer was already stored."}) from None


class Page:
    """One step type: a template, the context it needs, and ``submit`` which validates the
    posted data (raise :class:`Invalid`), stores answers and says where to go next."""

    template = "studies/steps/text.html"

    def context(self, ctx: StepContext) -> dict:
        return {}

    def submit(self, ctx: StepContext, data) -> Outcome:
        return Next()


def client_ms(data, name: str) -> float | None:
    """A client-measured time in ms (None if absent or not a sane number)."""
    try:
        value = float(data.get(name, ""))
    except ValueError:
        return None
    return value if 0 <= value < 864e5 else None
