"""Run a preregistered plan on tidy responses: the whole analysis as one function, no database."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import bootstrap, effect_ci, exclusions, scoring
from .prereg import Preregistration
from .results import AnalysisError, ResultRow, results_frame
from .statistical_tests import TESTS
from .study_data import StudyData, prepare


@dataclass
class AnalysisResult:
    prereg: Preregistration
    data: StudyData
    tests: list[ResultRow]
    tables: dict[str, pd.DataFrame]
    flow: pd.DataFrame
    deviations: list[str]
    reproduction: pd.DataFrame
    accuracy: pd.DataFrame | None = None
    amendments: list[dict] = field(default_factory=list)
    screening: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    @property
    def tests_frame(self) -> pd.DataFrame:
        return results_frame(self.tests)

    @property
    def options(self) -> dict[str, dict[str, dict]]:
        """Per analysis, every option that shaped its tests: value and source
        ('preregistered', 'stated choice' or 'stated default'; see analysis.params.Source)."""
        return {a.id: a.options for a in self.prereg.analyses}


def analyze(raw: pd.DataFrame, prereg: Preregistration, *, manual_exclusions=(),
            amendments=(), screening: dict | None = None,
            provenance: dict | None = None) -> AnalysisResult:
    data = prepare(raw, prereg, manual_exclusions=manual_exclusions)
    by = "condition" if prereg.design == "between" else None
    flow = exclusions.flow(data.table, prereg.exclusions, by=by, order=prereg.conditions)
    tables: dict[str, pd.DataFrame] = {}
    accuracy = None
    if data.scores is not None:
        accuracy = scoring.accuracy_table(data.scores, attributes=prereg.attributes,
                                          conditions=prereg.conditions)
        tables["accuracy_ci"] = accuracy_cis(data, prereg)
        tables["correct_distribution"] = correct_distribution(data, prereg)
    done: dict[str, list[ResultRow]] = {}
    tests: list[ResultRow] = []
    deviations = [f"amendment {a['created']}: {a['reason']}" for a in amendments]
    for analysis in prereg.analyses:
        outcome = TESTS[analysis.test].run(data, analysis, done)
        done[analysis.id] = outcome.rows
        tests += outcome.rows
        tables.update(outcome.tables)
        deviations += outcome.deviations
    tests = effect_ci.with_bootstrap_cis(tests, data, prereg.bootstrap)
    reproduction = reproduce(prereg, tests, tables)
    for _, row in reproduction[~reproduction["matches"]].iterrows():
        deviations.append(f"published {row['analysis']} {row['row']} {row['quantity']} = "
                          f"{row['published']} not reproduced ({row['reproduced']:.4g}): "
                          f"{row['explanation'] or 'no explanation given'}")
    return AnalysisResult(prereg, data, tests, tables, flow, deviations, reproduction, accuracy,
                          list(amendments), screening or {}, provenance or {})


def accuracy_cis(data: StudyData, prereg: Preregistration) -> pd.DataFrame:
    settings = prereg.bootstrap
    rows = []
    for i, condition in enumerate(prereg.conditions):
        values = data.scores.loc[data.scores["condition"] == condition, "accuracy"]
        low, high = bootstrap.mean_ci(values, n_resamples=int(settings["n_resamples"]),
                                      seed=int(settings["seed"]) + i,
                                      confidence_level=float(settings["confidence_level"]))
        rows.append({"condition": condition, "n": len(values), "mean": float(values.mean()),
                     "ci_low": low, "ci_high": high, "seed": int(settings["seed"]) + i,
                     "n_resamples": int(settings["n_resamples"]), "method": "percentile"})
    return pd.DataFrame(rows)


def correct_distribution(data: StudyData, prereg: Preregistration) -> pd.DataFrame:
    k = len(prereg.attributes)
    table = pd.crosstab(data.scores["n_correct"], data.scores["condition"], normalize="columns")
    return table.reindex(index=range(k + 1), columns=list(prereg.conditions), fill_value=0.0)


def _quantity(row: ResultRow, quantity: str) -> float:
    if quantity == "df_within":
        return float(row.df.split(",")[-1])
    return float(getattr(row, quantity))


def reproduce(prereg: Preregistration, tests: list[ResultRow],
              tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Compare each analysis' ``published:`` numbers with the reproduced ones."""
    rows = []
    for analysis in prereg.analyses:
        for entry in analysis.published.get("values", []):
            quantity, target = entry["quantity"], entry.get("row", "")
            if analysis.id in tables and quantity in tables[analysis.id].columns:
                table = tables[analysis.id]
                key = " ".join(map(str, target)) if isinstance(target, list) else str(target)
                keys = table[analysis.params["by"]].astype(str).agg(" ".join, axis=1)
                match = table[keys == key]
                if match.empty:
                    raise AnalysisError(f"{analysis.id}.published: no cell {key!r}")
                value = float(match[quantity].iloc[0])
            else:
                candidates = [t for t in tests if t.analysis_id == analysis.id and
                              target in t.label and t.test != "decision"]
                if not candidates:
                    raise AnalysisError(f"{analysis.id}.published: no result labelled {target!r}")
                value = _quantity(candidates[0], quantity)
            published = float(entry["value"])
            tolerance = float(entry.get("tolerance", 0))
            if entry.get("bound") == "below":
                matches = value < published
            else:
                matches = bool(not math.isnan(value) and abs(value - published) <= tolerance)
            rows.append({"analysis": analysis.id, "row": str(target), "quantity": quantity,
                         "published": published, "bound": entry.get("bound", ""),
                         "reproduced": value, "tolerance": tolerance, "matches": matches,
                         "explanation": str(entry.get("explanation", ""))})
    columns = ["analysis", "row", "quantity", "published", "bound", "reproduced", "tolerance",
               "matches", "explanation"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["matches"] = frame["matches"].astype(bool)
    return frame


def to_jsonable(value):
    if isinstance(value, float | np.floating):
        value = float(value)
        return None if math.isnan(value) else (str(value) if math.isinf(value) else value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value
