"""Celery tasks of the studies app (thin wrappers; beat schedules them in settings)."""

from celery import shared_task

from .models import Study
from .renders import reconcile
from .sessions import expire_stale


@shared_task(name="studies.expire_sessions")
def expire_sessions() -> dict[str, int]:
    """Time out sessions past their study's time limits, freeing their slots."""
    return {study.slug: expire_stale(study) for study in Study.objects.all()}


@shared_task(name="studies.reconcile_renders")
def reconcile_renders() -> dict[str, int]:
    """Send owed renders again whose messages were lost (studies.renders)."""
    return dict(reconcile())
