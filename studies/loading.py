"""Loading a spec file into the database (``manage.py load_study``)."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from .condition_check import check_conditions
from .models import Condition, Participant, Study
from .runtime import spec_of
from .spec import StudySpec, load_spec_file, parse_spec


class LoadError(ValueError):
    pass


def load_study(path: str | Path, *, update: bool = False) -> tuple[Study, bool]:
    """Validate and store a spec; returns (study, created). Raises SpecError / LoadError."""
    spec = load_spec_file(path)
    text = Path(path).read_text(encoding="utf-8")
    check_conditions(spec, text, str(path))
    with transaction.atomic():
        study = Study.objects.select_for_update().filter(slug=spec.slug).first()
        created = study is None
        if study is not None and not update:
            raise LoadError(f"study {spec.slug!r} exists already; use --update to replace its "
                            "spec")
        if study is not None:
            _check_update(study, spec)
        study = study or Study(slug=spec.slug)
        study.title, study.source_yaml, study.spec = spec.title, text, _jsonable(spec)
        study.spec_sha256, study.seed = spec.sha256, spec.seed
        study.prolific_study_id = spec.prolific_study_id
        study.save()
        for position, c in enumerate(spec.conditions):
            Condition.objects.update_or_create(
                study=study, name=c.name,
                defaults={"explainer": c.explainer, "params": c.params, "variants": c.variants,
                          "target": c.target, "position": position})
        study.conditions.exclude(name__in=[c.name for c in spec.conditions]).delete()
    return study, created


def find_spec(source: str | Path) -> StudySpec:
    """A study spec from a YAML file, or the stored spec of a loaded study by slug; raises
    SpecError, or LookupError when ``source`` is neither."""
    if Path(source).suffix in {".yaml", ".yml"} or Path(source).is_file():
        return load_spec_file(source)
    study = Study.objects.filter(slug=str(source)).first()
    if study is None:
        raise LookupError(f"{str(source)!r} is neither a spec file nor the slug of a loaded study")
    return parse_spec(study.source_yaml, source=f"study {source}")


def _check_update(study: Study, spec: StudySpec) -> None:
    """Prolific participants fix the steps and their conditions. Pilot sessions do not: those
    that the new design would break (changed steps, removed condition) are removed
    (``stale_pilots`` says which, before the load)."""
    _stale_pilots(study, spec).delete()
    if not study.participants.real().exists():
        return
    old = spec_of(study)
    if [s.id for s in old.steps] != [s.id for s in spec.steps]:
        raise LoadError("participants exist already: the steps (their ids and order) cannot "
                        "change any more; load the new design as a new study")
    kept = {c.name for c in spec.conditions}
    used = set(Participant.objects.real().filter(study=study, condition__isnull=False)
               .values_list("condition__name", flat=True))
    if used - kept:
        raise LoadError(f"conditions {sorted(used - kept)} have participants and cannot be "
                        "removed")


def _stale_pilots(study: Study, spec: StudySpec):
    pilots = study.participants.filter(pilot=True)
    if [s.id for s in spec_of(study).steps] != [s.id for s in spec.steps]:
        return pilots
    return pilots.exclude(condition__name__in=[c.name for c in spec.conditions])


def stale_pilots(path: str | Path) -> int:
    """How many pilot sessions loading ``path`` with --update would remove."""
    spec = load_spec_file(path)
    study = Study.objects.filter(slug=spec.slug).first()
    return 0 if study is None else _stale_pilots(study, spec).count()


def _jsonable(spec: StudySpec) -> dict:
    import json

    return json.loads(json.dumps(spec.to_dict(), default=str))
