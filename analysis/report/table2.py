"""Table 2 of Sixt et al. (2022): N collected and N analysed per condition, mean accuracy (%)
overall and per attribute, in the preregistration's order and with its labels, and stars for
the significant comparisons (adjusted p where the plan adjusts)."""

from __future__ import annotations

import math

from ..exclusions import reason_text
from ..pipeline import AnalysisResult
from ..results import ResultRow
from .tests_table import correction_words

MARKS = ((0.001, "***"), (0.01, "**"), (0.05, "*"))
PAIR_TESTS = {"decision", "Shapiro-Wilk", "Levene", "Kruskal-Wallis", "one-way ANOVA",
              "Welch's ANOVA (pingouin)"}


def stars(row: ResultRow) -> str:
    p = row.p if math.isnan(row.p_adjusted) else row.p_adjusted
    if math.isnan(p) or not row.significant:
        return ""
    return next((mark for bound, mark in MARKS if p < bound), "")


def marks(result: AnalysisResult) -> tuple[dict[tuple[str, str], str], list[str]]:
    """{(condition, column): stars} and one sentence per analysis saying what was marked."""
    cells, said = {}, []
    for analysis in result.prereg.analyses:
        rows = [t for t in result.tests if t.analysis_id == analysis.id]
        p = analysis.params
        if analysis.test == "attribute_comparisons":
            attributes = p.get("attributes") or list(result.prereg.attributes)
            pairs = [((p["a"], attribute), row) for attribute, row in zip(attributes, rows,
                                                                            strict=True)]
            what = (f"{_kind(analysis)} per-attribute tests {_names(result, p['a'], p['b'])} "
                    f"(attribute columns of {result.prereg.labels.condition(p['a'])})")
        elif analysis.test == "between_conditions":
            pair_rows = [r for r in rows if r.test not in PAIR_TESTS]
            pairs = [((c["a"], "overall"), row) for c, row in zip(p["comparisons"], pair_rows,
                                                                   strict=True)]
            what = (f"{_kind(analysis)} pairwise tests of {analysis.id} (overall column: "
                    + "; ".join(_names(result, c["a"], c["b"]) for c in p["comparisons"]) + ")")
        else:
            continue
        words = correction_words(pairs[-1][1].method_options) if pairs else ""
        said.append(f"{what}, {pairs[0][1].test if pairs else ''}, "
                    f"{'p adjusted by ' + words if words else 'unadjusted p'}")
        for cell, row in pairs:
            if stars(row):
                cells[cell] = stars(row)
    return cells, said


def _kind(analysis) -> str:
    return "preregistered" if analysis.preregistered else "exploratory"


def _names(result, a, b) -> str:
    labels = result.prereg.labels
    return f"{labels.condition(a)} vs. {labels.condition(b)}"


def passed_automatic(result: AnalysisResult, group: str) -> int:
    """Sessions of ``group`` (a flow row) that met no automatic (hard-coded) rule: the analysed
    plus those excluded only by the manual screening of the free-text answers."""
    row = result.flow.loc[group] if group in result.flow.index else result.flow.iloc[0]
    manual = [reason_text(r) for r in result.prereg.exclusions if r.rule == "manual_screening"]
    return int(row["analysed"] + sum(int(row[c]) for c in manual if c in row.index))


def table2(result: AnalysisResult) -> tuple[list[str], list[list[str]], str]:
    """Header, rows and caption of the Table-2 layout."""
    prereg, labels = result.prereg, result.prereg.labels
    acc = result.accuracy
    attributes = list(prereg.attributes)
    header = ["Condition", "N collected", "N analysed", "Overall",
              *[labels.attribute(a) for a in attributes]]
    cells, said = marks(result)
    order = ([("all", labels.total, "total")] if "all" in acc.index else []) + [
        (c, labels.condition(c), c) for c in prereg.conditions]
    rows = []
    for key, name, flow_key in order:
        collected = passed_automatic(result, flow_key)
        values = [f"{cells.get((key, column), '')}{acc.loc[key, column]:.1f}"
                  for column in ["overall", *attributes]]
        rows.append([name, str(collected), str(int(acc.loc[key, "N"])), *values])
    caption = ("Mean accuracy (%) for each attribute by condition. N collected: sessions that "
               "passed the automatic (hard-coded) exclusion rules, as in the paper, whose "
               "automatically excluded sessions were replaced and not counted (every session is "
               "in the participant flow); N analysed: those remaining after the manual "
               "screening. Stars mark "
               "statistical significance (* p < 0.05, ** p < 0.01, *** p < 0.001): "
               + ("; ".join(said) if said else "no pairwise comparison is planned") + ".")
    return header, rows, caption
