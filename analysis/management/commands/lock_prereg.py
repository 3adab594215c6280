"""python manage.py lock_prereg STUDY [--file YAML] [--aspredicted FILE.md]

Nothing is stored or locked while the preregistration and the study's loaded spec disagree
(``check_study``)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from analysis import aspredicted, prereg
from analysis.management.commands.check_study import run_check, spec_source
from analysis.models import Preregistration
from studies.exports import find_study


class Command(BaseCommand):
    help = "Store (with --file) and lock a study's preregistration; optionally export it."

    def add_arguments(self, parser):
        parser.add_argument("study")
        parser.add_argument("--file", help="YAML to store first (refused if already locked)")
        parser.add_argument("--aspredicted", help="also write the AsPredicted markdown here")

    def handle(self, *args, study, file=None, aspredicted=None, **options):
        study_obj = find_study(study)
        if study_obj is None:
            raise CommandError(f"no study with slug {study!r}")
        record = Preregistration.objects.filter(study=study_obj).first()
        if file:
            try:
                text = Path(file).read_text(encoding="utf-8")
                prereg.parse(text)
            except (OSError, prereg.PreregError) as exc:
                raise CommandError(f"{file}: {exc}") from exc
            if record is None or not record.is_locked:
                check_against_spec(study, text, Path(file).name)
            record = record or Preregistration(study=study_obj)
            record.text = text
            try:
                record.save()
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        if record is None:
            raise CommandError(f"study {study!r} has no preregistration; pass --file")
        if not file and not record.is_locked:
            check_against_spec(study, record.text, "stored preregistration")
        if record.lock():
            self.stdout.write(f"locked {study} at {record.locked_at:%Y-%m-%d %H:%M:%S} UTC, "
                              f"sha256 {record.sha256}")
        else:
            self.stdout.write(f"{study} was already locked at {record.locked_at} UTC")
        if aspredicted:
            Path(aspredicted).write_text(aspredicted_md(record), encoding="utf-8")


def check_against_spec(study: str, text: str, prereg_name: str) -> None:
    spec_text, spec_name = spec_source(study)
    run_check(spec_text, text, spec_name=spec_name, prereg_name=prereg_name)


def aspredicted_md(record) -> str:
    return aspredicted.to_markdown(record.document())
