"""The step engine. The server owns the state: the participant's current step index lives in
the database; GET shows the current step whatever URL was asked for; every POST must name the
current step and the nonce of its latest rendering, and runs in one transaction holding the
participant's row lock, so replays, forged posts and second tabs change nothing. A GET takes no
lock where it can claim its new nonce with one conditional UPDATE instead (``show``)."""

from __future__ import annotations

import copy
import secrets
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from . import clock
from .end_notes import end_note
from .free_text import printable
from .lookups import LOCKED, page_claim
from .models import EventKind, Participant, Status
from .runtime import spec_of
from .sessions import end_session, expire_if_due, time_out_reason
from .spec.steps import CompletionSpec
from .step_context import StepContext
from .steps import Decline, GoTo, Invalid, Next, ScreenOut, Stay, step_type
from .steps.participant_group import attributes
from .stimuli import StimulusMissing


def locked(participant: Participant) -> Participant:
    """The participant read again with its row locked (inside a transaction), with study and
    condition (``studies.lookups.LOCKED``)."""
    found = LOCKED.first(pk=participant.pk)
    if found is None:
        raise Participant.DoesNotExist(f"participant {participant.pk} is gone")
    return found


def context_of(p: Participant) -> StepContext:
    spec = spec_of(p.study)
    step = spec.step(p.step_index, p.condition.name if p.condition else None,
                     group=attributes(spec, p.state)["participant_group"])
    return StepContext(participant=p, study=p.study, spec=spec, step=step, now=clock.now())


def step_url(p: Participant) -> str:
    return reverse("studies:step", args=[p.study.slug])


def log(ctx: StepContext, kind: str, client_ms: float | None = None, **data) -> None:
    ctx.log(kind, client_ms=client_ms, **data)


def is_current_page(data, ctx: StepContext) -> bool:
    """Whether posted ``step`` and ``nonce`` name the latest rendering of the current step."""
    nonce = ctx.participant.page_nonce
    return data.get("step") == ctx.step.id and bool(nonce) and \
        secrets.compare_digest(data.get("nonce", "").encode(), nonce.encode())


def show(request, participant: Participant) -> HttpResponse:
    """GET: the current step, rendered without the row lock where that is safe (see
    :func:`_show_unlocked`); an ended session, an expiry or a race takes the locked path."""
    if participant.status == Status.ACTIVE and not time_out_reason(participant):
        response = _show_unlocked(request, participant)
        if response is not None:
            return response
    with transaction.atomic():
        p = locked(participant)
        if p.status != Status.ACTIVE or expire_if_due(p):
            return final_page(request, p)
        ctx = context_of(p)
        return render_step(request, ctx)


def _show_unlocked(request, p: Participant) -> HttpResponse | None:
    """The page rendered from the participant as read, then claimed by one conditional UPDATE
    that sets the new nonce (and the step clock, and the state the page's context set up). Every
    POST, expiry and rendering replaces or clears the nonce, so the UPDATE matches only if none
    happened since the read. The state is written only on a page whose nonce is still clear:
    beacons and POSTs need a nonce, so nothing else can have written it meanwhile. Otherwise
    None, and the caller takes the locked path."""
    ctx = context_of(p)
    read = {"pk": p.pk, "status": Status.ACTIVE, "step_index": p.step_index,
            "page_nonce": p.page_nonce}
    read_started = p.step_started_at
    values = {"new_nonce": secrets.token_hex(16), "now": ctx.now}
    if read_started is None:
        p.step_started_at = values["started"] = ctx.now
    else:
        read["read_started"] = read_started
    state = copy.deepcopy(p.state)
    try:
        extra = step_type(ctx.step).context(ctx)
    except StimulusMissing:
        return None
    changed = p.state != state
    if changed:
        if p.page_nonce:
            return None
        values["state"] = p.state
    if not page_claim(read_started, changed).run(**read, **values):
        return None
    p.page_nonce, p.last_seen_at = values["new_nonce"], ctx.now
    return _page(request, ctx, extra)


def render_step(request, ctx: StepContext, status: int = 200) -> HttpResponse:
    """Render the current step of a locked participant with a new nonce, and save it."""
    p = ctx.participant
    if p.step_started_at is None:
        p.step_started_at = ctx.now
    p.page_nonce = secrets.token_hex(16)
    p.last_seen_at = ctx.now
    try:
        extra = step_type(ctx.step).context(ctx)
    except StimulusMissing as exc:
        log(ctx, EventKind.PAGE_VIEW, error=str(exc))
        return render(request, "studies/problem.html", {"study": ctx.study}, status=503)
    p.save()
    return _page(request, ctx, extra, status)


