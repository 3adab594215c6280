"""What one participant may download: the tutorial videos, trial images and published stimuli
of the steps their own condition shows (a participant of one condition cannot fetch another
condition's tutorial or explanation by guessing its URL)."""

from __future__ import annotations

from .media import video_relative
from .models import Participant
from .runtime import spec_of
from .spec.steps import StimulusQuestionsSpec, TrialBlockSpec, VideoSpec
from .stimuli import stimulus_keys
from .trials import trials_of

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
    files, stimuli = set(), set()
    for index in range(len(spec.steps)):
        step = spec.step(index, condition)
        if isinstance(step, VideoSpec):
            files.add(video_relative(step))
        elif isinstance(step, StimulusQuestionsSpec):
            stimuli.add((condition, variant))
        elif isinstance(step, TrialBlockSpec):
            for trial in trials_of(spec, step):
                for ref in [*trial.options, *(im for r in trial.references for im in r.images)]:
                    if ref.file:
                        files.add(ref.file)
                    elif ref.key:
                        stimuli.add(ref.key)
                    else:
                        stimuli.add((ref.condition, ref.variant))
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
