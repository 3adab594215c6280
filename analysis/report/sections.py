"""The report's content as a list of sections of simple blocks; md and HTML render the same."""

from __future__ import annotations

from ..exclusions import BLANK_VALUES, reason_text, rule_name
from ..pipeline import AnalysisResult
from ..statistical_tests import DESCRIPTIVE
from .table2 import passed_automatic, table2
from .tests_table import tests_blocks
from .text import fmt, fmt_p, frame_rows


def fmt_option(value) -> str:
    """An option's value as written in YAML terms (lists of entries joined by '; ')."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {fmt_option(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(fmt_option(v) for v in value) or "(none)"
    return str(value)


def options(result: AnalysisResult) -> list:
    rows = [[analysis_id, name, fmt_option(option["value"]), option["source"]]
            for analysis_id, opts in result.options.items() for name, option in opts.items()]
    return [("Test options and their source", [
        ("p", "Every option that shaped a test: 'preregistered' (named by the "
              "preregistration), 'stated choice' (written in the plan, not named by the "
              "preregistration) or 'stated default' (not written; the platform's default)."),
        ("table", ["analysis", "option", "value", "source"], rows)])]


def build(result: AnalysisResult, figures: dict) -> list[tuple[str, list[tuple]]]:
    prereg = result.prereg
    sections = [("Summary", summary(result)), ("Sample size: planned and achieved",
                                               sample_size(result)),
                ("Deviations from the preregistration", [("list", deviations(result))])]
    header, rows = flow_rows(result)
    blocks = [("p", "Sessions counted under the first matching exclusion reason, in the "
                    "preregistered order."), ("p", BLANK_VALUES), ("table", header, rows)]
    if "flow" in figures:
        blocks.append(("img", "flow", "Participant flow"))
    sections.append(("Participant flow", blocks))
    if result.accuracy is not None:
        sections.append(("Accuracy", accuracy(result)))
    for analysis in prereg.analyses:
        if analysis.id in result.tables and analysis.test in DESCRIPTIVE:
            header, rows = (by_answer_rows(result, analysis) if analysis.test == "by_answer"
                            else frame_rows(result.tables[analysis.id], index=False))
            text = analysis.description or analysis.id
            if analysis.test == "by_answer":
                text += (f" Cells: mean {analysis.value('dv')} (%), number and "
                         f"share of the condition's analysed participants.")
            blocks = [("p", text), ("table", header, rows)]
            if f"describe_{analysis.id}" in figures:
                blocks.append(("img", f"describe_{analysis.id}", analysis.id))
            kind = ("preregistered" if analysis.preregistered else
                    "planned, not preregistered" if analysis.planned else "exploratory")
            sections.append((f"Descriptive ({kind}): {analysis.id}", blocks))
    if "exploration" in result.tables:
        sections.append(("Exploration (described, not tested)", exploration(result, figures)))
    plan = [f"{a.id}: {a.description}" for a in prereg.analyses
            if a.preregistered and a.test not in DESCRIPTIVE]
    sections.append(("Preregistered tests", [("list", plan)]
                     + tests_blocks(result.tests, preregistered=True)))
    exploratory = tests_blocks(result.tests, preregistered=False)
    if exploratory:
        plan = [f"{a.id}: {a.description}" for a in prereg.analyses if not a.preregistered
                and a.test not in DESCRIPTIVE]
        title = ("Exploratory tests (not preregistered)" if prereg.preregistered else
                 "Tests of the re-analysis plan (not a preregistration)")
        sections.append((title, [("list", plan), *exploratory]))
    sections += options(result) + reproduction(result) + screening(result)
    if prereg.notes:
        sections.append(("Notes", [("list", list(prereg.notes))]))
    return sections


def exploration(result: AnalysisResult, figures: dict) -> list[tuple]:
    """The explorer participants' probes per factor group and time exploring against their
    correctness, from the explorer's action export (analysis.exploration)."""
    table, groups = result.tables["exploration"], result.tables["exploration_groups"]
    text = (f"{len(table)} analysed participants of the explorer condition with logged actions. "
            "A probe is a preview, mix or interpolation of one factor group; seconds exploring "
            "run from the first to the last action. Described, not tested: the preregistered "
            "comparison is between conditions.")
    header, rows = frame_rows(groups, index=False)
    blocks = [("p", text), ("table", header, rows)]
    if "exploration" in figures:
        blocks.append(("img", "exploration", "Probes per factor group; accuracy against probes "
                                             "and seconds exploring"))
    return blocks


def _group(result: AnalysisResult, name: str) -> str:
    labels = result.prereg.labels
    if name in ("total", "all"):
        return labels.total
    return labels.condition(name) if name in result.prereg.conditions else name


def flow_rows(result: AnalysisResult) -> tuple[list[str], list[list[str]]]:
    """One row per step of the flow (collected, each reason in the preregistration's words,
    analysed), one column per group."""
    flow = display_flow(result)
    header = ["", *flow.index]
    rows = [[str(step), *[str(int(v)) for v in flow[step]]] for step in flow.columns]
    return header, rows


def display_flow(result: AnalysisResult):
    """The flow with the groups' labels and each rule's preregistered text as its name."""
    names = {reason_text(rule): rule_name(rule) for rule in result.prereg.exclusions}
    flow = result.flow.rename(columns=names)
    return flow.rename(index={g: _group(result, g) for g in flow.index})


