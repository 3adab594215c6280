"""Everything a participant did: answers (Response) and a timestamped log (Event)."""

from django.db import models

from .participant import Participant
from .study import Study


class Response(models.Model):
    """One answered item (Contract 4: one export row)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="responses")
    step = models.CharField(max_length=64)
    step_index = models.PositiveIntegerField()
    round = models.PositiveIntegerField(default=1, help_text="Attempt at this step (gates).")
    item_type = models.CharField(max_length=16)
    item = models.CharField(max_length=64)
    response = models.TextField(blank=True)
    answer_key = models.CharField(max_length=64, blank=True)
    correct = models.BooleanField(null=True, blank=True)
    justification = models.TextField(blank=True)
    rt_ms = models.FloatField(null=True, blank=True)
    rt_server_ms = models.FloatField(null=True, blank=True)
    step_duration_s = models.FloatField(null=True, blank=True)
    trial = models.IntegerField(null=True, blank=True)
    trial_kind = models.CharField(max_length=16, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["participant", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "step", "round", "item", "trial"],
                name="response_unique_item",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}:{self.step}:{self.item}"


class EventKind(models.TextChoices):
    """The engine's own event kinds; step types add the kinds their pages report
    (``StepType.events``, e.g. ``video``), so ``Event.kind`` is not limited to these."""

    ENTER = "enter", "entered"
    PAGE_VIEW = "page_view", "page view"
    SUBMIT = "submit", "answer stored"
    INVALID = "invalid", "invalid answer"
    REJECTED = "rejected", "stale or forged post"
    FOCUS_LOST = "focus_lost", "focus lost"
    FOCUS_BACK = "focus_back", "focus back"
    STATUS = "status", "status change"
    REFUSED = "refused", "entry refused"
    PILOT = "pilot", "pilot: started or jumped"
    RETURN_REQUESTED = "return_request", "asked on Prolific to return the submission"


class Event(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="events")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(max_length=16, db_index=True,
                            help_text="An EventKind or an event kind a step type declares.")
    step = models.CharField(max_length=64, blank=True)
    step_index = models.IntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    client_ms = models.FloatField(null=True, blank=True, help_text="Client clock (ms since epoch).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind}@{self.created_at:%H:%M:%S}"
