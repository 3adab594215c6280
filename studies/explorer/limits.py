"""Per-session rate limit of the explorer endpoint, sized by what one real action costs.

A real action is a state change (select, mix, interpolate, undo, reset) with the previews the
page then asks for: one per factor group and other scene, and one slider preview per group, so
``groups x scenes`` previews (18 with six scenes). A preview therefore costs ``1 / (groups x
scenes)`` of an action and a state change 1: a change with all its previews costs 2. Within any
``WINDOW_S`` seconds a session may spend ``ACTIONS_PER_WINDOW`` (a quick participant's select,
mix, interpolate, undo and reset with all their previews cost about 10) and send at most
``REQUESTS_PER_WINDOW`` requests (that burst is about 100), so a script repeating previews is
refused after 160 requests and one repeating changes after 12. Refused requests cost nothing.
The page asks its previews in one batched request (``previews``): it costs and counts as its
previews would one by one, so batching changes neither limit.
Counted from the action log in the database, so every gunicorn worker and machine sees the same
count (one aggregate query per request).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Min, Q

from explainers.explorer import FACTOR_GROUPS

from ..models import ExplorerAction

WINDOW_S = 20
ACTIONS_PER_WINDOW = 12
REQUESTS_PER_WINDOW = 160


@dataclass(frozen=True)
class Spent:
    changes: int
    previews: int
    oldest: object  # datetime of the oldest action in the window (None if none)
    previews_per_action: int

    @property
    def actions(self) -> float:
        """State changes plus previews, each preview a ``1 / previews_per_action`` share."""
        return self.changes + self.previews / self.previews_per_action

    @property
    def requests(self) -> int:
        return self.changes + self.previews


def previews_per_action(n_scenes: int) -> int:
    """The previews the page asks after one state change: ``n_scenes - 1`` other scenes and one
    slider preview for every factor group."""
    return len(FACTOR_GROUPS) * n_scenes


def spent(participant, now, n_scenes: int) -> Spent:
    since = now - timedelta(seconds=WINDOW_S)
    found = ExplorerAction.objects.filter(participant=participant, created_at__gte=since).aggregate(
        previews=Count("pk", filter=Q(action="preview")),
        changes=Count("pk", filter=~Q(action="preview")), oldest=Min("created_at"))
    return Spent(found["changes"], found["previews"], found["oldest"],
                 previews_per_action(n_scenes))


def retry_after(participant, now, kind: str, n_scenes: int, *, previews: int = 1) -> int | None:
    """Seconds to wait before this action would be answered; None if it may run now. A
    ``previews`` action (several previews in one request) costs what its ``previews`` would
    cost one by one, and counts as that many requests (each is one logged row)."""
    used = spent(participant, now, n_scenes)
    if kind in ("preview", "previews"):
        cost, requests = previews / used.previews_per_action, previews
    else:
        cost, requests = 1.0, 1
    if (used.actions + cost <= ACTIONS_PER_WINDOW + 1e-9
            and used.requests + requests <= REQUESTS_PER_WINDOW):
        return None
    left = WINDOW_S - (now - used.oldest).total_seconds() if used.oldest else WINDOW_S
    return max(1, math.ceil(left))
