"""Small client reports: video progress and focus loss (``visibilitychange``/``blur``).

A report about a page the participant has already left or reloaded (the browser hides a page
while it unloads, after the request that moved the session on or rendered the page anew: every
report names the step and the nonce of the page that sent it) or about an ended session is
acknowledged with 204 and not stored: it is stale, not an error, and storing it would inflate focus-loss
counts. Reports without a valid session cookie are refused by the view (403). Video progress
reports are coalesced into fewer Events (:func:`_worth_an_event`)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse, JsonResponse

from .flow import context_of, is_current_page, locked, log
from .free_text import printable
from .models import EventKind, Participant, Status
from .spec.steps import VideoSpec
from .steps.video import record_progress, watched

VIDEO_EVENT_EVERY_S = 30.0
KINDS = {"video": EventKind.VIDEO, "focus_lost": EventKind.FOCUS_LOST,
         "focus_back": EventKind.FOCUS_BACK}


def _number(value: str, limit: float = 1e6) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < limit else None


def handle(request, participant: Participant) -> HttpResponse:
    kind = KINDS.get(request.POST.get("kind", ""))
    if kind is None:
        return JsonResponse({"ok": False, "error": "unknown kind"}, status=400)
    with transaction.atomic():
        p = locked(participant)
        if p.status != Status.ACTIVE:
            return HttpResponse(status=204)  # session ended
        ctx = context_of(p)
        if not is_current_page(request.POST, ctx):
            return HttpResponse(status=204)  # a page already left or reloaded
        epoch_ms = _number(request.POST.get("t"), 1e14)  # the browser's Date.now()
        if kind != EventKind.VIDEO:
            log(ctx, kind, client_ms=epoch_ms, via=printable(request.POST.get("via", ""), 16))
            return JsonResponse({"ok": True})
        position = _number(request.POST.get("position"))
        if not isinstance(ctx.step, VideoSpec) or position is None:
            return JsonResponse({"ok": False, "error": "bad video report"}, status=400)
        seeks, was_complete = ctx.state.get("seeks", 0), watched(ctx)
        state = record_progress(ctx, position)
        complete = watched(ctx)
        state["reports"] = state.get("reports", 0) + 1
        if _worth_an_event(state, seeks, was_complete, complete):
            log(ctx, kind, client_ms=epoch_ms, position=position, accepted=state["until"],
                reports=state["reports"], complete=complete)
            state["logged"], state["reports"] = state["until"], 0
        p.save(update_fields=["state"])
        return JsonResponse({"ok": True, "accepted": state["until"], "complete": complete})


def _worth_an_event(state: dict, seeks_before: int, was_complete: bool, complete: bool) -> bool:
    """Progress reports are coalesced into Events: the first of a step, a refused skip ahead,
    the report that completes the video, and one per VIDEO_EVENT_EVERY_S of accepted progress
    (``reports`` says how many reports each Event stands for). The step's state keeps every
    report's effect; the Event log need not grow by a row every 2 s per participant."""
    return ("logged" not in state or state.get("seeks", 0) > seeks_before
            or complete != was_complete
            or state["until"] - state["logged"] >= VIDEO_EVENT_EVERY_S)
