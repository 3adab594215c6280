"""One session of one Prolific participant in one study; the server owns its state."""

import secrets
import uuid
from decimal import Decimal

from django.db import models

from ..export_contract import SessionStatus
from .study import Condition, Study


class Status(models.TextChoices):
    """A session's status; the values are the export's (studies.export_contract.SessionStatus)."""

    ACTIVE = SessionStatus.ACTIVE, "active"
    COMPLETED = SessionStatus.COMPLETED, "completed"
    SCREENED_OUT = SessionStatus.SCREENED_OUT, "screened out"
    WITHDRAWN = SessionStatus.WITHDRAWN, "withdrawn"
    RETURNED = SessionStatus.RETURNED, "returned"
    TIMED_OUT = SessionStatus.TIMED_OUT, "timed out"
    FULL = SessionStatus.FULL, "refused: study full"
    RELEASED = SessionStatus.RELEASED, "released: no Prolific submission"


class Review(models.TextChoices):
    PENDING = "pending", "pending"
    APPROVED = "approved", "approved"
    REJECTED = "rejected", "rejected"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class ParticipantQuerySet(models.QuerySet):
    def real(self):
        """Sessions of Prolific participants: pilot sessions left out."""
        return self.filter(pilot=False)


class Participant(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="participants")
    condition = models.ForeignKey(
        Condition, on_delete=models.PROTECT, null=True, blank=True, related_name="participants"
    )
    variant = models.IntegerField(null=True, blank=True)
    prolific_pid = models.CharField(max_length=24, db_index=True)
    prolific_study_id = models.CharField(max_length=24, blank=True)
    prolific_session_id = models.CharField(max_length=64, blank=True)
    attempt = models.PositiveIntegerField(default=1)
    token = models.CharField(max_length=64, default=new_token, unique=True, editable=False)

    status = models.CharField(max_length=16, choices=Status, default=Status.ACTIVE, db_index=True)
    end_reason = models.CharField(max_length=200, blank=True)
    screened_step = models.CharField(max_length=64, blank=True)
    completion_code = models.CharField(max_length=64, blank=True)
    retake_allowed = models.BooleanField(default=False)
    pilot = models.BooleanField(
        default=False, help_text="A researcher's or reviewer's walk-through: takes no slot, is "
        "never paid, block-listed or sent to Prolific, and is left out of exports by default.")
    pilot_by = models.CharField(max_length=150, blank=True,
                                help_text="Who started the pilot: a staff user or a preview link.")

    step_index = models.PositiveIntegerField(default=0)
    step_started_at = models.DateTimeField(null=True, blank=True)
    page_nonce = models.CharField(max_length=32, blank=True)
    state = models.JSONField(default=dict, blank=True, help_text="Per-step scratch state.")

    device_ok = models.BooleanField(null=True, blank=True)
    viewport_width = models.PositiveIntegerField(null=True, blank=True)
    viewport_height = models.PositiveIntegerField(null=True, blank=True)

    started_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    base_pay_gbp = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"))
    bonus_gbp = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"))
    review = models.CharField(max_length=10, choices=Review, default=Review.PENDING)
    prolific_status = models.CharField(max_length=32, blank=True)
    bonus_paid_at = models.DateTimeField(null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["study", "prolific_pid", "attempt"], name="participant_one_per_attempt"
            ),
        ]
        indexes = [models.Index(fields=["study", "status"])]

    def __str__(self) -> str:
        return f"{self.study.slug}/{self.prolific_pid}#{self.attempt}"

    @property
    def owed_gbp(self) -> Decimal:
        return self.base_pay_gbp + self.bonus_gbp

    # Per-step summaries, derived from the stored records by the step types that declare them
    # (studies.summaries; the import waits for the call: the step types' side imports models).
    @property
    def videos_completed(self) -> bool:
        from ..summaries import summary

        return summary(self, "videos_completed")

    @property
    def gate_failures(self) -> int:
        from ..summaries import summary

        return summary(self, "gate_failures")

    @property
    def correct_answers(self) -> int:
        from ..summaries import summary

        return summary(self, "correct_answers")

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    @property
    def duration_s(self) -> float | None:
        if self.completed_at is None:
            return None
        return (self.completed_at - self.started_at).total_seconds()