def by_answer_rows(result: AnalysisResult, analysis) -> tuple[list[str], list[list[str]]]:
    """Rows: conditions (and all); columns: levels; cells: mean dv (%), n and share."""
    table = result.tables[analysis.id]
    item, dv = analysis.params["item"], analysis.params.get("dv", "accuracy")
    levels = list(dict.fromkeys(table[item]))
    header = ["condition", *levels]
    rows = []
    for condition, group in table.groupby("condition", sort=False):
        cells = [_group(result, condition)]
        for level in levels:
            row = group[group[item] == level].iloc[0]
            mean = "" if row["n"] == 0 else f"{row[f'{dv}_percent']:.1f}, "
            cells.append(f"{mean}n = {int(row['n'])} ({row['share_percent']:.0f} %)")
        rows.append(cells)
    return header, rows


def summary(result: AnalysisResult) -> list[tuple]:
    prereg, table = result.prereg, result.data.table
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
    return intro


def sample_size(result: AnalysisResult) -> list[tuple]:
    """Planned (from the preregistration) against collected, passed the automatic rules, and
    analysed."""
    prereg, flow = result.prereg, result.flow
    planned = prereg.sample_size
    groups = [g for g in flow.index if g != "total"] + (["total"] if "total" in flow.index
                                                         else [])
    header = ["group", "planned", "collected", "passed the automatic rules", "analysed"]
    rows = []
    for group in groups:
        if group == "total" or len(groups) == 1:
            plan = planned.get("total", "")
        else:
            plan = planned.get("per_condition", "")
        row = flow.loc[group]
        automatic = passed_automatic(result, group)
        name = (prereg.labels.total if group == "total" else prereg.labels.condition(group)
                if group in prereg.conditions else group)
        rows.append([name, str(plan), str(int(row["collected"])), str(automatic),
                     str(int(row["analysed"]))])
    blocks = [("table", header, rows)]
    if planned.get("text"):
        blocks.insert(0, ("p", f"Preregistered: {' '.join(str(planned['text']).split())}"))
    return blocks


def deviations(result: AnalysisResult) -> list[str]:
    found = list(result.deviations)
    screened = result.screening and (result.screening.get("n_rated") or
                                     result.screening.get("excluded"))
    if result.prereg.rule("manual_screening") and not screened:
        found.append("the preregistered manual screening of the free-text answers was not "
                     "done (no annotations): nobody was excluded under that rule")
    return found or ["None found: every preregistered exclusion rule and test ran as planned."]


def accuracy(result: AnalysisResult) -> list[tuple]:
    prereg, labels = result.prereg, result.prereg.labels
    header, rows, caption = table2(result)
    ci = result.tables["accuracy_ci"]
    ci_rows = [[labels.condition(r.condition), str(r.n), fmt(100 * r.mean, 1),
                f"[{fmt(100 * r.ci_low, 1)}, {fmt(100 * r.ci_high, 1)}]"]
               for r in ci.itertuples()]
    settings = prereg.bootstrap
    named = ", ".join(labels.condition(c) + (f" ({labels.condition_short(c)})" if
                                             labels.condition_short(c) != labels.condition(c)
                                             else "") for c in prereg.conditions)
    return [("p", f"Table 2. {caption}"), ("table", header, rows),
            ("p", f"Mean accuracy (%) with {fmt(100 * float(settings['confidence_level']), 0)} % "
                  f"bootstrap confidence intervals (scipy.stats.bootstrap, percentile, "
                  f"{settings['n_resamples']} resamples, seed {settings['seed']} + condition "
                  f"index):"),
            ("table", ["condition", "N analysed", "mean accuracy (%)", "95% CI"], ci_rows),
            ("img", "correct_distribution", f"Figure 4. The proportion of correct answers for "
                                            f"{named}.")]


def reproduction(result: AnalysisResult) -> list:
    rep = result.reproduction
    if not len(rep):
        return []
    rows = [[r.analysis, r.row, r.quantity, ("< " if r.bound == "below" else "")
             + fmt(r.published, 4), fmt(float(r.reproduced), 4), fmt(r.tolerance, 4),
             "yes" if r.matches else "NO", r.explanation] for r in rep.itertuples()]
    header = ["analysis", "row", "quantity", "published", "reproduced", "tolerance", "matches",
              "explanation"]
    return [("Reproduction of published numbers", [
        ("p", f"{int(rep['matches'].sum())} of {len(rep)} published numbers reproduced within "
              f"the stated tolerance."), ("table", header, rows)])]


def screening(result: AnalysisResult) -> list:
    s = result.screening
    if not s:
        return []
    blocks = [("p", f"Cohen's kappa (include vs. unsure/exclude) = {fmt(s.get('kappa'))} over "
                    f"{s.get('n_rated', 0)} participants rated by two annotators; "
                    f"{len(s.get('disagreements', []))} disagreement(s); "
                    f"{len(s.get('excluded', []))} settled exclusion(s).")]
    if s.get("kappa_notes"):
        blocks.append(("list", list(s["kappa_notes"])))
    if s.get("unsettled"):
        blocks.append(("list", [f"unsettled: {p}" for p in s["unsettled"]]))
    return [("Manual screening of free-text answers", blocks)]


__all__ = ["build", "fmt_p"]
