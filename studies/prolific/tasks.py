"""Celery beat task: poll Prolific for every study linked to it (thin wrapper over sync)."""

import logging

from celery import shared_task
from django.conf import settings

from studies.models import Study

from .client import ProlificClient
from .errors import ProlificError
from .sync import sync_study

log = logging.getLogger(__name__)


@shared_task(name="studies.prolific.poll_submissions", ignore_result=True)
def poll_submissions() -> dict:
    """Sync statuses (freeing RETURNED / TIMED-OUT slots) and approve completed submissions."""
    if not settings.PROLIFIC_API_TOKEN:
        log.info("PROLIFIC_API_TOKEN is not set: nothing polled")
        return {}
    client = ProlificClient.from_settings()
    summaries = {}
    for study in Study.objects.exclude(prolific_study_id="").order_by("id"):
        try:
            summaries[study.slug] = sync_study(study, client=client).summary()
        except ProlificError as exc:  # one failing study must not stop the others
            log.warning("Prolific poll of %s failed: %s", study.slug, exc)
            summaries[study.slug] = f"failed: {exc}"
    return summaries
