"""Celery tasks (thin): render one (condition, variant) on the ``gpu`` queue.

Settings route ``explainers.tasks.*`` to the ``gpu`` queue. Tasks acknowledge late, so a
message whose worker dies is delivered again (after the broker's visibility timeout, or when a
worker restarts); rendering is idempotent thanks to content addressing, so a redelivered job that
was already published does nothing. Errors in the job itself (unknown explainer, bad parameters,
a stimulus that cannot be made from this model and data) are not retried; anything else is, with
exponential backoff. Each job is also an owed-render row (studies.renders) that this task marks
running, published or failed, and that the reconcile task sends again if its message is lost.
"""

from __future__ import annotations

import os

from celery import Task, shared_task
from django.conf import settings

from explainers.models.checkpoint import CheckpointError
from explainers.plan import StaleJob, run_job
from explainers.plugins.base import ParamError, StimulusError
from explainers.plugins.registry import UnknownExplainer
from studies import renders


def render_device() -> str:
    """``XAI_RENDER_DEVICE`` if set, else ``cuda`` when available, else ``cpu``."""
    device = os.environ.get("XAI_RENDER_DEVICE")
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class RenderTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Failed for good (its own error or retries used up): reconcile does not resend it."""
        if args and isinstance(args[0], dict) and "key" in args[0]:
            renders.failed(args[0]["key"], f"{type(exc).__name__}: {exc}")


@shared_task(
    base=RenderTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    dont_autoretry_for=(ParamError, StimulusError, UnknownExplainer, CheckpointError, StaleJob),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def render_job(self, job: dict) -> str:
    """Render and publish one :class:`explainers.plan.RenderJob` (as a dict); returns its key.

    The owed-render row (studies.renders) is marked running, then published or failed."""
    renders.started(job["key"], self.request.id)
    key = run_job(job, root=settings.STIMULI_ROOT, device=render_device())["key"]
    renders.published(key)
    return key

