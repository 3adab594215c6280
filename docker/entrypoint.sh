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
    exec gunicorn studyserver.wsgi:application \
      --bind 0.0.0.0:8000 \
      --workers "${GUNICORN_WORKERS:-3}" --threads "${GUNICORN_THREADS:-4}" \
      --timeout "${GUNICORN_TIMEOUT:-60}" --access-logfile - --forwarded-allow-ips '*'
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
