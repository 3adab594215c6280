"""results.json: every number of the analysis, in a stable (sorted, seed-fixed) form."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from ..pipeline import AnalysisResult


def clean(value):
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        if math.isnan(value):
            return None
        return str(value) if math.isinf(value) else value
    if value is None or isinstance(value, str):
        return value
    if pd.isna(value):
        return None
    return str(value)


def records(frame: pd.DataFrame, *, index: str | None = None) -> list[dict]:
    if frame is None:
        return []
    frame = frame.reset_index() if index else frame
    return [clean(r) for r in frame.to_dict(orient="records")]


def results_dict(result: AnalysisResult) -> dict:
    prereg = result.prereg
    table = result.data.table
    exclusions = table[["excluded", "reason", "all_reasons"]].reset_index()
    return clean({
        "title": prereg.title,
        "study": prereg.study,
        "design": prereg.design,
        "preregistration_sha256": prereg.sha256,
        "amendments": result.amendments,
        "provenance": result.provenance,
        "hypotheses": [{"id": h.id, "direction": h.direction, "text": h.text}
                       for h in prereg.hypotheses],
        "flow": records(result.flow, index="group"),
        "exclusions": records(exclusions),
        "accuracy_percent": records(result.accuracy, index="condition")
        if result.accuracy is not None else [],
        "tables": {name: records(frame) for name, frame in sorted(result.tables.items())},
        "tests": records(result.tests_frame),
        "options": result.options,
        "reproduction": records(result.reproduction),
        "deviations": list(result.deviations),
        "screening": result.screening,
        "bootstrap": prereg.bootstrap,
    })


def write_json(result: AnalysisResult, path) -> dict:
    data = results_dict(result)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n",
                    encoding="utf-8")
    return data
