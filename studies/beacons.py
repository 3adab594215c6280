"""Small client reports: video progress and focus loss (``visibilitychange``/``blur``)."""

from __future__ import annotations

from django.db import transaction
from django.http import JsonResponse

from .flow import context_of, locked, log
from .models import EventKind, Participant, Status
from .spec.steps import VideoSpec
from .steps.video import record_progress, watched

KINDS = {"video": EventKind.VIDEO, "focus_lost": EventKind.FOCUS_LOST,
         "focus_back": EventKind.FOCUS_BACK}


def _number(value: str, limit: float = 1e6) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < limit else None


def handle(request, participant: Participant) -> JsonResponse:
    kind = KINDS.get(request.POST.get("kind", ""))
    if kind is None:
        return JsonResponse({"ok": False, "error": "unknown kind"}, status=400)
    with transaction.atomic():
        p = locked(participant)
        if p.status != Status.ACTIVE:
            return JsonResponse({"ok": False, "error": "session ended"}, status=409)
        ctx = context_of(p)
        if request.POST.get("step") != ctx.step.id:
            return JsonResponse({"ok": False, "error": "not the current step"}, status=409)
        epoch_ms = _number(request.POST.get("t"), 1e14)  # the browser's Date.now()
        if kind != EventKind.VIDEO:
            log(ctx, kind, client_ms=epoch_ms, via=request.POST.get("via", "")[:16])
            return JsonResponse({"ok": True})
        position = _number(request.POST.get("position"))
        if not isinstance(ctx.step, VideoSpec) or position is None:
            return JsonResponse({"ok": False, "error": "bad video report"}, status=400)
        state = record_progress(ctx, position)
        p.save(update_fields=["state"])
        log(ctx, kind, client_ms=epoch_ms, position=position, accepted=state["until"])
        return JsonResponse({"ok": True, "accepted": state["until"], "complete": watched(ctx)})
