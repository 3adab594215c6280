"""python manage.py check_study SLUG|SPEC.yaml --prereg FILE"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from analysis import spec_check


class Command(BaseCommand):
    help = ("Check a study spec and its preregistration against each other; fails naming key "
            "and line in both files where they disagree.")

    def add_arguments(self, parser):
        parser.add_argument("study", help="slug of a loaded study, or a study spec YAML file")
        parser.add_argument("--prereg", required=True, help="preregistration YAML")

    def handle(self, *args, study, prereg, **options):
        spec_text, spec_name = spec_source(study)
        prereg_text = read(prereg)
        found = run_check(spec_text, prereg_text, spec_name=spec_name,
                          prereg_name=Path(prereg).name)
        self.stdout.write(f"{spec_name} and {Path(prereg).name} agree ({found} checked)")


def read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{path}: cannot read: {exc.strerror}") from exc


def spec_source(study: str) -> tuple[str, str]:
    """The spec text and the name to quote: a file's name, or the loaded study's stored YAML."""
    from studies.exports import find_study, loaded_spec_text

    if study.endswith((".yaml", ".yml")):
        return read(study), Path(study).name
    record = find_study(study)
    if record is None:
        raise CommandError(f"no study with slug {study!r} (load it with load_study, or pass "
                           f"the spec file)")
    text = loaded_spec_text(record)
    if not text:
        raise CommandError(f"study {study!r} has no stored spec text; load it with load_study")
    return text, f"{study} (loaded spec)"


def run_check(spec_text: str, prereg_text: str, *, spec_name: str, prereg_name: str) -> str:
    """Raise CommandError listing every disagreement; returns what was checked."""
    from analysis.prereg import PreregError
    from studies.spec import SpecError

    try:
        spec_check.check(spec_text, prereg_text, spec_name=spec_name, prereg_name=prereg_name)
    except spec_check.StudyMismatch as exc:
        raise CommandError(str(exc)) from exc
    except PreregError as exc:
        raise CommandError(f"{prereg_name}: {exc}") from exc
    except SpecError as exc:
        raise CommandError(str(exc)) from exc
    return "study, design, conditions, sample size, items, answer keys, trial blocks, exclusions"
