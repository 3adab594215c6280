"""Celery application: one broker (Redis), a default queue and a ``gpu`` queue for rendering."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyserver.settings")

app = Celery("studyserver")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
