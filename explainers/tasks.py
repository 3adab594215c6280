"""Celery tasks (thin): render one (condition, variant) on the ``gpu`` queue.

Settings route ``explainers.tasks.*`` to the ``gpu`` queue. Tasks acknowledge late, so a
message whose worker dies is delivered again (after the broker's visibility timeout, or when a
worker restarts); rendering is idempotent thanks to content addressing, so a redelivered job that
was already published does nothing. Errors in the job itself (unknown explainer, bad parameters,
a stimulus that cannot be made from this model and data) are not retried; anything else is, with
exponential backoff. The task knows nothing of the study server: studies.renders records each
job as an owed-render row and marks it running, published or failed from this task's Celery
signals (``task_prerun``, ``task_success``, ``task_failure``, connected in studies' app config).
"""

from __future__ import annotations

import os

from celery import shared_task
from django.conf import settings

from explainers.models.checkpoint import CheckpointError
from explainers.plan import StaleJob, run_job
from explainers.plugins.base import ParamError, StimulusError
from explainers.plugins.registry import UnknownExplainer
from explainers.render_kinds import UnknownRenderKind


def render_device() -> str:
    """``XAI_RENDER_DEVICE`` if set, else ``cuda`` when available, else ``cpu``."""
    device = os.environ.get("XAI_RENDER_DEVICE")
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    dont_autoretry_for=(ParamError, StimulusError, UnknownExplainer, UnknownRenderKind,
                        CheckpointError, StaleJob),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def render_job(job: dict) -> str:
    """Render and publish one :class:`explainers.plan.RenderJob` (as a dict); returns its key."""
    return run_job(job, root=settings.STIMULI_ROOT, device=render_device())["key"]

