"""The one entry of an analysis run: a preregistration, the tidy responses and the screening
summary in, the report folder out. ``manage.py analyze`` (files) and ``manage.py analysis_report``
(a study's stored responses) differ only in where they read these from."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import aspredicted
from .exploration import exploration_table, group_means, summarize_actions
from .pipeline import AnalysisResult, analyze
from .prereg import Preregistration
from .report import write_report


def run_analysis(responses: pd.DataFrame, document: Preregistration, out: str | Path, *,
                 screening: dict, amendments=(), provenance: dict | None = None,
                 deviations=(), explorer_actions: pd.DataFrame | None = None,
                 ) -> tuple[AnalysisResult, dict[str, Path]]:
    """Analyse ``responses`` as ``document`` says and write the report into ``out``: report.html,
    report.md, results.json, figures and preregistration_aspredicted.md.

    ``screening`` is the manual screening's summary (:func:`analysis.screening.summarize`; ``{}``
    when nobody screened): its ``excluded`` participants are the manual exclusions.
    ``deviations`` are put first among the report's deviations (e.g. an unlocked
    preregistration). ``explorer_actions`` is the explorer's action export (one row per action):
    its analysed participants' exploration is described against their correctness (tables
    ``exploration`` and ``exploration_groups``, figure ``exploration.png``)."""
    result = analyze(responses, document, manual_exclusions=screening.get("excluded", ()),
                     amendments=amendments, screening=screening, provenance=provenance)
    result.deviations[:0] = list(deviations)
    if explorer_actions is not None and len(explorer_actions):
        table = exploration_table(summarize_actions(explorer_actions), result.data.analysed)
        result.tables["exploration"] = table
        result.tables["exploration_groups"] = group_means(table)
    paths = write_report(result, out)
    paths["aspredicted"] = Path(out, "preregistration_aspredicted.md")
    paths["aspredicted"].write_text(aspredicted.to_markdown(document), encoding="utf-8")
    return result, paths
