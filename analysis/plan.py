"""The registry of planned test kinds a preregistration may name under ``analyses:``.

Each kind is a :class:`TestKind` with the parameters it requires and one method, ``run``, that
takes the prepared data (:class:`analysis.data.StudyData`) and the analysis entry and returns
TestResult rows (plus, for descriptive kinds, named tables).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import bootstrap
from . import tests_between as tb
from . import tests_within as tw
from . import trials as tr
from .results import AnalysisError, TestResult, judge


@dataclass
class Outcome:
    rows: list[TestResult] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    deviations: list[str] = field(default_factory=list)


class TestKind:
    required: tuple[str, ...] = ()
    __test__ = False

    def run(self, data, analysis, done: dict[str, list[TestResult]]) -> Outcome:
        raise NotImplementedError


def where(frame: pd.DataFrame, rules) -> pd.DataFrame:
    from .tidy import _filter_mask

    for rule in rules or []:
        frame = frame[_filter_mask(frame, rule)]
    return frame


def need(frame: pd.DataFrame, columns, analysis) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnalysisError(f"{analysis.id}: the data lack the column(s) {missing} "
                            f"(map them with the preregistration's 'columns:')")
    if frame.empty:
        raise AnalysisError(f"{analysis.id}: no rows left after the filters")
    return frame


def _tag(rows, analysis) -> list[TestResult]:
    return [r.with_(analysis_id=analysis.id, preregistered=analysis.preregistered) for r in rows]


class BetweenConditions(TestKind):
    """Preregistered tree of Two4Two study 2 (Appendix D.2, point 5).

    Shapiro-Wilk per condition; any condition non-normal -> Kruskal-Wallis and the planned
    rank-sum tests; all normal -> Levene; equal variances -> one-way ANOVA and planned
    contrasts with the pooled error term; unequal -> Welch's ANOVA and, because the
    preregistration names no follow-up for that branch, Welch t-tests for the planned
    comparisons. The pairwise tests are corrected with ``correction`` (Bonferroni).
    """

    required = ("comparisons",)

    def run(self, data, analysis, done):
        p = analysis.params
        dv = p.get("dv", "accuracy")
        alpha, n_alpha = p.get("alpha", 0.05), p.get("normality_alpha", 0.05)
        groups = data.groups(dv)
        out = Outcome()
        shapiros = [tb.shapiro(v, label=f"{dv} in {k}", alpha=n_alpha) for k, v in groups.items()]
        normal = all(s.decision == "normal" for s in shapiros)
        branch = "normal" if normal else "not normal"
        out.rows += shapiros
        expected = p.get("expected_branch")
        if expected and expected != branch:
            out.deviations.append(f"{analysis.id}: the preregistration expected the data to be "
                                  f"{expected!r}, Shapiro-Wilk found {branch!r}; the plan's "
                                  f"{branch!r} branch was followed")
        comparisons = p["comparisons"]
        for c in comparisons:
            for key in ("a", "b"):
                if c.get(key) not in groups:
                    raise AnalysisError(f"{analysis.id}: comparison condition {c.get(key)!r} is "
                                        f"not a condition ({list(groups)})")
        correction = p.get("correction", "bonferroni")
        if not normal:
            out.rows.append(TestResult(test="decision", label="normality", decision=(
                "not normal in at least one condition -> Kruskal-Wallis, then rank-sum tests"),
                alpha=n_alpha))
            out.rows.append(judge(tb.kruskal(groups), alpha))
            pair = [tb.mann_whitney(groups[c["a"]], groups[c["b"]], alternative=c.get(
                "alternative", "two-sided"), method=p.get("rank_sum_method", "asymptotic"),
                use_continuity=p.get("continuity", True), label=f"{c.get('id', '')}: "
                f"{c['a']} vs {c['b']}") for c in comparisons]
        else:
            lev = tb.levene(groups, center=p.get("levene_center", "median"),
                            alpha=p.get("levene_alpha", 0.05))
            out.rows.append(TestResult(test="decision", label="normality", alpha=n_alpha,
                                       decision="normal in every condition -> Levene"))
            out.rows.append(lev)
            if lev.decision == "equal variances":
                out.rows.append(judge(tb.anova_oneway(groups), alpha))
                pair = [tb.planned_contrast(groups, c["a"], c["b"], alternative=c.get(
                    "alternative", "two-sided"), label=f"{c.get('id', '')}: {c['a']} vs {c['b']}")
                    for c in comparisons]
            else:
                out.rows.append(judge(tb.welch_anova(groups), alpha))
                pair = [tb.welch_t(groups[c["a"]], groups[c["b"]], alternative=c.get(
                    "alternative", "two-sided"), label=f"{c.get('id', '')}: {c['a']} vs {c['b']}")
                    for c in comparisons]
        out.rows += [judge(r, alpha) for r in tb.adjust(pair, method=correction)]
        out.rows = _tag(out.rows, analysis)
        return out


class McNemar(TestKind):
    required = ("a", "b", "alternative")

    def run(self, data, analysis, done):
        p = analysis.params
        wide = data.selected(p.get("on", "selected_relevant"))
        for key in ("a", "b"):
            if p[key] not in wide.columns:
                raise AnalysisError(f"{analysis.id}: attribute {p[key]!r} is not among "
                                    f"{list(wide.columns)}")
        row = tw.mcnemar_exact(wide[p["a"]], wide[p["b"]], alternative=p["alternative"],
                               label=f"{p['a']} vs {p['b']} ({p.get('on', 'selected_relevant')})")
        if p.get("correction", "none") == "bonferroni":
            m = int(p.get("family_size", 1))
            row = row.with_(p_adjusted=min(1.0, row.p * m),
                            variant={**row.variant, "correction": f"bonferroni x{m}"})
        return Outcome(rows=_tag([judge(row, p.get("alpha", 0.05))], analysis))


class AttributeComparisons(TestKind):
    """Per-attribute comparison of two conditions, corrected together (Holm) with earlier rows."""

    required = ("a", "b")

    def run(self, data, analysis, done):
        p = analysis.params
        attributes = p.get("attributes") or list(data.prereg.attributes)
        scores = data.scores
        rows = []
        for attribute in attributes:
            if attribute not in scores.columns:
                raise AnalysisError(f"{analysis.id}: unknown attribute {attribute!r}")
            a = scores.loc[scores["condition"] == p["a"], attribute]
            b = scores.loc[scores["condition"] == p["b"], attribute]
            label = f"{attribute}: {p['a']} vs {p['b']}"
            if p.get("method", "fisher_exact") == "fisher_exact":
                rows.append(tb.fisher_exact(a, b, alternative=p.get("alternative", "two-sided"),
                                            label=label))
            else:
                rows.append(tb.mann_whitney(a, b, alternative=p.get("alternative", "two-sided"),
                                            label=label))
        rows = _tag(rows, analysis)
        family = list(rows)
        for ref in p.get("family_includes", []):
            if ref not in done:
                raise AnalysisError(f"{analysis.id}: family_includes names {ref!r}, which is not "
                                    f"an earlier analysis")
            family += [r for r in done[ref] if r.test != "decision" and r.test != "Shapiro-Wilk"
                       and r.test != "Levene"]
        adjusted = tb.adjust(family, method=p.get("correction", "holm"))
        alpha = p.get("alpha", 0.05)
        return Outcome(rows=[judge(r, alpha) for r in adjusted[:len(rows)]])


class Describe(TestKind):
    required = ("dv", "by")

    def run(self, data, analysis, done):
        p = analysis.params
        trials = where(data.trials_for(p), p.get("where"))
        means = tr.subject_means(trials, dv=p["dv"], by=list(p["by"]))
        table = tr.mean_2sem(means, by=list(p["by"]))
        settings = data.prereg.bootstrap
        cis = [bootstrap.mean_ci(group["mean"], n_resamples=int(settings["n_resamples"]),
                                 seed=int(settings["seed"]),
                                 confidence_level=float(settings["confidence_level"]))
               for _, group in means.groupby(list(p["by"]), observed=True)]
        table["boot_ci_low"] = [c[0] for c in cis]
        table["boot_ci_high"] = [c[1] for c in cis]
        return Outcome(tables={analysis.id: table})


class Wilcoxon(TestKind):
    required = ("dv", "factor", "a", "b", "alternative", "method", "continuity", "zero_method")

    def run(self, data, analysis, done):
        p = analysis.params
        trials = where(data.trials_for(p), p.get("where"))
        means = tr.subject_means(trials, dv=p["dv"], by=[p["factor"]])
        x, y, _ = tr.paired(means, factor=p["factor"], a=str(p["a"]), b=str(p["b"]))
        row = tw.wilcoxon_signed_rank(x, y, alternative=p["alternative"], method=p["method"],
                                      correction=bool(p["continuity"]),
                                      zero_method=p["zero_method"],
                                      label=p.get("label", f"{p['a']} vs {p['b']}"))
        return Outcome(rows=_tag([judge(row, p.get("alpha", 0.05))], analysis))


class RMAnova(TestKind):
    required = ("dv", "within")

    def run(self, data, analysis, done):
        p = analysis.params
        trials = need(where(data.trials_for(p), p.get("where")), [p["dv"], *p["within"]],
                      analysis)
        rows = tw.rm_anova(trials.assign(**{p["dv"]: pd.to_numeric(trials[p["dv"]])}),
                           dv=p["dv"], subject="participant", within=list(p["within"]),
                           label=p.get("label", analysis.id))
        return Outcome(rows=_tag([judge(r, p.get("alpha", 0.05)) for r in rows], analysis))


class MixedAnova(TestKind):
    required = ("dv", "within", "between")

    def run(self, data, analysis, done):
        p = analysis.params
        trials = need(where(data.trials_for(p), p.get("where")),
                      [p["dv"], p["within"], p["between"]], analysis)
        rows = tw.mixed_anova(trials.assign(**{p["dv"]: pd.to_numeric(trials[p["dv"]])}),
                              dv=p["dv"], subject="participant", within=p["within"],
                              between=p["between"], label=p.get("label", analysis.id),
                              ss_type=int(p.get("ss_type", 2)))
        return Outcome(rows=_tag([judge(r, p.get("alpha", 0.05)) for r in rows], analysis))


class ChiSquare(TestKind):
    required = ("rows", "columns")

    def run(self, data, analysis, done):
        p = analysis.params
        trials = need(where(data.trials_for(p), p.get("where")), [p["rows"], p["columns"]],
                      analysis)
        row = tw.chi_square(trials, rows=p["rows"], columns=p["columns"],
                            correction=bool(p.get("correction_yates", False)),
                            label=p.get("label", f"{p['rows']} x {p['columns']}"))
        return Outcome(rows=_tag([judge(row, p.get("alpha", 0.05))], analysis))


class CatchSummary(TestKind):
    """Missed catch trials (the data-quality check of Borowski et al., A.2.8)."""

    required = ("where",)

    def run(self, data, analysis, done):
        catch = where(data.trials_for({"data": "unfiltered"}), analysis.params["where"])
        if catch.empty:
            raise AnalysisError(f"{analysis.id}: no catch trials in the data")
        correct = pd.to_numeric(catch["correct"])
        missed = catch.assign(missed=1 - correct).groupby("participant")["missed"].sum()
        table = missed.value_counts().sort_index().rename_axis("missed").reset_index(
            name="participants")
        row = TestResult(test="catch trials missed", statistic=float(missed.sum()),
                         statistic_name="missed", n=int(len(catch)), label="all participants",
                         note=f"{int((missed > 0).sum())} of {len(missed)} participants missed "
                              f"at least one")
        return Outcome(rows=_tag([row], analysis), tables={analysis.id: table})


class ByAnswer(TestKind):
    """Descriptive: the dependent variable per condition and answer to another item (D.2 8)."""

    required = ("item", "levels")

    def run(self, data, analysis, done):
        from .descriptives import by_answer

        if data.scores is None:
            raise AnalysisError(f"{analysis.id}: by_answer needs relevance scores")
        table, deviations = by_answer(data, analysis)
        return Outcome(tables={analysis.id: table}, deviations=deviations)


TESTS: dict[str, TestKind] = {
    "between_conditions": BetweenConditions(),
    "mcnemar": McNemar(),
    "attribute_comparisons": AttributeComparisons(),
    "describe": Describe(),
    "wilcoxon": Wilcoxon(),
    "rm_anova": RMAnova(),
    "mixed_anova": MixedAnova(),
    "chi_square": ChiSquare(),
    "catch_summary": CatchSummary(),
    "by_answer": ByAnswer(),
}
