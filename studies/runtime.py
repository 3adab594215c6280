"""A loaded Study's parsed spec, cached per process by the spec's hash."""

from __future__ import annotations

from functools import lru_cache

from .models import Study
from .spec import StudySpec, parse_spec


@lru_cache(maxsize=32)
def _parse(sha256: str, text: str, slug: str) -> StudySpec:
    return parse_spec(text, source=slug)


def spec_of(study: Study) -> StudySpec:
    return _parse(study.spec_sha256, study.source_yaml, study.slug)
