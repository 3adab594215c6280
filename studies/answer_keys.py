"""Answer keys of relevance questions: inline in the spec, or read from the model's measured
ground truth (``ground_truth.json``, Contract 2: ``answer_key`` attribute -> relevant/irrelevant)."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from .spec.steps import RELEVANCE, StimulusQuestionsSpec


class AnswerKeyError(LookupError):
    pass


def resolve_path(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else Path(settings.BASE_DIR) / p


def answer_key(step: StimulusQuestionsSpec) -> dict[str, str]:
    """attribute -> 'relevant'/'irrelevant' for every attribute the step asks about."""
    if step.answer_key:
        return dict(step.answer_key)
    path = resolve_path(step.answer_key_from)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise AnswerKeyError(f"answer key file {path} does not exist yet "
                             "(run the ground-truth measurement first)") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise AnswerKeyError(f"answer key file {path} cannot be read: {exc}") from None
    key = data.get("answer_key") if isinstance(data, dict) else None
    if not isinstance(key, dict):
        raise AnswerKeyError(f"{path} has no 'answer_key' mapping")
    out = {}
    for attr in (a.id for a in step.attributes):
        if key.get(attr) not in RELEVANCE:
            raise AnswerKeyError(f"{path}: answer_key[{attr!r}] is {key.get(attr)!r}, "
                                 "not 'relevant' or 'irrelevant'")
        out[attr] = key[attr]
    return out
