"""Small client reports through one endpoint (``studies:beacon``, handed to every page as
``config.beacon``; ``studyBeacon(kind, fields)`` in study.js posts them): focus loss
(``visibilitychange``/``blur``) on any page, and the events a step type declares for its own
page (``StepType.events``, checked and logged by ``StepType.event``, e.g. the video's progress).

A report about a page the participant has already left or reloaded (the browser hides a page
while it unloads, after the request that moved the session on or rendered the page anew: every
report names the step and the nonce of the page that sent it) or about an ended session is
acknowledged with 204 and not stored: it is stale, not an error, and storing it would inflate focus-loss
counts. Reports without a valid session cookie are refused by the view (403). A kind that no
step type declares, or that the current step does not, is answered 400."""

from __future__ import annotations

import copy

from django.db import transaction
from django.http import HttpResponse, JsonResponse

from .flow import context_of, is_current_page, locked
from .free_text import printable
from .lookups import CLAIM_STATE
from .models import Event, EventKind, Participant, Status
from .steps import Invalid, number, registered, step_type

FOCUS = {"focus_lost": EventKind.FOCUS_LOST, "focus_back": EventKind.FOCUS_BACK}


def _known(kind: str) -> bool:
    return kind in FOCUS or any(kind in t.events for t in registered())


def handle(request, participant: Participant) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if not _known(kind):
        return JsonResponse({"ok": False, "error": "unknown kind"}, status=400)
    if kind not in FOCUS:
        answer = _unlocked(request, participant, kind)
        if answer is not None:
            return answer
    with transaction.atomic():
        p = locked(participant)
        if p.status != Status.ACTIVE:
            return HttpResponse(status=204)  # session ended
        ctx = context_of(p)
        if not is_current_page(request.POST, ctx):
            return HttpResponse(status=204)  # a page already left or reloaded
        if kind in FOCUS:
            ctx.log(FOCUS[kind], client_ms=number(request.POST.get("t"), 1e14),
                    via=printable(request.POST.get("via", ""), 16))
            return JsonResponse({"ok": True})
        step = step_type(ctx.step)
        if kind not in step.events:
            return JsonResponse({"ok": False, "error": f"bad {kind} report"}, status=400)
        try:
            answer = step.event(ctx, kind, request.POST)
        except Invalid as exc:
            return JsonResponse({"ok": False, "error": "; ".join(exc.errors.values())},
                                status=400)
        p.save(update_fields=["state"])
        return JsonResponse({"ok": True, **answer})


def _unlocked(request, p: Participant, kind: str) -> HttpResponse | None:
    """A step's report (e.g. a video's progress, every 2 s) without the row lock: the report is
    accounted on the participant as read, and its new state written by one UPDATE on the
    condition that status, step, page nonce and state are still what was read, so it counts
    exactly as if it had held the lock (nothing else can have changed the state meanwhile);
    the Events it logs are written with that UPDATE, in one transaction, only when there are
    some (a coalesced video report logs one per 30 s). The UPDATE's SQL is compiled once
    (``lookups.CLAIM_STATE``). None when the report needs the locked
    path: an ended session, a page left, a report the step refuses, or a race lost."""
    if p.status != Status.ACTIVE:
        return None
    ctx = context_of(p)
    if not is_current_page(request.POST, ctx):
        return None
    step = step_type(ctx.step)
    if kind not in step.events:
        return None
    read = {"pk": p.pk, "status": str(Status.ACTIVE), "step_index": p.step_index,
            "page_nonce": p.page_nonce, "read": copy.deepcopy(p.state)}
    ctx.pending = []
    try:
        answer = step.event(ctx, kind, request.POST)
    except Invalid:
        return None
    if ctx.pending:
        with transaction.atomic():
            if not CLAIM_STATE.run(**read, state=p.state):
                return None
            Event.objects.bulk_create(ctx.pending)
    elif not CLAIM_STATE.run(**read, state=p.state):
        return None
    return JsonResponse({"ok": True, **answer})
