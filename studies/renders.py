"""Owed renders (studies.models.OwedRender): recorded before a render job is sent, marked by the
worker, and sent again by :func:`reconcile` when its message was lost.

A message is lost when the broker restarts without persistence (the queue comes back empty) or
when a whole worker dies mid-job (Redis would hand the unacknowledged message out again only after
its visibility timeout, an hour by default). ``reconcile`` (celery beat, every minute, and
``render_stimuli --wait`` while it waits) sends an owed render again when it is neither published
nor known to a live worker (active, reserved or scheduled), and either the ``gpu`` queue is empty
or the render has waited longer than ``RENDER_REQUEUE_AFTER_S``. Running a job twice is harmless:
stimuli are content-addressed and a published one is not rendered again.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from .models import OwedRender, RenderState

logger = logging.getLogger(__name__)
QUEUE = "gpu"
OPEN = (RenderState.QUEUED, RenderState.RUNNING)


def owe(jobs) -> list[OwedRender]:
    """Record every job (explainers.plan.RenderJob) as owed; a failed one is owed again."""
    rows = []
    for job in jobs:
        row, created = OwedRender.objects.get_or_create(
            key=job.key, defaults={"job": job.to_dict(), "state": RenderState.QUEUED})
        if not created and row.state == RenderState.FAILED:
            row.job, row.state, row.error, row.sends = job.to_dict(), RenderState.QUEUED, "", 0
            row.save(update_fields=["job", "state", "error", "sends"])
        rows.append(row)
    return rows


def send(row: OwedRender) -> bool:
    """Send the row's job to the gpu queue; False if the broker cannot be reached (the row stays
    owed and ``reconcile`` sends it later)."""
    from explainers.tasks import render_job

    task_id = str(uuid.uuid4())
    row.mark(RenderState.QUEUED, task_id=task_id, sends=row.sends + 1)
    try:
        render_job.apply_async(args=[row.job], task_id=task_id)
    except _broker_errors() as exc:
        logger.warning("render %s not sent (broker unreachable: %s); reconcile sends it later",
                       row.key[:12], exc)
        return False
    return True


def _best_effort(update) -> None:
    """A worker's bookkeeping must not stop it publishing: reconcile reads the files too."""
    try:
        update()
    except DatabaseError as exc:
        logger.warning("owed-render record not updated (%s); reconcile will catch up", exc)


def started(key: str, task_id: str) -> None:
    _best_effort(lambda: OwedRender.objects.filter(key=key).exclude(
        state=RenderState.PUBLISHED).update(state=RenderState.RUNNING, task_id=task_id or "",
                                            started_at=timezone.now()))


def published(key: str) -> None:
    _best_effort(lambda: OwedRender.objects.filter(key=key).update(
        state=RenderState.PUBLISHED, finished_at=timezone.now(), error=""))


def failed(key: str, error: str) -> None:
    """The job failed for good (its own error, or retries used up): not sent again."""
    _best_effort(lambda: OwedRender.objects.filter(key=key).exclude(
        state=RenderState.PUBLISHED).update(state=RenderState.FAILED,
                                            finished_at=timezone.now(), error=error[:2000]))


def _job_key(args) -> str | None:
    return args[0]["key"] if args and isinstance(args[0], dict) and "key" in args[0] else None


def _is_render(sender) -> bool:
    from explainers.tasks import render_job

    return getattr(sender, "name", None) == render_job.name


def _on_prerun(sender=None, task_id=None, args=None, **_):
    if _is_render(sender) and _job_key(args):
        started(_job_key(args), task_id)


def _on_success(sender=None, result=None, **_):
    if _is_render(sender) and isinstance(result, str):
        published(result)


def _on_failure(sender=None, exception=None, args=None, **_):
    """Failed for good (its own error or retries used up): reconcile does not resend it."""
    if _is_render(sender) and _job_key(args):
        failed(_job_key(args), f"{type(exception).__name__}: {exception}")


def connect_render_signals() -> None:
    """Mark owed renders from the render task's Celery signals (called by StudiesConfig.ready:
    in the web process, and in the gpu worker, which loads Django too)."""
    from celery.signals import task_failure, task_prerun, task_success

    task_prerun.connect(_on_prerun, dispatch_uid="studies.renders.prerun")
    task_success.connect(_on_success, dispatch_uid="studies.renders.success")
    task_failure.connect(_on_failure, dispatch_uid="studies.renders.failure")


def reconcile(keys=None) -> Counter:
    """Mark published what is published; send again what is owed and lost (see module doc).

    Returns counts: ``published``, ``sent``, ``waiting`` (queued or running on a live worker),
    ``gave_up`` (sent ``RENDER_MAX_SENDS`` times), ``unreachable`` (broker down: nothing sent).
    """
    from explainers.prerender import ManifestError, load_manifest

    rows = OwedRender.objects.filter(state__in=OPEN)
    if keys is not None:
        rows = rows.filter(key__in=list(keys))
    counts: Counter = Counter()
    pending = []
    for row in rows:
        try:
            load_manifest(settings.STIMULI_ROOT, row.key)
        except (ManifestError, OSError, KeyError, TypeError, LookupError):
            pending.append(row)
            continue
        published(row.key)
        counts["published"] += 1
    if not pending:
        return counts
    try:
        live, waiting = _live_task_ids(), _queue_length()
    except _broker_errors() as exc:
        logger.warning("reconcile: broker unreachable (%s); %d render(s) owed", exc, len(pending))
        counts["unreachable"] = len(pending)
        return counts
    now = timezone.now()
    settle = timedelta(seconds=settings.RENDER_SETTLE_S)
    patience = timedelta(seconds=settings.RENDER_REQUEUE_AFTER_S)
    for row in pending:
        since = (row.started_at if row.state == RenderState.RUNNING else row.queued_at) or now
        lost = row.state == RenderState.RUNNING or waiting == 0
        if row.task_id in live or now - since < (settle if lost else patience):
            counts["waiting"] += 1
        elif row.sends >= settings.RENDER_MAX_SENDS:
            failed(row.key, f"sent {row.sends} times without being published")
            counts["gave_up"] += 1
        else:
            counts["sent" if send(row) else "unreachable"] += 1
    return counts


def _broker_errors() -> tuple[type[BaseException], ...]:
    from celery import current_app
    from kombu.exceptions import OperationalError

    with current_app.connection_for_write() as conn:
        return (OperationalError, OSError, *conn.connection_errors, *conn.channel_errors)


def _live_task_ids() -> set[str]:
    """Ids of the tasks live workers hold (running, prefetched or waiting for a retry)."""
    from celery import current_app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return set()
    inspect = current_app.control.inspect(timeout=settings.RENDER_INSPECT_TIMEOUT_S)
    ids = set()
    for method in (inspect.active, inspect.reserved, inspect.scheduled):
        for tasks in (method() or {}).values():
            ids.update((t.get("request") or t).get("id") for t in tasks)
    return ids


def _queue_length() -> int:
    from celery import current_app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return 0
    with current_app.connection_for_write() as conn:
        return conn.default_channel.queue_declare(queue=QUEUE).message_count
