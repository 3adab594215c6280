"""Celery tasks of the studies app (thin wrappers; beat schedules them in settings)."""

from celery import shared_task

from .models import Study
from .sessions import expire_stale


@shared_task(name="studies.expire_sessions")
def expire_sessions() -> dict[str, int]:
    """Time out sessions past their study's time limits, freeing their slots."""
    return {study.slug: expire_stale(study) for study in Study.objects.all()}
