from django.core.management.base import BaseCommand, CommandError

from studies.loading import LoadError, load_study, stale_pilots
from studies.readiness import problems
from studies.spec import SpecError


class Command(BaseCommand):
    help = "Validate a study spec (YAML) and load it; --update replaces an existing study's spec."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--update", action="store_true")

    def handle(self, *args, file, update, **options):
        try:
            removed = stale_pilots(file) if update else 0
            study, created = load_study(file, update=update)
        except (SpecError, LoadError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{'loaded' if created else 'updated'} study {study.slug!r} "
                          f"({study.conditions.count()} conditions)")
        if removed:
            self.stdout.write(self.style.WARNING(
                f"removed {removed} pilot session(s) that the new design would break"))
        missing = problems(study)
        if missing:
            self.stdout.write(self.style.WARNING(
                "not ready to go live yet (participants are refused until this is fixed):"))
            for line in missing:
                self.stdout.write(f"  - {line}")
        else:
            self.stdout.write(self.style.SUCCESS("ready: every stimulus, video and answer key "
                                                 "is in place"))
