from django.core.management.base import BaseCommand

from studies.models import Study
from studies.sessions import expire_stale


class Command(BaseCommand):
    help = "Time out active sessions past the spec's time limits (frees their slots)."

    def add_arguments(self, parser):
        parser.add_argument("study", nargs="*", help="study slugs (default: all)")

    def handle(self, *args, study, **options):
        studies = Study.objects.filter(slug__in=study) if study else Study.objects.all()
        for s in studies:
            self.stdout.write(f"{s.slug}: {expire_stale(s)} session(s) timed out")