def _page(request, ctx: StepContext, extra: dict, status: int = 200) -> HttpResponse:
    p, spec = ctx.participant, ctx.spec
    log(ctx, EventKind.PAGE_VIEW, errors=sorted(ctx.errors))
    return render(request, step_type(ctx.step).template, {
        "study": ctx.study, "spec": spec, "step": ctx.step, "participant": p,
        "nonce": p.page_nonce, "errors": ctx.errors, "values": ctx.values,
        "step_number": ctx.step.index + 1, "step_total": len(spec.steps),
        "min_seconds": ctx.step.min_seconds,
        "wait_s": max(0.0, ctx.step.min_seconds - ctx.elapsed_s), **extra}, status=status)


def submit(request, participant: Participant) -> HttpResponse:
    with transaction.atomic():
        p = locked(participant)
        if p.status != Status.ACTIVE or expire_if_due(p):
            return HttpResponseRedirect(step_url(p))
        ctx = context_of(p)
        data = request.POST
        if not is_current_page(data, ctx):
            log(ctx, EventKind.REJECTED, posted_step=printable(data.get("step", ""), 64))
            messages.warning(request, "That page was already submitted or is out of date "
                                      "(another tab?). Nothing was changed; here is your "
                                      "current page.")
            return HttpResponseRedirect(step_url(p))
        if ctx.elapsed_s < ctx.step.min_seconds:
            return _invalid(request, ctx, {"page": "Please take your time: look at the page "
                                                      "carefully before you continue."})
        try:
            outcome = step_type(ctx.step).submit(ctx, data)
        except Invalid as exc:
            return _invalid(request, ctx, exc.errors)
        return apply(request, ctx, outcome)


def _invalid(request, ctx: StepContext, errors: dict) -> HttpResponse:
    ctx.errors = errors
    ctx.values = {k: v for k, v in request.POST.items()
                  if k not in ("nonce", "csrfmiddlewaretoken")}
    log(ctx, EventKind.INVALID, errors=sorted(errors))
    return render_step(request, ctx, status=400)


def apply(request, ctx: StepContext, outcome) -> HttpResponse:
    p, spec = ctx.participant, ctx.spec
    log(ctx, EventKind.SUBMIT, outcome=type(outcome).__name__, round=ctx.round,
        elapsed_s=round(ctx.elapsed_s, 3))
    rounds = p.state.setdefault("_rounds", {})
    rounds[ctx.step.id] = ctx.round
    p.page_nonce = ""
    if isinstance(outcome, Stay):
        p.save()
        return HttpResponseRedirect(step_url(p))
    if isinstance(outcome, ScreenOut):
        end_session(p, Status.SCREENED_OUT, outcome.reason, code_kind=outcome.code_kind,
                    step_id=ctx.step.id)
        return HttpResponseRedirect(step_url(p))
    if isinstance(outcome, Decline):
        end_session(p, Status.WITHDRAWN, "declined consent", step_id=ctx.step.id)
        return HttpResponseRedirect(step_url(p))
    if isinstance(outcome, GoTo):
        p.step_index = spec.index_of(outcome.step_id)
        if outcome.message:
            messages.info(request, outcome.message)
    elif isinstance(outcome, Next):
        p.step_index += 1
    p.step_started_at = None
    p.save()
    if isinstance(spec.steps[p.step_index], CompletionSpec):
        end_session(p, Status.COMPLETED, "completed", step_id=spec.steps[p.step_index].id)
        if not p.pilot:  # a pilot stays here: nothing is sent to Prolific
            return HttpResponseRedirect(prolific_url(p.completion_code))
    return HttpResponseRedirect(step_url(p))


def prolific_url(code: str) -> str:
    return settings.PROLIFIC_COMPLETE_URL + quote(code)


def withdraw(request, participant: Participant) -> HttpResponse:
    with transaction.atomic():
        p = locked(participant)
        if p.status == Status.ACTIVE:
            ctx = context_of(p)
            end_session(p, Status.WITHDRAWN, "withdrew during the study", step_id=ctx.step.id)
    return HttpResponseRedirect(step_url(p))


def final_page(request, p: Participant) -> HttpResponse:
    spec = spec_of(p.study)
    step = spec.steps[min(p.step_index, len(spec.steps) - 1)]
    return render(request, "studies/final.html", {
        "study": p.study, "participant": p, "spec": spec, "status": p.status,
        "end_note": end_note(p, spec),
        "completion_text": step.text if isinstance(step, CompletionSpec) else "",
        "prolific_url": prolific_url(p.completion_code) if p.completion_code and not p.pilot
        else ""})
