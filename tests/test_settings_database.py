"""Database and on/off settings from the environment: PostgreSQL's server-side binding with
prepared statements (``DATABASE_PREPARE_THRESHOLD``), which PostgreSQL really prepares on a kept
connection, and on/off values (``env_bool``) that refuse a misspelling by name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from studies.lookups import BY_TOKEN
from tests.bots import Bot

ROOT = Path(__file__).resolve().parents[1]
PRINT = ("import django; django.setup(); from django.conf import settings; "
         "o = settings.DATABASES['default'].get('OPTIONS', {}); "
         "print(o.get('server_side_binding'), o.get('prepare_threshold', 'unset'))")


def _settings(database_url, **env):
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_PREPARE_THRESHOLD"}
    base.update(DJANGO_SETTINGS_MODULE="studyserver.settings", DJANGO_SECRET_KEY="x",
                DATABASE_URL=database_url, **env)
    return subprocess.run([sys.executable, "-c", PRINT], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=120)


def test_postgresql_binds_on_the_server_and_prepares_after_five_runs():
    done = _settings("postgres://postgres@127.0.0.1:5432/anything")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "5"]


@pytest.mark.parametrize(("value", "shown"), [("none", "None"), (" None ", "None"), ("0", "0"),
                                              ("12", "12")])
def test_the_threshold_can_be_set_or_turned_off(value, shown):
    done = _settings("postgres://postgres@127.0.0.1:5432/anything",
                     DATABASE_PREPARE_THRESHOLD=value)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", shown]


@pytest.mark.parametrize("value", ["five", "-1", "2.5", ""])
def test_a_malformed_threshold_is_refused_by_name(value):
    done = _settings("postgres://postgres@127.0.0.1:5432/anything",
                     DATABASE_PREPARE_THRESHOLD=value)
    assert done.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD must be a whole number or 'none'" in done.stderr
    assert repr(value.strip().lower()) in done.stderr


def test_sqlite_is_left_as_it_was(tmp_path):
    done = _settings(f"sqlite:///{tmp_path}/db.sqlite3")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None", "unset"]


@pytest.mark.django_db
def test_the_participant_lookup_is_prepared_by_postgresql_after_five_runs(study, clock):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    bot = Bot(study, clock)
    bot.enter()
    token = bot.participant.token

    def prepared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements "
                           "WHERE statement LIKE %s", ['%"studies_participant"."token" = $%'])
            return cursor.fetchone()[0]

    runs = [BY_TOKEN.first(slug=study.slug, token=token).pk for _ in range(6)]
    assert set(runs) == {bot.participant.pk}
    assert prepared() == 1  # with client-side binding (Django's default) it stays 0


@pytest.mark.parametrize(("name", "setting", "value", "shown"), [
    ("DJANGO_SECURE_COOKIES", "SESSION_COOKIE_SECURE", "yes", "True"),
    ("DJANGO_SECURE_COOKIES", "SESSION_COOKIE_SECURE", " OFF ", "False"),
    ("DJANGO_SECURE_COOKIES", "SESSION_COOKIE_SECURE", "", "False"),
    ("CELERY_TASK_ALWAYS_EAGER", "CELERY_TASK_ALWAYS_EAGER", "0", "False")])
def test_on_off_settings_take_the_usual_spellings(tmp_path, name, setting, value, shown):
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{setting})"
    base = dict(os.environ, DJANGO_SETTINGS_MODULE="studyserver.settings", DJANGO_SECRET_KEY="x",
                DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", **{name: value})
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [shown]


@pytest.mark.parametrize("name", ["DJANGO_PRODUCTION", "DJANGO_DEBUG", "DJANGO_SECURE_COOKIES",
                                  "CELERY_TASK_ALWAYS_EAGER"])
def test_a_misspelt_on_off_setting_is_refused_by_name(tmp_path, name):
    base = dict(os.environ, DJANGO_SETTINGS_MODULE="studyserver.settings", DJANGO_SECRET_KEY="x",
                DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", **{name: "ture"})
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT,
                          env=base, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert f"{name} must be one of 1/true/yes/on or 0/false/no/off, got 'ture'" in done.stderr
