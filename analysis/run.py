"""The one entry of an analysis run: a preregistration, the tidy responses and the screening
summary in, the report folder out. ``manage.py analyze`` (files) and ``manage.py analysis_report``
(a study's stored responses) differ only in where they read these from."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import aspredicted
from .pipeline import AnalysisResult, analyze
from .prereg import Preregistration
from .report import write_report


def run_analysis(responses: pd.DataFrame, document: Preregistration, out: str | Path, *,
                 screening: dict, amendments=(), provenance: dict | None = None,
                 deviations=()) -> tuple[AnalysisResult, dict[str, Path]]:
    """Analyse ``responses`` as ``document`` says and write the report into ``out``: report.html,
    report.md, results.json, figures and preregistration_aspredicted.md.

    ``screening`` is the manual screening's summary (:func:`analysis.screening.summarize`; ``{}``
    when nobody screened): its ``excluded`` participants are the manual exclusions.
    ``deviations`` are put first among the report's deviations (e.g. an unlocked
    preregistration)."""
    result = analyze(responses, document, manual_exclusions=screening.get("excluded", ()),
                     amendments=amendments, screening=screening, provenance=provenance)
    result.deviations[:0] = list(deviations)
    paths = write_report(result, out)
    paths["aspredicted"] = Path(out, "preregistration_aspredicted.md")
    paths["aspredicted"].write_text(aspredicted.to_markdown(document), encoding="utf-8")
    return result, paths
