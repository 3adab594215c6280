"""The bonus payment ledger: what we set up and paid on Prolific, recorded before we pay.

Prolific's pay call is not idempotent (a repeated call pays twice), so every bulk bonus payment
is written here, with the hash of its CSV, before the pay call, and every participant's line is
unique per kind while its payment is live: the same bonus cannot be paid twice through us.
These models belong to the ``studies`` app; ``studies.models`` imports them.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from studies.models.participant import Participant
from studies.models.study import Study


class PaymentState(models.TextChoices):
    CREATED = "created", "set up on Prolific, not paid"
    PAYING = "paying", "pay call sent (unknown outcome if it stays here)"
    PAID = "paid", "paid"
    FAILED = "failed", "refused by Prolific, nothing paid"


class BonusKind(models.TextChoices):
    BONUS = "bonus", "performance bonus"
    PARTIAL = "partial", "partial payment (timed out)"
    SCREEN_OUT = "screen_out", "screen-out with partial payment (Prolific's screen-out endpoint)"


class BonusPayment(models.Model):
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="bonus_payments")
    prolific_study_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=BonusKind)
    csv = models.TextField(help_text="Exactly what was sent as csv_bonuses.")
    csv_sha256 = models.CharField(max_length=64)
    setup_id = models.CharField(max_length=64, blank=True, help_text="Prolific's bulk bonus id.")
    total_gbp = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal("0"))
    state = models.CharField(max_length=10, choices=PaymentState, default=PaymentState.CREATED)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["prolific_study_id", "csv_sha256"],
                condition=~Q(state="failed"),
                name="bonuspayment_unique_csv",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.total_gbp} GBP ({self.state})"


class BonusLine(models.Model):
    payment = models.ForeignKey(BonusPayment, on_delete=models.CASCADE, related_name="lines")
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="bonus_lines"
    )
    prolific_pid = models.CharField(max_length=24)
    kind = models.CharField(max_length=10, choices=BonusKind)
    amount_gbp = models.DecimalField(max_digits=7, decimal_places=2)
    live = models.BooleanField(default=True, help_text="False once its payment failed.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "kind"],
                condition=Q(live=True),
                name="bonusline_once_per_participant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prolific_pid}: {self.amount_gbp} GBP {self.kind}"


class PlacesChange(models.Model):
    """One raise of the Prolific study's places (the dashboard's places ledger)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="places_changes")
    prolific_study_id = models.CharField(max_length=64)
    before = models.PositiveIntegerField()
    after = models.PositiveIntegerField()
    wanted = models.PositiveIntegerField(help_text="Condition targets plus places lost.")
    cap = models.PositiveIntegerField(help_text="The spec's prolific.max_places.")
    lost = models.JSONField(default=dict, help_text="Places lost, by reason.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.study_id}: {self.before} -> {self.after} places"


class ArrivalCount(models.Model):
    """Arrivals per client address and minute, shared by every web worker (rate limit)."""

    address = models.CharField(max_length=64)
    window = models.BigIntegerField(help_text="Unix time // window length.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["address", "window"],
                                               name="arrivalcount_unique_window")]
        indexes = [models.Index(fields=["window"])]

    def __str__(self) -> str:
        return f"{self.address}@{self.window}: {self.count}"
