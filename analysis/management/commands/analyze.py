"""python manage.py analyze --responses FILE.csv --prereg FILE.yaml --out DIR"""

from pathlib import Path

import pandas as pd
from django.core.management.base import BaseCommand, CommandError

from analysis import aspredicted, prereg, screening, tidy
from analysis.pipeline import analyze
from analysis.report import write_report
from analysis.results import AnalysisError


class Command(BaseCommand):
    help = "Run a preregistered analysis on a tidy responses file and write the report."

    def add_arguments(self, parser):
        parser.add_argument("--responses", required=True, help="tidy export (CSV or Parquet)")
        parser.add_argument("--prereg", required=True, help="preregistration YAML")
        parser.add_argument("--out", required=True, help="output folder")
        parser.add_argument("--annotations", help="CSV participant,annotator,label "
                                                  "(manual screening of free text)")
        parser.add_argument("--decisions", help="CSV participant,label (settled disagreements)")

    def handle(self, *args, **options):
        try:
            document = prereg.load(options["prereg"])
            raw = tidy.read_table(options["responses"])
            summary = {}
            if options["annotations"]:
                decisions = (tidy.read_table(options["decisions"]) if options["decisions"]
                             else pd.DataFrame(columns=["participant", "label"]))
                summary = screening.summarize(tidy.read_table(options["annotations"]), decisions)
            result = analyze(raw, document, manual_exclusions=summary.get("excluded", ()),
                             screening=summary)
            paths = write_report(result, options["out"])
            Path(options["out"], "preregistration_aspredicted.md").write_text(
                aspredicted.to_markdown(document), encoding="utf-8")
        except (prereg.PreregError, AnalysisError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"report written: {paths['html']}, {paths['md']}, {paths['json']}")
        for line in result.deviations:
            self.stdout.write(f"deviation: {line}")
