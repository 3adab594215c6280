"""Researcher pages: dashboard, its JSON feed, downloads (staff only)."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from .. import dashboard_numbers, exports
from ..flags import flags
from ..live import live_view
from ..models import Study
from ..pilots import preview_token


@staff_member_required
def index(request):
    return render(request, "studies/dashboard/index.html", {"studies": Study.objects.all()})


@staff_member_required
def study(request, slug):
    s = get_object_or_404(Study, slug=slug)
    return render(request, "studies/dashboard/study.html",
                  {"study": s, "status": dashboard_numbers.status(s), "flags": flags(s),
                   "live": live_view(s), "previews": _preview_links(request, s)})


def _preview_links(request, s: Study) -> list[tuple[str, str]]:
    """(condition, signed preview link for a reviewer without a staff account)."""
    return [(c.name, request.build_absolute_uri(
        reverse("studies:preview", args=[s.slug, preview_token(s, c.name)])))
        for c in s.conditions.all()]


@staff_member_required
def status_json(request, slug):
    return JsonResponse(dashboard_numbers.status(get_object_or_404(Study, slug=slug)))


@staff_member_required
def live_json(request, slug):
    return JsonResponse(live_view(get_object_or_404(Study, slug=slug)))


DOWNLOADS = {
    "bonus": (exports.bonus_file, "text/csv", "bonus.csv"),
    "approve": (exports.approve_list, "text/plain", "approve.txt"),
    "screened-out": (exports.screen_out_list, "text/plain", "screened_out.txt"),
    "explorer-actions": (lambda s: exports.csv_text(exports.explorer_actions(s)), "text/csv",
                         "explorer_actions.csv"),
    "explorer-summaries": (lambda s: exports.csv_text(exports.explorer_summaries(
        exports.explorer_actions(s))), "text/csv", "explorer_summaries.csv"),
}


@staff_member_required
def download(request, slug, kind):
    s = get_object_or_404(Study, slug=slug)
    if kind in ("csv", "parquet"):
        return _responses(s, kind, include_pilot=request.GET.get("pilot") == "include")
    if kind not in DOWNLOADS:
        return HttpResponse(f"unknown download {kind!r}", status=404, content_type="text/plain")
    make, content_type, name = DOWNLOADS[kind]
    return _attachment(make(s).encode(), content_type, f"{s.slug}-{name}")


def _responses(s: Study, kind: str, *, include_pilot: bool = False) -> HttpResponse:
    frame = exports.tidy_responses(s, include_pilot=include_pilot)
    if kind == "csv":
        return _attachment(exports.csv_text(frame).encode(), "text/csv",
                           f"{s.slug}-responses.csv")
    import io

    buf = io.BytesIO()
    frame.to_parquet(buf, index=False, engine="pyarrow")
    return _attachment(buf.getvalue(), "application/vnd.apache.parquet",
                       f"{s.slug}-responses.parquet")


def _attachment(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
