#!/bin/sh
# One image, several roles: web | worker | gpu-worker | beat | setup | any command.
set -eu
cd /app

case "${1:-web}" in
  setup)
    # one-shot: database schema, static files, tutorial videos (skipped when unchanged)
    python manage.py migrate --noinput
    python manage.py collectstatic --noinput
    python manage.py make_tutorial_videos
    ;;
  web)
    # workers, threads, keep-alive, timeout: studyserver/gunicorn.conf.py (GUNICORN_* variables)
    exec gunicorn -c studyserver/gunicorn.conf.py studyserver.wsgi:application
    ;;
  worker)
    exec celery -A studyserver worker -Q default -n "default@%h" \
      --concurrency "${CELERY_CONCURRENCY:-2}" -l "${CELERY_LOG_LEVEL:-info}"
    ;;
  gpu-worker)
    exec celery -A studyserver worker -Q gpu -n "gpu@%h" \
      --concurrency 1 -l "${CELERY_LOG_LEVEL:-info}"
    ;;
  beat)
    exec celery -A studyserver beat -l "${CELERY_LOG_LEVEL:-info}" \
      --schedule /app/var/celerybeat-schedule
    ;;
  *)
    exec "$@"
    ;;
esac
