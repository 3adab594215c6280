"""The registry of planned test kinds a preregistration may name under ``analyses:``.

Each kind is a :class:`StatisticalTest` with the parameters it requires and one method, ``run``, that
takes the prepared data (:class:`analysis.study_data.StudyData`) and the analysis entry and returns
ResultRow rows (plus, for descriptive kinds, named tables).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import between_subjects as tb
from . import bootstrap
from . import params as P
from . import trial_designs as tr
from . import within_subjects as tw
from .results import AnalysisError, ResultRow, judge

CORRECTIONS = ("none", "bonferroni", "holm")
DESCRIPTIVE = ("describe", "by_answer", "dot_plot", "difference_plot")
"""Kinds that only describe (tables and figures; nothing to be significant)."""


@dataclass
class Outcome:
    rows: list[ResultRow] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    deviations: list[str] = field(default_factory=list)


COMMON = {
    "alpha": P.probability(0.05, doc="significance level of the test's decision"),
}
TRIAL_DATA = {
    "where": P.filters(),
    "data": P.choice("filtered", "unfiltered", default="filtered",
                     doc="'unfiltered': ignore the preregistration's trial_filters"),
    "label": P.text(default="", doc="row label in the report"),
}


class StatisticalTest:
    """A kind of planned test. ``params`` is the one place that says which options it takes,
    what values they may have and (for options that may be left out) the stated default."""

    params: dict[str, P.Param] = {}

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(k for k, p in self.params.items() if p.required)

    def run(self, data, analysis, done: dict[str, list[ResultRow]]) -> Outcome:
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


def in_order(frame: pd.DataFrame, by: str, order, analysis) -> pd.DataFrame:
    """The rows whose ``by`` is one of ``order`` (all rows when ``order`` is empty); every level
    ``order`` names must be in the data."""
    levels = set(frame[by])
    missing = [level for level in order if level not in levels]
    if missing:
        raise AnalysisError(f"{analysis.id}: order names {missing}, which are not levels of "
                            f"{by!r} in the data ({sorted(levels)})")
    return frame[frame[by].isin(list(order))] if order else frame


def _tag(rows, analysis) -> list[ResultRow]:
    return [r.with_(analysis_id=analysis.id, preregistered=analysis.preregistered) for r in rows]


COMPARISON = {"id": P.text(default=""), "a": P.text(ref="condition"),
              "b": P.text(ref="condition"),
              "alternative": P.alternative()}


class BetweenConditions(StatisticalTest):
    """Preregistered tree of Two4Two study 2 (Appendix D.2, point 5).

    Shapiro-Wilk per condition; any condition non-normal -> Kruskal-Wallis and the planned
    rank-sum tests; all normal -> Levene; equal variances -> one-way ANOVA and planned
    contrasts with the pooled error term; unequal -> Welch's ANOVA and, because the
    preregistration names no follow-up for that branch, Welch t-tests for the planned
    comparisons. The pairwise tests are corrected with ``correction``.
    """

    params = {
        **COMMON,
        "comparisons": P.entries(COMPARISON, doc="the planned pairwise comparisons"),
        "dv": P.choice("accuracy", "n_correct", default="accuracy"),
        "normality_alpha": P.probability(0.05, doc="Shapiro-Wilk level per condition"),
        "levene_alpha": P.probability(0.05),
        "levene_center": P.choice("median", "mean", "trimmed", default="median",
                                  doc="Levene's centre; median = Brown-Forsythe (scipy's "
                                      "default)"),
        "expected_branch": P.choice("normal", "not normal", default=None),
        "correction": P.choice(*CORRECTIONS, default="bonferroni",
                               doc="over the planned pairwise comparisons"),
        "rank_sum_method": P.choice("asymptotic", "exact", "auto", default="asymptotic",
                                    doc="scipy.stats.mannwhitneyu method"),
        "continuity": P.flag(True, doc="continuity correction of the rank-sum normal "
                                       "approximation"),
    }

    def run(self, data, analysis, done):
        v = analysis.value
        dv, alpha, n_alpha = v("dv"), v("alpha"), v("normality_alpha")
        groups = data.groups(dv)
        out = Outcome()
        shapiros = [tb.shapiro(x, label=f"{dv} in {k}", alpha=n_alpha) for k, x in groups.items()]
        normal = all(s.decision == "normal" for s in shapiros)
        branch = "normal" if normal else "not normal"
        out.rows += shapiros
        expected = v("expected_branch")
        if expected and expected != branch:
            out.deviations.append(f"{analysis.id}: the preregistration expected the data to be "
                                  f"{expected!r}, Shapiro-Wilk found {branch!r}; the plan's "
                                  f"{branch!r} branch was followed")
        comparisons = v("comparisons")
        for c in comparisons:
            for key in ("a", "b"):
                if c[key] not in groups:
                    raise AnalysisError(f"{analysis.id}: comparison condition {c[key]!r} is "
                                        f"not a condition ({list(groups)})")

        def label(c):
            return f"{c['id']}: {c['a']} vs {c['b']}" if c["id"] else f"{c['a']} vs {c['b']}"

        if not normal:
            out.rows.append(ResultRow(test="decision", label="normality", decision=(
                "not normal in at least one condition -> Kruskal-Wallis, then rank-sum tests"),
                alpha=n_alpha))
            out.rows.append(judge(tb.kruskal(groups), alpha))
            pair = [tb.mann_whitney(groups[c["a"]], groups[c["b"]], alternative=c["alternative"],
                                    method=v("rank_sum_method"), use_continuity=v("continuity"),
                                    label=label(c)) for c in comparisons]
        else:
            lev = tb.levene(groups, center=v("levene_center"), alpha=v("levene_alpha"))
            out.rows.append(ResultRow(test="decision", label="normality", alpha=n_alpha,
                                       decision="normal in every condition -> Levene"))
            out.rows.append(lev)
            if lev.decision == "equal variances":
                out.rows.append(judge(tb.anova_oneway(groups), alpha))
                pair = [tb.planned_contrast(groups, c["a"], c["b"], alternative=c["alternative"],
                                            label=label(c)) for c in comparisons]
            else:
                out.rows.append(judge(tb.welch_anova(groups), alpha))
                pair = [tb.welch_t(groups[c["a"]], groups[c["b"]], alternative=c["alternative"],
                                   label=label(c)) for c in comparisons]
        out.rows += [judge(r, alpha) for r in tb.adjust(pair, method=v("correction"))]
        out.rows = _tag(out.rows, analysis)
        return out


class McNemar(StatisticalTest):
    params = {
        **COMMON,
        "a": P.text(ref="attribute"), "b": P.text(ref="attribute"),
        "alternative": P.alternative(),
        "outcome": P.choice("selected_relevant", "correct", default="selected_relevant",
                            doc="the paired 0/1 outcome per attribute"),
        "correction": P.choice("none", "bonferroni", default="none"),
        "family_size": P.integer(1, doc="number of tests in the Bonferroni family"),
    }

    def run(self, data, analysis, done):
        v = analysis.value
        wide = data.selected(v("outcome"))
        for key in ("a", "b"):
            if v(key) not in wide.columns:
                raise AnalysisError(f"{analysis.id}: attribute {v(key)!r} is not among "
                                    f"{list(wide.columns)}")
        row = tw.mcnemar_exact(wide[v("a")], wide[v("b")], alternative=v("alternative"),
                               label=f"{v('a')} vs {v('b')} ({v('outcome')})")
        if v("correction") == "bonferroni":
            m = v("family_size")
            row = row.with_(p_adjusted=min(1.0, row.p * m),
                            method_options={**row.method_options, "correction": f"bonferroni x{m}"})
        return Outcome(rows=_tag([judge(row, v("alpha"))], analysis))


class AttributeComparisons(StatisticalTest):
    """Per-attribute comparison of two conditions, corrected together (Holm) with earlier rows."""

    params = {
        **COMMON,
        "a": P.text(ref="condition"), "b": P.text(ref="condition"),
        "attributes": P.names(default=None, doc="all of the preregistration's attributes",
                              ref="attribute"),
        "method": P.choice("fisher_exact", "rank_sum", default="fisher_exact"),
        "alternative": P.alternative(default="two-sided"),
        "correction": P.choice(*CORRECTIONS, default="holm"),
        "family_includes": P.names(default=(), doc="earlier analyses in the same family",
                                   ref="analysis"),
    }

    def run(self, data, analysis, done):
        v = analysis.value
        attributes = v("attributes") or list(data.prereg.attributes)
        scores = data.scores
        rows = []
        for attribute in attributes:
            if attribute not in scores.columns:
                raise AnalysisError(f"{analysis.id}: unknown attribute {attribute!r}")
            a = scores.loc[scores["condition"] == v("a"), attribute]
            b = scores.loc[scores["condition"] == v("b"), attribute]
            label = f"{attribute}: {v('a')} vs {v('b')}"
            if v("method") == "fisher_exact":
                rows.append(tb.fisher_exact(a, b, alternative=v("alternative"), label=label))
            else:
                rows.append(tb.mann_whitney(a, b, alternative=v("alternative"), label=label))
        rows = _tag(rows, analysis)
        family = list(rows)
        for ref in v("family_includes"):
            if ref not in done:
                raise AnalysisError(f"{analysis.id}: family_includes names {ref!r}, which is not "
                                    f"an earlier analysis")
            family += [r for r in done[ref] if r.test != "decision" and r.test != "Shapiro-Wilk"
                       and r.test != "Levene"]
        adjusted = tb.adjust(family, method=v("correction"))
        return Outcome(rows=[judge(r, v("alpha")) for r in adjusted[:len(rows)]])


class Describe(StatisticalTest):
    params = {"dv": P.text(), "by": P.names(), **TRIAL_DATA}

    def run(self, data, analysis, done):
        v = analysis.value
        trials = where(data.trials_for(v("data")), v("where"))
        means = tr.subject_means(trials, dv=v("dv"), by=list(v("by")))
        table = tr.mean_2sem(means, by=list(v("by")))
        settings = data.prereg.bootstrap
        cis = [bootstrap.mean_ci(group["mean"], n_resamples=int(settings["n_resamples"]),
                                 seed=int(settings["seed"]),
                                 confidence_level=float(settings["confidence_level"]))
               for _, group in means.groupby(list(v("by")), observed=True)]
        table["boot_ci_low"] = [c[0] for c in cis]
        table["boot_ci_high"] = [c[1] for c in cis]
        return Outcome(tables={analysis.id: table})


class DotPlot(StatisticalTest):
    """Borowski et al. 2021, Fig. 3A: each participant's mean of ``dv`` per level of ``by`` (one
    dot each, joined across levels: the design is within-subject) and the mean over participants
    ± 2 SEM per level; ``group`` (a column, e.g. ``participant_group`` or ``reference``) splits
    the data into panels. Tables: ``<id>`` (mean ± 2 SEM per cell, as ``describe``) and
    ``<id>_participants`` (the dots); the report draws the figure from them."""

    params = {"dv": P.text(), "by": P.text(doc="the column on the x axis, e.g. step"),
              "order": P.names(default=(), doc="the levels of 'by' left to right (default: "
                                               "sorted); every one must be in the data"),
              "group": P.text(default="", doc="a column: one panel per value (e.g. "
                                               "participant_group, reference)"),
              "chance": P.number(default=None, doc="a dashed line at this value"),
              "ylabel": P.text(default="", doc="the y axis' label (default: 'dv' and the "
                                               "statistic)"),
              **TRIAL_DATA}

    def run(self, data, analysis, done):
        v = analysis.value
        trials = where(data.trials_for(v("data")), v("where"))
        cells = [v("by"), *([v("group")] if v("group") else [])]
        need(trials, [v("dv"), *cells], analysis)
        trials = trials.assign(**{c: trials[c].astype(str) for c in cells})
        trials = in_order(trials, v("by"), v("order"), analysis)
        means = tr.subject_means(trials, dv=v("dv"), by=cells)
        return Outcome(tables={analysis.id: tr.mean_2sem(means, by=cells),
                               f"{analysis.id}_participants": means})


class DifferencePlot(StatisticalTest):
    """Borowski et al. 2021, Fig. 6C: each participant's difference ``a`` - ``b`` of their means
    of ``dv`` at two levels of ``factor`` (e.g. intuitiveness after - before), per level of
    ``by`` (e.g. unit; one dot per participant) and the mean difference over participants
    ± 2 SEM; ``group`` splits the data into panels. A participant without both levels in a cell
    has no difference there: the cells left out are counted in the report's deviations. Tables:
    ``<id>`` (mean ± 2 SEM of the differences per cell) and ``<id>_participants`` (the dots,
    with the two means)."""

    params = {"dv": P.text(), "factor": P.text(doc="the column whose two levels are subtracted"),
              "a": P.scalar(doc="the level subtracted from (e.g. after)"),
              "b": P.scalar(doc="the level subtracted (e.g. before)"),
              "by": P.text(doc="the column on the x axis, e.g. unit"),
              "order": P.names(default=(), doc="the levels of 'by' left to right (default: "
                                               "sorted); every one must be in the data"),
              "group": P.text(default="", doc="a column: one panel per value"),
              "ylabel": P.text(default="", doc="the y axis' label (default: 'dv a - b')"),
              **TRIAL_DATA}

    def run(self, data, analysis, done):
        v = analysis.value
        trials = where(data.trials_for(v("data")), v("where"))
        cells = [v("by"), *([v("group")] if v("group") else [])]
        need(trials, [v("dv"), v("factor"), *cells], analysis)
        trials = trials.assign(**{c: trials[c].astype(str) for c in [*cells, v("factor")]})
        a, b, levels = str(v("a")), str(v("b")), set(trials[v("factor")])
        for key, level in (("a", a), ("b", b)):
            if level not in levels:
                raise AnalysisError(f"{analysis.id}: {key} {level!r} is not a level of "
                                    f"{v('factor')!r} in the data ({sorted(levels)})")
        trials = in_order(trials, v("by"), v("order"), analysis)
        means = tr.subject_means(trials, dv=v("dv"), by=[*cells, v("factor")])
        index = ["participant", *cells]
        wide = means.pivot_table(index=index, columns=v("factor"), values="mean")
        counts = means.pivot_table(index=index, columns=v("factor"), values="trials",
                                   aggfunc="sum")
        both = wide[[a, b]].dropna()
        if both.empty:
            raise AnalysisError(f"{analysis.id}: no participant has both {a!r} and {b!r}")
        dots = pd.DataFrame({a: both[a], b: both[b], "mean": both[a] - both[b],
                             "trials": counts.loc[both.index, [a, b]].sum(axis=1).astype(int)})
        dots = dots.reset_index()
        deviations = []
        if len(wide) > len(both):
            deviations.append(f"{analysis.id}: {len(wide) - len(both)} participant cell(s) "
                              f"without both {a!r} and {b!r} have no difference")
        return Outcome(tables={analysis.id: tr.mean_2sem(dots, by=cells),
                               f"{analysis.id}_participants": dots}, deviations=deviations)


class Wilcoxon(StatisticalTest):
    params = {
        **COMMON, **TRIAL_DATA,
        "dv": P.text(), "factor": P.text(), "a": P.scalar(), "b": P.scalar(),
        "alternative": P.alternative(),
        "method": P.choice("exact", "asymptotic", "auto", "R",
                           doc="scipy.stats.wilcoxon method, or 'R': as R's wilcox.test "
                               "defaults (and JASP): exact for < 50 non-zero differences "
                               "without ties or zeros, else normal approximation"),
        "continuity": P.flag(doc="continuity correction of the normal approximation"),
        "zero_method": P.choice("wilcox", "pratt", "zsplit"),
    }

    def run(self, data, analysis, done):
        v = analysis.value
        trials = where(data.trials_for(v("data")), v("where"))
        means = tr.subject_means(trials, dv=v("dv"), by=[v("factor")])
        x, y, _ = tr.paired(means, factor=v("factor"), a=str(v("a")), b=str(v("b")))
        row = tw.wilcoxon_signed_rank(x, y, alternative=v("alternative"), method=v("method"),
                                      correction=v("continuity"), zero_method=v("zero_method"),
                                      label=v("label") or f"{v('a')} vs {v('b')}")
        return Outcome(rows=_tag([judge(row, v("alpha"))], analysis))


class RMAnova(StatisticalTest):
    params = {**COMMON, **TRIAL_DATA, "dv": P.text(), "within": P.names()}

    def run(self, data, analysis, done):
        v = analysis.value
        trials = need(where(data.trials_for(v("data")), v("where")), [v("dv"), *v("within")],
                      analysis)
        rows = tw.rm_anova(trials.assign(**{v("dv"): pd.to_numeric(trials[v("dv")])}),
                           dv=v("dv"), subject="participant", within=list(v("within")),
                           label=v("label") or analysis.id)
        return Outcome(rows=_tag([judge(r, v("alpha")) for r in rows], analysis))


class MixedAnova(StatisticalTest):
    params = {**COMMON, **TRIAL_DATA, "dv": P.text(), "within": P.text(), "between": P.text(),
              "ss_type": P.choice(2, 3, default=2, doc="2: pingouin; 3: type III (JASP, afex)")}

    def run(self, data, analysis, done):
        v = analysis.value
        trials = need(where(data.trials_for(v("data")), v("where")),
                      [v("dv"), v("within"), v("between")], analysis)
        rows = tw.mixed_anova(trials.assign(**{v("dv"): pd.to_numeric(trials[v("dv")])}),
                              dv=v("dv"), subject="participant", within=v("within"),
                              between=v("between"), label=v("label") or analysis.id,
                              ss_type=v("ss_type"))
        return Outcome(rows=_tag([judge(r, v("alpha")) for r in rows], analysis))


class ChiSquare(StatisticalTest):
    params = {**COMMON, **TRIAL_DATA, "rows": P.text(), "columns": P.text(),
              "correction_yates": P.flag(False, doc="Yates' continuity correction (2 x 2)")}

    def run(self, data, analysis, done):
        v = analysis.value
        trials = need(where(data.trials_for(v("data")), v("where")), [v("rows"), v("columns")],
                      analysis)
        row = tw.chi_square(trials, rows=v("rows"), columns=v("columns"),
                            correction=v("correction_yates"),
                            label=v("label") or f"{v('rows')} x {v('columns')}")
        return Outcome(rows=_tag([judge(row, v("alpha"))], analysis))


class CatchSummary(StatisticalTest):
    """Missed catch trials (the data-quality check of Borowski et al., A.2.8)."""

    params = {"where": P.filters(default=P.REQUIRED)}

    def run(self, data, analysis, done):
        catch = where(data.trials_for("unfiltered"), analysis.value("where"))
        if catch.empty:
            raise AnalysisError(f"{analysis.id}: no catch trials in the data")
        correct = pd.to_numeric(catch["correct"])
        missed = catch.assign(missed=1 - correct).groupby("participant")["missed"].sum()
        table = missed.value_counts().sort_index().rename_axis("missed").reset_index(
            name="participants")
        row = ResultRow(test="catch trials missed", statistic=float(missed.sum()),
                         statistic_name="missed", n=int(len(catch)), label="all participants",
                         note=f"{int((missed > 0).sum())} of {len(missed)} participants missed "
                              f"at least one")
        return Outcome(rows=_tag([row], analysis), tables={analysis.id: table})


class ByAnswer(StatisticalTest):
    """Descriptive: the dependent variable per condition and answer to another item (D.2 8)."""

    params = {"item": P.text(doc="the item whose answers split the participants"),
              "levels": P.names(doc="its answer options, in order"),
              "dv": P.choice("accuracy", "n_correct", default="accuracy")}

    def run(self, data, analysis, done):
        from .descriptives import by_answer

        if data.scores is None:
            raise AnalysisError(f"{analysis.id}: by_answer needs relevance scores")
        table, deviations = by_answer(data, analysis)
        return Outcome(tables={analysis.id: table}, deviations=deviations)


TESTS: dict[str, StatisticalTest] = {
    "between_conditions": BetweenConditions(),
    "mcnemar": McNemar(),
    "attribute_comparisons": AttributeComparisons(),
    "describe": Describe(),
    "dot_plot": DotPlot(),
    "difference_plot": DifferencePlot(),
    "wilcoxon": Wilcoxon(),
    "rm_anova": RMAnova(),
    "mixed_anova": MixedAnova(),
    "chi_square": ChiSquare(),
    "catch_summary": CatchSummary(),
    "by_answer": ByAnswer(),
}
