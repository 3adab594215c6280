"""Celery settings: with no broker configured, tasks run eagerly and quietly (the demo's mode)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import django
django.setup()
from django.conf import settings
from studyserver.celery import app

@app.task
def add(a, b):
    return a + b

print(settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL,
      settings.CELERY_RESULT_BACKEND, add.delay(1, 2).get())
"""


def _run(tmp_path, code=SCRIPT, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    base.update(DJANGO_SETTINGS_MODULE="studyserver.settings", DJANGO_SECRET_KEY="x",
                DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", **env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=120, check=True)


def test_without_a_broker_tasks_run_eagerly_without_amqp_fallback_warnings(tmp_path):
    done = _run(tmp_path)
    assert done.stdout.split() == ["True", "memory://localhost/", "None", "3"]
    assert "No hostname was supplied" not in done.stderr


def test_a_configured_broker_is_kept_and_not_eager(tmp_path):
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL)")
    done = _run(tmp_path, code, CELERY_BROKER_URL="redis://127.0.0.1:6379/9")
    assert done.stdout.split() == ["False", "redis://127.0.0.1:6379/9"]
