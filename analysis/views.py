"""Researcher pages (login and staff required): the manual screening of free-text answers, and
the live exclusion counts the dashboard shows."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from studies.exports import find_participant, find_study

from . import screening_db, sources
from .forms import AnnotationForm, SettleForm
from .live import exclusion_counts
from .models import Annotation, Preregistration, ScreeningDecision
from .prereg import PreregError
from .results import AnalysisError


def researcher_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("screening pages are for researchers (staff accounts)")
        return view(request, *args, **kwargs)

    return wrapper


def _study(slug):
    study = find_study(slug)
    if study is None:
        raise Http404(f"no study {slug!r}")
    return study


def _participant(study, key):
    participant = find_participant(study, str(key))
    if participant is None:
        raise Http404(f"no participant {key} in study {study.slug!r}")
    return participant


@researcher_required
def screening_list(request, slug):
    study = _study(slug)
    mine = {screening_db.participant_key(a.participant): a for a in Annotation.objects.filter(
        participant__study=study, annotator=request.user).select_related("participant")}
    rows = [(p, AnnotationForm(initial={
        "label": getattr(mine.get(p.key), "label", None), "note": getattr(mine.get(p.key), "note", "")},
        prefix=p.key)) for p in screening_db.completed(study)]
    return render(request, "analysis/screening_list.html", {"study": study, "rows": rows})


@researcher_required
@require_POST
def annotate(request, slug, participant):
    key = str(participant)  # the export's participant id
    participant = _participant(_study(slug), key)
    form = AnnotationForm(request.POST, prefix=key)
    if not form.is_valid():
        return render(request, "analysis/form_error.html", {"form": form}, status=400)
    Annotation.objects.update_or_create(participant=participant, annotator=request.user,
                                        defaults=form.cleaned_data)
    return redirect(reverse("analysis:screening", args=[slug]) + f"#p-{key}")


@researcher_required
def agreement(request, slug):
    study = _study(slug)
    summary = screening_db.summary(study)
    keys = set(summary["disagreements"]) | set(summary["unsettled"])
    marks, settled = screening_db.annotations(study), screening_db.decisions(study)
    rows = [(p, marks.get(p.key, []), getattr(settled.get(p.key), "label", ""),
             SettleForm(prefix=p.key))
            for p in screening_db.completed(study) if p.key in keys]
    return render(request, "analysis/agreement.html",
                  {"study": study, "summary": summary, "rows": rows})


@researcher_required
@require_POST
def settle(request, slug, participant):
    key = str(participant)  # the export's participant id
    participant = _participant(_study(slug), key)
    form = SettleForm(request.POST, prefix=key)
    if not form.is_valid():
        return render(request, "analysis/form_error.html", {"form": form}, status=400)
    ScreeningDecision.objects.update_or_create(participant=participant, defaults={
        **form.cleaned_data, "decided_by": request.user})
    return redirect("analysis:agreement", slug=slug)


@researcher_required
def live_exclusions(request, slug):
    """The preregistered exclusion rules on the tidy export as it stands (pilots left out)."""
    study = _study(slug)
    record = Preregistration.objects.filter(study=study).first()
    if record is None:
        return JsonResponse({"error": "no preregistration stored for this study "
                                      "(lock_prereg --file)"})
    try:
        counts = exclusion_counts(sources.tidy_responses(study), record.document(),
                                  manual_exclusions=screening_db.summary(study)["excluded"])
    except (PreregError, AnalysisError) as exc:
        return JsonResponse({"error": str(exc)})
    return JsonResponse({**counts, "locked": record.is_locked})
