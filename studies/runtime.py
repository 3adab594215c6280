"""A loaded Study's parsed spec, cached per process.

A Study read with its YAML text is looked up by the text's hash (whatever the instance holds is
what is parsed). A Study read without it (``studies.lookups`` defers the text and the spec JSON
on every participant request) is looked up by its row: primary key, spec hash and
``updated_at``, which every save of the study changes (``load_study --update`` included); the
text is read from the database only when that row is new to the process."""

from __future__ import annotations

from functools import lru_cache

from .models import Study
from .spec import StudySpec, parse_spec

_BY_ROW: dict[tuple, StudySpec] = {}


@lru_cache(maxsize=32)
def _parse(sha256: str, text: str, slug: str) -> StudySpec:
    return parse_spec(text, source=slug)


def spec_of(study: Study) -> StudySpec:
    if study.pk is None or "source_yaml" not in study.get_deferred_fields():
        return _parse(study.spec_sha256, study.source_yaml, study.slug)
    row = (study._state.db, study.pk, study.spec_sha256, study.updated_at, study.slug)
    spec = _BY_ROW.get(row)
    if spec is None:
        spec = _parse(study.spec_sha256, study.source_yaml, study.slug)  # reads the text
        if len(_BY_ROW) > 64:
            _BY_ROW.clear()
        _BY_ROW[row] = spec
    return spec
