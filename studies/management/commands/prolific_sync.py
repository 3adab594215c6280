"""Poll Prolific once: free RETURNED / TIMED-OUT slots and approve completed submissions."""

from django.core.management.base import BaseCommand, CommandError

from studies.models import Study
from studies.prolific.client import ProlificClient
from studies.prolific.errors import ProlificError
from studies.prolific.sync import sync_study


class Command(BaseCommand):
    help = "Sync participants with their Prolific submissions (the beat task does this too)."

    def add_arguments(self, parser):
        parser.add_argument("--study", help="study slug (default: every linked study)")
        parser.add_argument("--no-approve", action="store_true", help="only sync statuses")

    def handle(self, *args, study=None, no_approve=False, **kw):
        studies = Study.objects.exclude(prolific_study_id="").order_by("id")
        if study:
            studies = studies.filter(slug=study)
            if not studies.exists():
                raise CommandError(f"no study {study!r} linked to a Prolific study")
        try:
            client = ProlificClient.from_settings()
            for obj in studies:
                result = sync_study(obj, client=client, approve=not no_approve)
                self.stdout.write(f"{obj.slug}: {result.summary()}")
        except ProlificError as exc:
            raise CommandError(str(exc)) from exc
