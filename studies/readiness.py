"""Whether a study can go live: every file participants would see exists (videos, trial images,
published stimuli of every condition and variant) and every answer key can be read."""

from __future__ import annotations

from .answer_keys import AnswerKeyError, answer_key
from .media import media_file, video_duration, video_path, video_relative
from .models import Study
from .runtime import spec_of
from .spec.steps import StimulusQuestionsSpec, TrialBlockSpec, VideoSpec
from .stimuli import StimulusMissing, manifest, verified_manifest
from .trials import trials_of


def _all_variants(spec):
    seen = {}
    for step in spec.steps:
        seen[(step.id, "")] = step
        for cond, variant in spec.overrides.get(step.id, {}).items():
            seen[(step.id, cond)] = variant
    return seen.values()


def problems(study: Study) -> list[str]:
    spec = spec_of(study)
    out = []
    needs_stimuli = False
    for step in _all_variants(spec):
        if isinstance(step, VideoSpec):
            path = video_path(step)
            if path is None or not path.is_file():
                out.append(f"{step.id}: video {video_relative(step)} is missing under MEDIA_ROOT")
            elif video_duration(step) is None:
                out.append(f"{step.id}: cannot measure the duration of {video_relative(step)} "
                           "(install ffprobe or give duration_s)")
        elif isinstance(step, StimulusQuestionsSpec):
            needs_stimuli = True
            try:
                answer_key(step)
            except AnswerKeyError as exc:
                out.append(f"{step.id}: {exc}")
        elif isinstance(step, TrialBlockSpec):
            out += _trial_problems(spec, step)
    if needs_stimuli:
        for c in spec.conditions:
            for v in c.variants:
                try:
                    manifest(spec, c.name, v)
                except StimulusMissing as exc:
                    out.append(f"stimulus {c.name}/{v}: {exc}")
                    break
    return sorted(set(out))


def _trial_problems(spec, step) -> list[str]:
    out = []
    for trial in trials_of(spec, step):
        for ref in [*trial.options, *(im for r in trial.references for im in r.images)]:
            if ref.file:
                path = media_file(ref.file)
                if path is None or not path.is_file():
                    out.append(f"{step.id}: image {ref.file} is missing under MEDIA_ROOT")
            elif ref.key:
                try:
                    verified_manifest(ref.key)
                except StimulusMissing as exc:
                    out.append(f"{step.id}: trial images not rendered yet (run render_stimuli): "
                               f"{exc}")
            else:
                try:
                    manifest(spec, ref.condition, ref.variant)
                except StimulusMissing as exc:
                    out.append(f"{step.id}: {exc}")
    return out
