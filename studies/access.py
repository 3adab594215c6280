"""What one participant may download: the tutorial videos, trial images and published stimuli
of the steps their own condition shows (a participant of one condition cannot fetch another
condition's tutorial or explanation by guessing its URL). Each step type says what its page
shows (``StepType.shows``): a whole published stimulus, or single cells of one (a trial block's
images: a participant fetches only the cells their own trials show, not another batch's cell
of the same CNN unit's stimulus, nor its grid)."""

from __future__ import annotations

from .models import Participant
from .runtime import spec_of
from .step_context import StudyFiles
from .steps import step_type
from .steps.base import StimulusCell
from .stimuli import images_stamp, stimulus_keys, verified_manifest

_SHOWN: dict[tuple, tuple[frozenset, frozenset, dict]] = {}


def _shown(spec, condition: str, variant: int) -> tuple[frozenset, frozenset, dict]:
    """Files under MEDIA_ROOT, whole stimuli (keys or (condition, variant)) and the shown cells
    per stimulus, ``{stimulus: {(row, col), ...}}``, of the condition's steps (cached per spec
    hash, image folder files (a trial block drawn from a changed folder shows another
    stimulus), condition and variant)."""
    seen = (spec.sha256, images_stamp(spec), condition, variant)
    if seen not in _SHOWN:
        if len(_SHOWN) > 1024:
            _SHOWN.clear()
        _SHOWN[seen] = _collect(spec, condition, variant)
    return _SHOWN[seen]


def _collect(spec, condition: str, variant: int) -> tuple[frozenset, frozenset, dict]:
    files, stimuli, cells, study_files = set(), set(), {}, StudyFiles(spec, spec.slug)
    for index in range(len(spec.steps)):
        step = spec.step(index, condition)
        media, shown = step_type(step).shows(step, study_files, condition, variant)
        files |= media
        for s in shown:
            if isinstance(s, StimulusCell):
                cells.setdefault(s.stimulus, set()).add((s.row, s.col))
            else:
                stimuli.add(s)
    return frozenset(files), frozenset(stimuli), {k: frozenset(v) for k, v in cells.items()}


def _of(participant: Participant):
    spec = spec_of(participant.study)
    condition = participant.condition.name if participant.condition else ""
    return spec, _shown(spec, condition, participant.variant or 0)


def may_download(participant: Participant, path: str) -> bool:
    """Whether ``path`` (under MEDIA_ROOT) is a video or trial image of the participant's steps."""
    _, (files, _, _) = _of(participant)
    return path in files


def may_see_stimulus(participant: Participant, key: str, name: str) -> bool:
    """Whether file ``name`` (a cell or the grid) of the published stimulus ``key`` is shown on
    the participant's steps; raises StimulusMissing while the study's stimulus keys cannot be
    planned or a stimulus whose cells are checked is not published."""
    spec, (_, stimuli, cells) = _of(participant)
    if key in stimuli:  # a whole published stimulus named by its key
        return True
    positions = set(cells.get(key, ()))
    planned = [s for s in (*stimuli, *cells) if isinstance(s, tuple)]
    if planned:
        keys = stimulus_keys(spec)
        if any(keys.get(s) == key for s in stimuli if isinstance(s, tuple)):
            return True
        for s in (s for s in cells if isinstance(s, tuple) and keys.get(s) == key):
            positions |= cells[s]
    if not positions:
        return False
    cell = next((c for c in verified_manifest(key)["cells"] if c["file"] == name), None)
    return cell is not None and (cell["row"], cell["col"]) in positions
