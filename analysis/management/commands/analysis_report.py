"""python manage.py analysis_report STUDY --out DIR (responses from the database)."""

from django.core.management.base import BaseCommand, CommandError

from analysis import screening_db, sources
from analysis.models import Preregistration
from analysis.prereg import PreregError
from analysis.results import AnalysisError
from analysis.run import run_analysis
from studies.exports import find_study


class Command(BaseCommand):
    help = "Analyse a study's stored responses with its locked preregistration."

    def add_arguments(self, parser):
        parser.add_argument("study", help="study slug")
        parser.add_argument("--out", required=True)

    def handle(self, *args, study, out, **options):
        study_obj = find_study(study)
        if study_obj is None:
            raise CommandError(f"no study with slug {study!r}")
        record = Preregistration.objects.filter(study=study_obj).first()
        if record is None:
            raise CommandError(f"study {study!r} has no preregistration; add one in the admin "
                               f"or with lock_prereg --file")
        try:
            document, summary = record.document(), screening_db.summary(study_obj)
            _, paths = run_analysis(
                sources.tidy_responses(study_obj), document, out,
                screening=summary, amendments=record.amendment_dicts(),
                provenance={"locked_at": record.locked_at.isoformat(timespec="seconds")
                            if record.locked_at else "",
                            "locked_sha256": record.sha256 if record.locked_at else ""},
                deviations=[] if record.is_locked else ["the preregistration was never locked"],
                explorer_actions=sources.explorer_actions(study_obj))
        except (PreregError, AnalysisError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"report written: {paths['html']}")
