"""python manage.py analysis_report STUDY --out DIR (responses from the database)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from analysis import aspredicted, screening_db, sources
from analysis.models import Preregistration
from analysis.pipeline import analyze
from analysis.prereg import PreregError
from analysis.report import write_report
from analysis.results import AnalysisError
from studies.models import Study


class Command(BaseCommand):
    help = "Analyse a study's stored responses with its locked preregistration."

    def add_arguments(self, parser):
        parser.add_argument("study", help="study slug")
        parser.add_argument("--out", required=True)

    def handle(self, *args, study, out, **options):
        study_obj = Study.objects.filter(slug=study).first()
        if study_obj is None:
            raise CommandError(f"no study with slug {study!r}")
        record = Preregistration.objects.filter(study=study_obj).first()
        if record is None:
            raise CommandError(f"study {study!r} has no preregistration; add one in the admin "
                               f"or with lock_prereg --file")
        try:
            document = record.document()
            summary = screening_db.summary(study_obj)
            result = analyze(sources.tidy_responses(study_obj), document,
                             manual_exclusions=summary["excluded"],
                             amendments=record.amendment_dicts(), screening=summary,
                             provenance={"locked_at": record.locked_at.isoformat(
                                 timespec="seconds") if record.locked_at else "",
                                 "locked_sha256": record.sha256 if record.locked_at else ""})
            if not record.is_locked:
                result.deviations.insert(0, "the preregistration was never locked")
            paths = write_report(result, out)
            Path(out, "preregistration_aspredicted.md").write_text(
                aspredicted.to_markdown(document), encoding="utf-8")
        except (PreregError, AnalysisError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"report written: {paths['html']}")
