"""Renders the study server is owed: one row per stimulus key that ``render_stimuli`` asked for.

The broker only carries messages; this row is what says a render is owed, so a lost message (a
broker restarted without persistence, a worker killed mid-job) is sent again by
``studies.renders.reconcile`` until the stimulus is published or its job fails for good.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class RenderState(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    PUBLISHED = "published", "published"
    FAILED = "failed", "failed"


class OwedRender(models.Model):
    key = models.CharField(max_length=64, unique=True)
    job = models.JSONField()  # explainers.plan.RenderJob.to_dict()
    state = models.CharField(max_length=16, choices=RenderState.choices,
                             default=RenderState.QUEUED)
    task_id = models.CharField(max_length=255, blank=True)
    sends = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["state"], name="owedrender_state")]

    def __str__(self) -> str:
        return f"{self.label} {self.key[:12]}… {self.state}"

    @property
    def label(self) -> str:
        return f"{self.job.get('condition')} variant {self.job.get('variant')}"

    def mark(self, state: RenderState, **fields) -> None:
        """Set the state (and timestamps) in one UPDATE; a published row stays published."""
        now = timezone.now()
        stamp = {RenderState.QUEUED: "queued_at", RenderState.RUNNING: "started_at"}.get(
            state, "finished_at")
        fields = {"state": state, stamp: now, **fields}
        rows = OwedRender.objects.filter(pk=self.pk).exclude(state=RenderState.PUBLISHED)
        if rows.update(**fields):
            for name, value in fields.items():
                setattr(self, name, value)
