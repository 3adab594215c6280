"""Settings, twelve-factor style: every deployment choice comes from an environment variable.

Defaults give the zero-setup demo: SQLite and eager Celery tasks. ``DATABASE_URL`` switches to
PostgreSQL, ``CELERY_BROKER_URL`` to Redis with real workers.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from studyserver.localenv import EnvFileError, apply_env_file

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """An on/off setting from the environment: unset or empty gives ``default``; anything but
    1/true/yes/on or 0/false/no/off is refused by name (DJANGO_PRODUCTION=ture must not start a
    production server with the local checkout's settings)."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/true/yes/on or 0/false/no/off, got {os.environ[name]!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# A production deployment (DJANGO_PRODUCTION=1) takes every value from the real environment; a
# local checkout also reads the git-ignored .env that bin/setup writes (bin/local-env).
PRODUCTION = env_bool("DJANGO_PRODUCTION", False)
ENV_FILE = Path(os.environ.get("DJANGO_ENV_FILE", BASE_DIR / ".env"))
try:
    apply_env_file(os.environ, ENV_FILE, production=PRODUCTION)
except EnvFileError as exc:
    raise ImproperlyConfigured(str(exc)) from None

DEBUG = env_bool("DJANGO_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG=1 is refused when DJANGO_PRODUCTION=1.")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not PRODUCTION and (DEBUG or os.environ.get("XAI_ALLOW_INSECURE_KEY") == "1"):
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    elif PRODUCTION:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. In production (DJANGO_PRODUCTION=1) it must come "
            "from the environment; the local .env file is not read."
        )
    else:
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is not set and {ENV_FILE} does not hold one. Run bin/setup "
            "(or bin/local-env) to write a local .env with a random key, or set it in the "
            "environment."
        )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "studies",
    "explainers",
    "analysis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if env_bool("SERVER_TIMING_CPU", False):  # benchmarks/load.py: CPU per request, by kind
    MIDDLEWARE.insert(0, "studyserver.timing.CpuTiming")

ROOT_URLCONF = "studyserver.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "studyserver.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'demo.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
SILENCED_SYSTEM_CHECKS: list[str] = []
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Server-side binding: psycopg sends each statement with its parameters apart, and prepares
    # a statement once it has run DATABASE_PREPARE_THRESHOLD times on a connection (psycopg's
    # default 5), so PostgreSQL parses and plans the participant flow's few statements once per
    # connection instead of once per request (with DATABASE_CONN_MAX_AGE > 0): 0.55x of its CPU
    # per request in benchmarks/request_cost.py. "none" turns preparing off (a pooler in
    # transaction mode, e.g. PgBouncer before 1.21, cannot keep prepared statements).
    threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5").strip().lower()
    if threshold != "none" and not threshold.isdigit():
        raise ImproperlyConfigured(
            f"DATABASE_PREPARE_THRESHOLD must be a whole number or 'none', got {threshold!r}")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=None if threshold == "none" else int(threshold))
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    (BASE_DIR / "var").mkdir(exist_ok=True)
    # Concurrent requests on one file: WAL lets readers run beside the one writer, and every
    # transaction takes the write lock when it begins (IMMEDIATE), so it waits up to the busy
    # timeout instead of failing with "database is locked" when a read turns into a write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    # The demo's SQLite cannot express "unique, nulls distinct"; PostgreSQL (tests, production)
    # enforces those constraints. Transactions there are serialised (IMMEDIATE, above).
    SILENCED_SYSTEM_CHECKS.append("models.W047")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
# The app serves its own static files (WhiteNoise), so gunicorn alone, without the compose file's
# nginx, still sends the pages' scripts (the device check needs static/studies/device.js). With
# finders it serves them from the source folders even before collectstatic has run.
WHITENOISE_USE_FINDERS = True
try:  # WhiteNoise warns on every start when STATIC_ROOT is missing (before any collectstatic)
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Where pre-rendered, content-addressed stimuli are published (explainers writes, studies serves).
STIMULI_ROOT = Path(os.environ.get("STIMULI_ROOT", MEDIA_ROOT / "stimuli"))
STIMULI_URL = MEDIA_URL + "stimuli/"

# The model checkpoint commands use when --checkpoint is left out.
DEFAULT_CHECKPOINT = Path(
    os.environ.get("XAI_DEFAULT_CHECKPOINT", BASE_DIR / "checkpoints" / "study")
)

LOGIN_URL = "/admin/login/"

SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
if CELERY_TASK_ALWAYS_EAGER and not CELERY_BROKER_URL:
    # nothing is sent in eager mode; kombu's in-memory transport keeps Celery from falling back
    # to amqp://localhost (and warning "No hostname was supplied") when it opens a connection
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = (Queue("default"), Queue("gpu"))
CELERY_TASK_ROUTES = {"explainers.tasks.*": {"queue": "gpu"}}
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))}
CELERY_IMPORTS = ("studies.prolific.tasks",)
CELERY_BEAT_SCHEDULE = {
    # Frees the slots of RETURNED / TIMED-OUT Prolific submissions and approves completed ones.
    "prolific-poll-submissions": {
        "task": "studies.prolific.poll_submissions",
        "schedule": float(os.environ.get("PROLIFIC_POLL_SECONDS", "120")),
    },
    # Times out sessions past their spec's time limits, so their slots are freed.
    "studies-expire-sessions": {"task": "studies.expire_sessions", "schedule": 60.0},
    # Sends owed renders again whose messages were lost (broker restart, worker killed).
    "studies-reconcile-renders": {"task": "studies.reconcile_renders", "schedule": 60.0},
}
# Owed renders (studies.renders.reconcile): a render neither published nor held by a live worker
# is sent again RENDER_SETTLE_S after it was sent or started when the gpu queue is empty or it
# was running (its message is lost), else after RENDER_REQUEUE_AFTER_S (a long queue); a render
# sent RENDER_MAX_SENDS times without being published is marked failed.
RENDER_SETTLE_S = float(os.environ.get("RENDER_SETTLE_S", "30"))
RENDER_REQUEUE_AFTER_S = float(os.environ.get("RENDER_REQUEUE_AFTER_S", "900"))
RENDER_MAX_SENDS = int(os.environ.get("RENDER_MAX_SENDS", "10"))
RENDER_INSPECT_TIMEOUT_S = float(os.environ.get("RENDER_INSPECT_TIMEOUT_S", "2"))

# Prolific
PROLIFIC_API_TOKEN = os.environ.get("PROLIFIC_API_TOKEN", "")
PROLIFIC_API_URL = os.environ.get("PROLIFIC_API_URL", "https://api.prolific.com/api/v1/")
# Entry links opened per client address and minute (0: no limit); forged PROLIFIC_PIDs from one
# address are refused with HTTP 429 beyond it. Behind N proxies that append to X-Forwarded-For
# (docker/compose.yaml's nginx: 1), set TRUSTED_PROXY_HOPS=N so the client's address is used.
ARRIVALS_PER_ADDRESS_PER_MINUTE = int(os.environ.get("ARRIVALS_PER_ADDRESS_PER_MINUTE", "20"))
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))
PROLIFIC_COMPLETE_URL = os.environ.get(
    "PROLIFIC_COMPLETE_URL", "https://app.prolific.com/submissions/complete?cc="
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
