"""Per-session rate limit of the explorer endpoint: at most ``PROBES_PER_WINDOW`` actions per
participant in the last ``WINDOW_S`` seconds, counted from the action log in the database (so
every gunicorn worker and machine sees the same count). A selection asks for one preview per
factor group and other scene (3 x 5 with six scenes), so the limit leaves room for two such
bursts and refuses a script hammering the model."""

from __future__ import annotations

from datetime import timedelta

from ..models import ExplorerAction

WINDOW_S = 10
PROBES_PER_WINDOW = 40


def over_limit(participant, now) -> bool:
    since = now - timedelta(seconds=WINDOW_S)
    recent = ExplorerAction.objects.filter(participant=participant, created_at__gte=since)
    return recent.count() >= PROBES_PER_WINDOW
