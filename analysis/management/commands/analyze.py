"""python manage.py analyze --responses FILE.csv --prereg FILE.yaml --out DIR
[--explorer-actions ACTIONS.csv]"""

from django.core.management.base import BaseCommand, CommandError

from analysis import prereg, screening, tidy
from analysis.results import AnalysisError
from analysis.run import run_analysis


class Command(BaseCommand):
    help = "Run a preregistered analysis on a tidy responses file and write the report."

    def add_arguments(self, parser):
        parser.add_argument("--responses", required=True, help="tidy export (CSV or Parquet)")
        parser.add_argument("--prereg", required=True, help="preregistration YAML")
        parser.add_argument("--out", required=True, help="output folder")
        parser.add_argument("--annotations", help="CSV participant,annotator,label "
                                                  "(manual screening of free text)")
        parser.add_argument("--decisions", help="CSV participant,label (settled disagreements)")
        parser.add_argument("--explorer-actions", help="the explorer's action export (CSV, one "
                                                       "row per action; export_responses "
                                                       "--explorer-actions): adds the "
                                                       "exploration section")

    def handle(self, *args, **options):
        try:
            document = prereg.load(options["prereg"])
            raw = tidy.read_table(options["responses"])
            summary = screening.from_files(options["annotations"], options["decisions"])
            actions = (tidy.read_table(options["explorer_actions"])
                       if options.get("explorer_actions") else None)
            result, paths = run_analysis(raw, document, options["out"], screening=summary,
                                         explorer_actions=actions)
        except (prereg.PreregError, AnalysisError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"report written: {paths['html']}, {paths['md']}, {paths['json']}")
        for line in result.deviations:
            self.stdout.write(f"deviation: {line}")
