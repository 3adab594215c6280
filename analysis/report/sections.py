"""The report's content as a list of sections of simple blocks; md and HTML render the same."""

from __future__ import annotations

from ..pipeline import AnalysisResult
from .text import fmt, fmt_p, frame_rows, tests_rows


def build(result: AnalysisResult, figures: dict) -> list[tuple[str, list[tuple]]]:
    prereg = result.prereg
    table = result.data.table
    sections = []
    intro = [("p", f"Study `{prereg.study}`, {prereg.design} design. Preregistration SHA-256 "
                   f"{prereg.sha256}."),
             ("p", f"{int((~table['excluded']).sum())} of {len(table)} participants analysed.")]
    if result.provenance.get("locked_at"):
        intro.append(("p", f"Preregistration locked at {result.provenance['locked_at']} "
                           f"(SHA-256 {result.provenance.get('locked_sha256', '')}); "
                           f"{len(result.amendments)} amendment(s) since."))
    elif result.provenance:
        intro.append(("p", "The preregistration was never locked."))
    intro.append(("list", [f"{h.id} ({h.direction}): {h.text}" for h in prereg.hypotheses]))
    sections.append(("Summary", intro))

    deviations = list(result.deviations) or ["None: every test ran as preregistered."]
    sections.append(("Deviations from the preregistration", [("list", deviations)]))

    header, rows = frame_rows(result.flow.astype(int), index=True)
    blocks = [("p", "Counted under the first matching reason, in the preregistered order."),
              ("table", header, rows)]
    if "flow" in figures:
        blocks.append(("img", "flow", "Participant flow"))
    sections.append(("Participant flow", blocks))

    if result.accuracy is not None:
        acc = result.accuracy.copy()
        acc["N"] = acc["N"].astype(int)
        header, rows = frame_rows(acc, index=True, digits=1)
        ci = result.tables["accuracy_ci"]
        ci_header, ci_rows = frame_rows(ci, index=False)
        blocks = [("p", "Mean accuracy in percent per condition, overall and per attribute "
                        "(as Table 2 of the paper)."), ("table", header, rows),
                  ("img", "accuracy_table", "Accuracy table"),
                  ("p", "Bootstrap confidence intervals of the mean accuracy "
                        "(scipy.stats.bootstrap, percentile, fixed seeds):"),
                  ("table", ci_header, ci_rows),
                  ("img", "correct_distribution", "Number of correct answers per condition "
                                                   "(as Figure 4 of the paper)")]
        sections.append(("Accuracy", blocks))

    for analysis in prereg.analyses:
        if analysis.id in result.tables:
            header, rows = frame_rows(result.tables[analysis.id], index=False)
            blocks = [("p", analysis.description or analysis.id), ("table", header, rows)]
            if f"describe_{analysis.id}" in figures:
                blocks.append(("img", f"describe_{analysis.id}", analysis.id))
            sections.append((f"Descriptive: {analysis.id}", blocks))

    header, rows = tests_rows(result.tests_frame)
    plan = [f"{a.id} ({a.test}, {'preregistered' if a.preregistered else 'exploratory'}): "
            f"{a.description}" for a in prereg.analyses if a.test != "describe"]
    sections.append(("Statistical tests", [("list", plan), ("table", header, rows)]))

    if len(result.reproduction):
        rep = result.reproduction
        rows = [[r.analysis, r.row, r.quantity,
                 ("< " if r.bound == "below" else "") + fmt(r.published, 4),
                 fmt(float(r.reproduced), 4), fmt(r.tolerance, 4),
                 "yes" if r.matches else "NO", r.explanation] for r in rep.itertuples()]
        header = ["analysis", "row", "quantity", "published", "reproduced", "tolerance",
                  "matches", "explanation"]
        sections.append(("Reproduction of published numbers", [
            ("p", f"{int(rep['matches'].sum())} of {len(rep)} published numbers reproduced "
                  f"within the stated tolerance."), ("table", header, rows)]))

    if result.screening:
        s = result.screening
        blocks = [("p", f"Cohen's kappa (include vs. unsure/exclude) = {fmt(s.get('kappa'))} "
                        f"over {s.get('n_rated', 0)} participants rated by two annotators; "
                        f"{len(s.get('disagreements', []))} disagreement(s); "
                        f"{len(s.get('excluded', []))} settled exclusion(s).")]
        if s.get("unsettled"):
            blocks.append(("list", [f"unsettled: {p}" for p in s["unsettled"]]))
        sections.append(("Manual screening of free-text answers", blocks))

    if prereg.notes:
        sections.append(("Notes", [("list", list(prereg.notes))]))
    return sections


__all__ = ["build", "fmt_p"]
