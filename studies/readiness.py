"""Whether a study can go live: every file participants would see exists (videos, trial images,
published stimuli of every condition and variant) and every answer key can be read. Each step
type says what its pages need (``StepType.problems``). Other apps add their checks through
:data:`go_live_checks` (analysis: the stored preregistration agrees with the loaded spec), so
studies imports none of them."""

from __future__ import annotations

from django.dispatch import Signal

from .models import Study
from .runtime import spec_of
from .step_context import StudyFiles
from .steps import step_type


def _all_variants(spec):
    seen = {}
    for step in spec.steps:
        seen[(step.id, "")] = step
        for cond, variant in spec.overrides.get(step.id, {}).items():
            seen[(step.id, cond)] = variant
    return seen.values()


#: Sent by :func:`problems` with ``study``; each receiver returns a list of problems (strings).
go_live_checks = Signal()


def problems(study: Study) -> list[str]:
    spec = spec_of(study)
    files = StudyFiles(spec, study.slug)
    out = []
    for step in _all_variants(spec):
        out += step_type(step).problems(step, files)
    for _receiver, found in go_live_checks.send(sender=Study, study=study):
        out += list(found)
    return sorted(set(out))
