"""What one participant may download: the tutorial videos, trial images and published stimuli
of the steps their own condition shows (a participant of one condition cannot fetch another
condition's tutorial or explanation by guessing its URL). Each step type says what its page
shows (``StepType.shows``)."""

from __future__ import annotations

from .models import Participant
from .runtime import spec_of
from .step_context import StudyFiles
from .steps import step_type
from .stimuli import stimulus_keys

_SHOWN: dict[tuple[str, str, int], tuple[frozenset, frozenset]] = {}


def _shown(spec, condition: str, variant: int) -> tuple[frozenset, frozenset]:
    """Files under MEDIA_ROOT and (condition, variant) stimuli of the condition's steps
    (cached per spec hash, condition and variant)."""
    seen = (spec.sha256, condition, variant)
    if seen not in _SHOWN:
        if len(_SHOWN) > 1024:
            _SHOWN.clear()
        _SHOWN[seen] = _collect(spec, condition, variant)
    return _SHOWN[seen]


def _collect(spec, condition: str, variant: int) -> tuple[frozenset, frozenset]:
    files, stimuli, study_files = set(), set(), StudyFiles(spec, spec.slug)
    for index in range(len(spec.steps)):
        step = spec.step(index, condition)
        media, shown = step_type(step).shows(step, study_files, condition, variant)
        files |= media
        stimuli |= shown
    return frozenset(files), frozenset(stimuli)


def _of(participant: Participant):
    spec = spec_of(participant.study)
    condition = participant.condition.name if participant.condition else ""
    return spec, _shown(spec, condition, participant.variant or 0)


def may_download(participant: Participant, path: str) -> bool:
    """Whether ``path`` (under MEDIA_ROOT) is a video or trial image of the participant's steps."""
    _, (files, _) = _of(participant)
    return path in files


def may_see_stimulus(participant: Participant, key: str) -> bool:
    """Whether the published stimulus ``key`` is shown on the participant's steps; raises
    StimulusMissing while the study's stimulus keys cannot be planned."""
    spec, (_, stimuli) = _of(participant)
    if key in stimuli:  # a published stimulus named by its key (a generated trial block's)
        return True
    planned = [s for s in stimuli if isinstance(s, tuple)]
    if not planned:
        return False
    keys = stimulus_keys(spec)
    return any(keys.get(s) == key for s in planned)
