"""Pilot sessions: started from the dashboard (staff) or a signed preview link (a reviewer);
the pilot bar's jump-to-step form. See studies.pilots."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ..assignment import choose
from ..identity import remember, session_of
from ..models import Status, Study
from ..pilots import PREVIEW_BY, PilotError, jump, read_preview_token, start_pilot


def _begin(request, study: Study, condition: str, by: str):
    try:
        pilot = start_pilot(study, condition, by=by)
    except PilotError as exc:
        return None, str(exc)
    response = HttpResponseRedirect(reverse("studies:step", args=[study.slug]))
    remember(response, study, pilot)
    return response, ""


@staff_member_required
@require_POST
def start(request, slug):
    study = get_object_or_404(Study, slug=slug)
    response, error = _begin(request, study, request.POST.get("condition", ""),
                             request.user.get_username())
    if error:
        messages.error(request, f"No pilot started: {error}")
        return HttpResponseRedirect(reverse("studies:dashboard", args=[slug]))
    return response


def staff_entry(request, study: Study):
    """A staff user who opens the participants' link: a pilot of the condition a participant
    would get now (the first one when all are full), said so on the page."""
    condition = choose(study, 0)[0] or study.conditions.first()
    response, error = _begin(request, study, condition.name, request.user.get_username())
    if error:
        messages.error(request, f"No pilot started: {error}")
        return HttpResponseRedirect(reverse("studies:dashboard", args=[study.slug]))
    messages.info(request, "You are signed in as a researcher, so this is a pilot session: "
                           "nothing is counted. Sign out to take part as a participant.")
    return response


@require_GET
def preview(request, slug, token):
    study, current = session_of(request, slug)
    if current is not None and current.pilot and current.status == Status.ACTIVE:
        return HttpResponseRedirect(reverse("studies:step", args=[slug]))  # resume it
    try:
        condition = read_preview_token(study, token)
    except PilotError as exc:
        return render(request, "studies/bad_link.html", {"study": study, "error": str(exc)},
                      status=400)
    response, error = _begin(request, study, condition, PREVIEW_BY)
    if error:
        return render(request, "studies/bad_link.html", {"study": study, "error": error},
                      status=400)
    return response


@require_POST
def jump_to(request, slug):
    study, participant = session_of(request, slug)
    if participant is None or not participant.pilot:
        return render(request, "studies/refused.html", {"study": study, "reason": "no_session"},
                      status=403)
    try:
        target = jump(participant, request.POST.get("index", ""))
    except PilotError as exc:
        messages.error(request, f"Pilot: {exc}.")
    else:
        messages.info(request, f"Pilot: jumped to step {target.index + 1} ({target.id}).")
    return HttpResponseRedirect(reverse("studies:step", args=[slug]))
