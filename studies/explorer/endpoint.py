"""``POST /s/<slug>/explore/``: one explorer action of the participant's current explorer step.

The posted form names the page (``step``, ``nonce``, as every POST of the flow), the action
and its fields (see :mod:`.session`) and the browser's time ``t``. The answer is JSON: the
scene the action shows with its score, class, confidence and picture (a PNG data URL), and the
session's short history; a ``previews`` action answers a list ``previews`` of those, in the
order asked. Refusals are JSON too: 400 bad action (with the reason), 409 a page
already left, 429 over the per-session limit (:mod:`.limits`, with ``Retry-After``). Every answered action is one
:class:`~studies.models.ExplorerAction` row.

State-changing actions run under the participant's row lock, as every step POST does; previews
read the state without it (they change nothing). The render and forward pass run in this web
worker (``explainers.explorer.shared_scorer`` of the study's checkpoint: model loaded once per
process, bounded threads, LRU cache; ``XAI_EXPLORER_INFERENCE=process`` moves them to a process
beside it); docs/explorer.md says why and what it costs.
"""

from __future__ import annotations

import copy

from django.db import transaction
from django.http import JsonResponse

from explainers.explorer import ExplorerError
from explainers.explorer.inference import PREVIEW_SIZE

from .. import clock
from ..flow import context_of, is_current_page, locked
from ..models import ExplorerAction, Status
from . import limits, session
from .pictures import picture
from .scenes import scenes_of, scorer_of
from .warm import warm_for_actions


def _refuse(status: int, error: str, **headers) -> JsonResponse:
    response = JsonResponse({"ok": False, "error": error}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _client_ms(data) -> float | None:
    try:
        value = float(data.get("t_client", ""))
    except ValueError:
        return None
    return value if 0 <= value < 1e14 else None


def handle(request, participant, is_explorer) -> JsonResponse:
    """``is_explorer(step)`` says whether a step is an explorer step (the step type's test)."""
    data = request.POST
    if participant.status != Status.ACTIVE:
        return _refuse(409, "This session has ended.")
    ctx = context_of(participant)
    if not is_explorer(ctx.step):
        return _refuse(400, "The current step is not an explorer.")
    if not is_current_page(data, ctx):
        return _refuse(409, "This page is out of date; please reload it.")
    scenes = scenes_of(ctx.step)
    try:
        action = session.parse(data, len(scenes))
    except ExplorerError as exc:
        return _refuse(400, str(exc))
    wait = limits.retry_after(participant, clock.now(), action.kind, len(scenes),
                              previews=action.previews)
    if wait is not None:
        return _refuse(429, "Too many requests; please wait a few seconds.",
                       **{"Retry-After": str(wait)})
    warm_for_actions(scorer_of(ctx.spec), ctx.step, scenes)  # once per process
    try:
        if action.changes_state:
            with transaction.atomic():
                p = locked(participant)
                ctx = context_of(p)
                if p.status != Status.ACTIVE or not is_current_page(data, ctx):
                    return _refuse(409, "This page is out of date; please reload it.")
                scene = session.apply(ctx.state, scenes, action)
                p.save(update_fields=["state"])
        elif action.kind == "previews":
            return _previews(data, ctx, scenes, action)
        else:
            scene = session.apply(copy.deepcopy(ctx.state), scenes, action)
    except ExplorerError as exc:
        return _refuse(400, str(exc))
    size = PREVIEW_SIZE if action.kind == "preview" else None  # a change: the full picture
    probe = scorer_of(ctx.spec).probe(scene, size=size)
    _row(data, ctx, action, scene, probe).save()
    return JsonResponse({
        "ok": True, "action": action.kind, "group": action.group, "source": action.source,
        "t": action.t, **picture(probe), **_session_fields(ctx.state)})


def _session_fields(state) -> dict:
    return {"selected": state.get("selected"), "history": session.short_history(state),
            "can_undo": bool(state.get("history"))}


def _row(data, ctx, action, scene, probe) -> ExplorerAction:
    return ExplorerAction(
        study_id=ctx.study.pk, participant=ctx.participant, step=ctx.step.id,
        step_index=ctx.step.index, action=action.kind, selected=ctx.state.get("selected"),
        group=action.group, source=action.source,
        t=action.t, scene=scene, score=probe.score, label=probe.label,
        confidence=probe.confidence, cached=probe.cached, compute_ms=probe.compute_ms,
        client_ms=_client_ms(data), created_at=clock.now())


def _previews(data, ctx, scenes, action) -> JsonResponse:
    """Several previews in one request: one batched render and forward pass for the ones not
    cached, one ``preview`` row each in the log (as if asked one by one)."""
    shown = session.preview_scenes(copy.deepcopy(ctx.state), scenes, action)
    probes = scorer_of(ctx.spec).probe_many(shown, size=PREVIEW_SIZE)
    ExplorerAction.objects.bulk_create([_row(data, ctx, item, scene, probe) for item, scene, probe
                                        in zip(action.items, shown, probes, strict=True)])
    return JsonResponse({
        "ok": True, "action": action.kind,
        "previews": [{"group": item.group, "source": item.source, "t": item.t, **picture(probe)}
                     for item, probe in zip(action.items, probes, strict=True)],
        **_session_fields(ctx.state)})
