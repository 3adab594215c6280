"""Numbers for the researcher dashboard (JSON-able)."""

from __future__ import annotations

from django.db.models import Count

from .assignment import fill
from .models import Participant, Status, Study
from .prolific import places
from .readiness import problems
from .runtime import spec_of
from .stimuli import StimulusMissing, block_progress, progress


def status(study: Study) -> dict:
    counts = {(c, s): n for c, s, n in Participant.objects.real().filter(study=study)
              .values_list("condition__name", "status").annotate(n=Count("id"))}
    statuses = [s.value for s in Status]
    conditions = []
    for c in fill(study):
        conditions.append({"name": c.name, "target": c.target, "held": c.held, "done": c.done,
                           "by_status": {s: counts.get((c.name, s), 0) for s in statuses}})
    render_error = ""
    try:
        render = progress(spec_of(study))
    except StimulusMissing as exc:
        render, render_error = {}, str(exc)
    try:
        blocks = block_progress(spec_of(study))
    except StimulusMissing as exc:
        blocks, render_error = [], " ".join(filter(None, [render_error, str(exc)]))
    return {"study": study.slug, "accepting": study.accepting, "conditions": conditions,
            "unassigned": {s: counts.get((None, s), 0) for s in statuses},
            "totals": {s: sum(n for (_, st), n in counts.items() if st == s) for s in statuses},
            "render": render, "render_blocks": blocks, "render_error": render_error, "problems": problems(study),
            "pilots": Participant.objects.filter(study=study, pilot=True).count(),
            "places": places.summary(study)}
