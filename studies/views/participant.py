"""Participant pages: entry from Prolific, the current step, beacons, withdrawal, files."""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .. import beacons, flow
from ..access import may_download, may_see_stimulus
from ..assignment import enter
from ..identity import BadEntry, parse_entry, remember, session_of, token_from
from ..models import Study
from ..prolific.arrivals import allow, too_many
from ..ranges import serve_file
from ..served_files import media_file
from ..stimuli import StimulusMissing, published_image
from .pilot import staff_entry


def _no_session(request, study, status=403):
    return render(request, "studies/refused.html", {"study": study, "reason": "no_session"},
                  status=status)


@require_http_methods(["GET"])
def entry(request, slug):
    study = get_object_or_404(Study, slug=slug)
    if not allow(request):
        return too_many(request, study)
    try:
        ids = parse_entry(study, request.GET)
    except BadEntry as exc:
        return render(request, "studies/bad_link.html", {"study": study, "error": str(exc)},
                      status=400)
    if request.user.is_staff:  # a researcher trying the link pilots instead of taking a slot
        return staff_entry(request, study)
    result = enter(study, ids, token_from(request, study))
    if result.participant is None:
        return render(request, "studies/refused.html", {"study": study, "reason": result.refusal},
                      status=403 if result.refusal in ("already", "blocked", "elsewhere") else 200)
    response = HttpResponseRedirect(reverse("studies:step", args=[study.slug]))
    remember(response, study, result.participant)
    return response


@require_http_methods(["GET", "POST"])
def step(request, slug):
    study, participant = session_of(request, slug)
    if participant is None:
        return _no_session(request, study)
    handler = flow.submit if request.method == "POST" else flow.show
    return handler(request, participant)


@require_POST
def beacon(request, slug):
    study, participant = session_of(request, slug)
    if participant is None:
        return _no_session(request, study)
    return beacons.handle(request, participant)


@require_http_methods(["GET", "POST"])
def withdraw(request, slug):
    study, participant = session_of(request, slug)
    if participant is None:
        return _no_session(request, study)
    if request.method == "POST":
        return flow.withdraw(request, participant)
    return render(request, "studies/withdraw.html", {"study": study, "participant": participant})


def _file(request, path):
    if path is None or not path.is_file():
        raise Http404("no such file")
    return serve_file(request, path)


def asset(request, slug, path):
    """Videos and trial images under MEDIA_ROOT, for participants of this study."""
    study, participant = session_of(request, slug)
    if participant is None:
        return _no_session(request, study)
    if not may_download(participant, path):
        raise Http404("not a file of this participant's steps")
    return _file(request, media_file(path))


def stimulus(request, slug, key, name):
    study, participant = session_of(request, slug)
    if participant is None:
        return _no_session(request, study)
    try:
        if not may_see_stimulus(participant, key, name):
            raise Http404("not a stimulus of this participant's steps")
        return _file(request, published_image(key, name))
    except StimulusMissing:
        raise Http404("no such stimulus") from None
