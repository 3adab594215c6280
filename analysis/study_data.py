"""Prepared data of one study: layout, exclusions, trial filters and scores, in that order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import exclusions, scoring, tidy
from .prereg import Preregistration
from .results import AnalysisError

RELEVANCE_COLUMNS = ["item_type", "item", "response"]
UNASSIGNED = {"", "nan", "None"}


@dataclass
class StudyData:
    prereg: Preregistration
    responses: pd.DataFrame      # every row, tidy names
    table: pd.DataFrame          # one row per participant with excluded / reason
    analysed: pd.DataFrame       # rows of included participants, before trial filters
    trials: pd.DataFrame         # rows of included participants, after trial filters
    rel: pd.DataFrame | None = None
    scores: pd.DataFrame | None = None

    def groups(self, dv: str) -> dict[str, np.ndarray]:
        if self.scores is None or dv not in self.scores.columns:
            raise AnalysisError(f"dependent variable {dv!r} is not a participant score "
                                f"(accuracy, n_correct or an attribute)")
        return {c: self.scores.loc[self.scores["condition"] == c, dv].to_numpy(dtype=float)
                for c in self.prereg.conditions}

    def selected(self, on: str) -> pd.DataFrame:
        if self.rel is None:
            raise AnalysisError("McNemar tests need relevance answers")
        return self.rel.pivot(index="participant", columns="item", values=on)

    def trials_for(self, which: str) -> pd.DataFrame:
        """'unfiltered': the included participants' rows before the trial filters."""
        return self.analysed if which == "unfiltered" else self.trials


def required_columns(prereg: Preregistration) -> list[str]:
    needed = ["participant"]
    if prereg.design in ("between", "within"):
        needed += ["condition", *RELEVANCE_COLUMNS]
    else:
        needed += ["correct"]
    return needed


def prepare(raw: pd.DataFrame, prereg: Preregistration, *,
            manual_exclusions=()) -> StudyData:
    if raw.empty:
        raise AnalysisError("the responses file has no rows")
    frame = tidy.apply_layout(tidy.number_rows(raw), columns=prereg.columns,
                              constants=prereg.constants,
                              recode=prereg.recode, filters=[])
    frame = tidy.normalise(frame, required=required_columns(prereg))
    _refuse_pilots(frame)
    _check_conditions(frame, prereg)
    scoring.check_responses(frame, source=prereg.columns.get("response", "response"))
    table = tidy.participants(frame)
    table = exclusions.evaluate(table, frame, prereg.exclusions,
                                context={"manual_exclusions": set(map(str, manual_exclusions))})
    included = set(table.index[~table["excluded"]])
    if "condition" in table.columns:
        stray = table[~table["excluded"] & table["condition"].astype(str).isin(UNASSIGNED)]
        if len(stray):
            raise AnalysisError(f"participant {stray.index[0]!r} has no condition but meets no "
                                f"exclusion rule; add a rule (e.g. not_finished) or fix the data")
    analysed = frame[frame["participant"].isin(included)].reset_index(drop=True)
    if analysed.empty:
        raise AnalysisError(f"every one of the {len(table)} participants was excluded; "
                            f"nothing to analyse (see the exclusion reasons)")
    trials = tidy.apply_layout(analysed, columns={}, constants={}, recode={},
                               filters=list(prereg.trial_filters))
    data = StudyData(prereg, frame, table, analysed, trials)
    if prereg.design in ("between", "within"):
        data.rel = scoring.relevance_items(analysed, attributes=prereg.attributes,
                                           answer_key=prereg.answer_key)
        data.scores = scoring.per_participant(data.rel, attributes=prereg.attributes)
        if prereg.design == "between":
            for condition in prereg.conditions:
                n = int((data.scores["condition"] == condition).sum())
                if n < 2:
                    raise AnalysisError(f"condition {condition!r} has {n} analysed "
                                        f"participant(s); between-condition tests need at "
                                        f"least two per condition")
        elif len(data.scores) < 2:
            raise AnalysisError(f"only {len(data.scores)} analysed participant(s); the "
                                f"within-subject tests need at least two")
    return data


def _refuse_pilots(frame: pd.DataFrame) -> None:
    """Pilot sessions are no data: an export made with --include-pilot cannot be analysed."""
    if "pilot" not in frame.columns or not frame["pilot"].any():
        return
    pilots = frame.loc[frame["pilot"], "participant"].unique()
    raise AnalysisError(f"the responses include {len(pilots)} pilot session(s) (column 'pilot', "
                        f"e.g. participant {pilots[0]!r}); export without --include-pilot")


def _check_conditions(frame: pd.DataFrame, prereg: Preregistration) -> None:
    if "condition" not in frame.columns:
        return
    # sessions that ended before assignment (screened out, study full) have no condition
    present = set(frame["condition"].astype(str)) - UNASSIGNED
    unknown = sorted(present - set(prereg.conditions))
    if unknown:
        raise AnalysisError(f"condition(s) {unknown} in the responses are not in the "
                            f"preregistration's conditions {list(prereg.conditions)}")
    empty = [c for c in prereg.conditions if c not in present]
    if empty:
        raise AnalysisError(f"condition(s) {empty} of the preregistration have no participants "
                            f"in the responses (empty condition)")
