"""The report as an appendix prints it: Table 2's layout with marks, Figure 4's labels, one row
per preregistered test in words, planned vs achieved N, D.2 point 8 by expertise, deviations."""

import math
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import between_subjects, prereg, simulate, within_subjects
from analysis.pipeline import analyze
from analysis.report import write_report
from analysis.report.figures import correct_distribution_figure
from analysis.report.sections import build
from analysis.report.table2 import stars, table2
from analysis.results import AnalysisError, ResultRow
from studies.spec import load_spec_file

STUDY2 = Path(__file__).resolve().parent.parent / "analysis/examples/two4two/study2.yaml"
ACCURACY = ["baseline=0.8", "inn=0.85", "concepts=0.32", "inn:legs=1.0", "baseline:legs=0.75"]
LEVELS = ["complete novice", "some expertise", "expert"]


@pytest.fixture(scope="module")
def study2():
    return prereg.load(STUDY2)


def with_expertise(raw: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Add the expertise answer the live flow stores (item_type/item 'expertise')."""
    first = raw.groupby("participant", sort=False).first().reset_index()
    rng = np.random.default_rng(seed)
    rows = first.assign(item_type="expertise", item="expertise", step="expertise",
                        response=rng.choice(LEVELS, size=len(first), p=[0.5, 0.4, 0.1]),
                        correct="", answer_key="", justification="")
    return pd.concat([raw, rows], ignore_index=True)


@pytest.fixture(scope="module")
def raw(study2):
    acc = simulate.parse_accuracies(ACCURACY, study2)
    spec = load_spec_file(STUDY2.parent.parent.parent.parent / "studies" / "specs" /
                          "two4two-study2.yaml")
    return with_expertise(simulate.simulate(study2, spec=spec, n_per_condition=40, accuracy=acc,
                                            seed=4))


@pytest.fixture(scope="module")
def result(raw, study2):
    return analyze(raw, study2)


def markdown(result, tmp_path) -> str:
    return write_report(result, tmp_path)["md"].read_text()


def test_table2_has_the_papers_layout_names_order_and_marks(result):
    header, rows, caption = table2(result)
    assert header == ["Condition", "N collected", "N analysed", "Overall", "Legs", "Color",
                      "Backgr.", "Shape", "Posture"]
    assert [r[0] for r in rows] == ["Study 2", "Baseline", "INN", "Concepts"]
    flow = result.flow
    manual = "excluded after manual screening of free-text answers"
    # N collected as in the paper: sessions that passed the automatic rules (240 in study 2)
    assert [r[1] for r in rows] == [str(flow.loc[g, "analysed"] + flow.loc[g, manual]) for g in
                                    ("total", "baseline", "inn", "concepts")]
    assert [r[2] for r in rows] == [str(flow.loc[g, "analysed"]) for g in
                                    ("total", "baseline", "inn", "concepts")]
    scores = result.data.scores
    inn = scores[scores["condition"] == "inn"]
    legs = next(t for t in result.tests if t.label == "legs: inn vs baseline")
    concepts_h1 = next(t for t in result.tests if t.label == "H1: concepts vs baseline")
    # INN's legs cell: the Holm-adjusted Fisher p decides the stars; the number is unchanged
    assert rows[2][4] == f"{stars(legs)}{100 * inn['legs'].mean():.1f}"
    assert rows[3][3].startswith(stars(concepts_h1)) and stars(concepts_h1) == "***"
    assert rows[1][3] == f"{100 * scores[scores['condition'] == 'baseline']['accuracy'].mean():.1f}"
    assert "Holm over 8 tests" in caption and "Bonferroni over 2 tests" in caption
    assert "exploratory per-attribute tests INN vs. Baseline" in caption


def test_table2_counts_the_manually_screened_as_collected(result, raw, study2):
    first = result.data.scores.index[0]
    condition = result.data.scores.loc[first, "condition"]
    screened = analyze(raw, study2, manual_exclusions=[first],
                       screening={"kappa": 1.0, "n_rated": 1, "excluded": [first]})
    rows = {r[0]: r for r in table2(screened)[1]}
    name = study2.labels.condition(condition)
    assert int(rows[name][1]) == int(rows[name][2]) + 1
    assert int(rows[name][1]) == len(result.data.scores[result.data.scores["condition"]
                                                          == condition])
    assert int(rows["Study 2"][1]) < int(screened.flow.loc["total", "collected"])


def test_stars_follow_the_adjusted_p():
    row = ResultRow(test="t", p=0.0001, p_adjusted=0.02, significant=True)
    assert stars(row) == "*"
    assert stars(row.with_(p_adjusted=0.004)) == "**"
    assert stars(row.with_(p_adjusted=0.0009)) == "***"
    assert stars(row.with_(p_adjusted=0.2, significant=False)) == ""
    assert stars(ResultRow(test="t", p=0.03, significant=True)) == "*"


def test_figure4_uses_the_papers_labels(result, study2):
    labels = {c: study2.labels.condition_short(c) for c in study2.conditions}
    fig = correct_distribution_figure(result.tables["correct_distribution"], labels=labels)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["BASE", "INN", "CON"]
    assert ax.get_xlabel() == "#Correct" and ax.get_ylabel() == "Proportion"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3", "4", "5"]
    heights = [p.get_height() for p in ax.patches]
    expected = result.tables["correct_distribution"].T.to_numpy().ravel()
    assert heights == pytest.approx(list(expected))
    plt.close(fig)


def test_each_table_once_no_table_picture(result, tmp_path):
    paths = write_report(result, tmp_path)
    assert not (tmp_path / "accuracy_table.png").exists()
    html = paths["html"].read_text()
    assert html.count("data:image/png;base64,") == 2  # participant flow and Figure 4
    assert html.count("<th>N collected</th>") == 1
    md = paths["md"].read_text()
    assert md.count("| Condition | N collected | N analysed | Overall |") == 1
    assert "Figure 4. The proportion of correct answers for Baseline (BASE), INN, Concepts (CON)" \
        in md


def test_one_row_per_preregistered_test_in_words(result, tmp_path):
    sections = dict(build(result, {}))
    table = next(b for b in sections["Preregistered tests"] if b[0] == "table")
    header, rows = table[1], table[2]
    assert header == ["analysis", "test", "compared", "statistic", "df", "Z", "p", "p adjusted",
                      "effect size [CI, 95% unless the how says otherwise]", "decision", "how"]
    planned = [t for t in result.tests if t.preregistered and t.test != "decision"]
    assert len(rows) == len(planned)
    h2 = next(r for r in rows if r[2] == "H2: inn vs baseline")
    row = next(t for t in result.tests if t.label == "H2: inn vs baseline")
    inn, base = (result.data.groups("accuracy")[c] for c in ("inn", "baseline"))
    _, z = between_subjects.rank_sum_z(inn, base)
    assert h2[5] == f"{z:.3f}" and h2[3] == f"U = {row.statistic:.3f}"
    assert h2[7].endswith("(Bonferroni over 2 tests)")
    assert h2[8].startswith("r = Z/sqrt(N) (sign of a - b) = ") and h2[8].count("[") == 1
    assert "one-sided (greater)" in h2[10] and "continuity correction" in h2[10]
    assert h2[9].startswith("significant" if row.significant else "not significant")
    md = markdown(result, tmp_path)
    for raw_option in ("alternative=", "continuity=", "=True", "tie_correction",
                       "bonferroni over", "(minutes=", "max_failures="):
        assert raw_option not in md
    assert "branch taken, main: normality: not normal" in md or "-> Levene" in md
    exploratory = next(b for b in sections["Exploratory tests (not preregistered)"]
                       if b[0] == "table")
    assert {r[0] for r in exploratory[2]} == {"attributes_inn_vs_baseline"}


def test_effect_size_intervals():
    a, b = np.array([1, 1, 0.8, 0.6, 1, 0.8, 1, 0.4]), np.array([0.2, 0.4, 0.6, 0.4, 0, 0.8])
    row = between_subjects.mann_whitney(a, b, alternative="greater", label="x")
    half = stats.norm.ppf(0.975) / math.sqrt(a.size + b.size - 3)
    r = row.effect_size
    assert (row.ci_low, row.ci_high) == pytest.approx(
        (math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half)))
    assert row.z == pytest.approx(between_subjects.rank_sum_z(a, b)[1])
    fisher = between_subjects.fisher_exact([1, 1, 1, 0, 1], [0, 0, 1, 0, 0, 1], alternative="two-sided",
                                        label="x")
    ci = stats.contingency.odds_ratio([[4, 1], [2, 4]]).confidence_interval()
    assert (fisher.ci_low, fisher.ci_high) == pytest.approx((ci.low, ci.high))
    mcnemar = within_subjects.mcnemar_exact([1] * 9 + [0] * 3 + [1] * 4, [0] * 9 + [1] * 3 + [1] * 4,
                                         alternative="greater", label="x")
    share = stats.binomtest(9, 12).proportion_ci(method="exact")
    assert mcnemar.ci_low == pytest.approx(share.low / (1 - share.low))
    assert mcnemar.ci_high == pytest.approx(share.high / (1 - share.high))


def test_planned_against_achieved_sample_size(result):
    sections = dict(build(result, {}))
    table = next(b for b in sections["Sample size: planned and achieved"] if b[0] == "table")
    assert table[1] == ["group", "planned", "collected", "passed the automatic rules", "analysed"]
    rows = {r[0]: r for r in table[2]}
    flow = result.flow
    assert rows["Baseline"][1:] == ["80", str(flow.loc["baseline", "collected"]),
                                    str(flow.loc["baseline", "analysed"]),
                                    str(flow.loc["baseline", "analysed"])]
    assert rows["Study 2"][1] == "240"


def test_expertise_by_condition_as_preregistered(result, raw):
    table = result.tables["expertise"]
    scores = result.data.scores
    answers = raw[raw["item"] == "expertise"].set_index("participant")["response"]
    joined = scores.join(answers.rename("level"))
    for condition in ("baseline", "inn", "concepts"):
        for level in LEVELS:
            cell = table[(table["condition"] == condition) & (table["expertise"] == level)]
            group = joined[(joined["condition"] == condition) & (joined["level"] == level)]
            assert int(cell["n"].iloc[0]) == len(group)
            assert cell["share_percent"].iloc[0] == pytest.approx(
                100 * len(group) / (scores["condition"] == condition).sum())
            if len(group):
                assert cell["accuracy_percent"].iloc[0] == pytest.approx(
                    100 * group["accuracy"].mean())
    assert set(table["condition"]) == {"baseline", "inn", "concepts", "all"}
    sections = dict(build(result, {}))
    block = next(b for b in sections["Descriptive (preregistered): expertise"] if b[0] == "table")
    assert block[1] == ["condition", *LEVELS]


def test_expertise_answers_outside_the_levels_or_missing(raw, study2):
    bad = raw.copy()
    index = bad.index[bad["item"] == "expertise"][3]
    bad.loc[index, "response"] = "Expert!"
    # the row as a person counts it in the CSV file: the header is row 1
    with pytest.raises(AnalysisError, match=rf"expertise: row {index + 2}, column 'response': "
                                            r"'Expert!'"):
        analyze(bad, study2)
    kept = analyze(raw, study2).data.scores.index
    first = kept[0]
    missing = raw[~((raw["item"] == "expertise") & (raw["participant"] == first))]
    result = analyze(missing, study2)
    table = result.tables["expertise"]
    assert table[(table["expertise"] == "(no answer)") & (table["condition"] == "all")][
        "n"].iloc[0] == 1
    assert any("1 of" in d and "no answer to 'expertise'" in d for d in result.deviations)


def test_deviations_say_what_was_not_done(raw, study2, tmp_path):
    md = markdown(analyze(raw, study2), tmp_path / "a")
    section = md.split("## Deviations from the preregistration")[1].split("\n## ")[0]
    assert "manual screening of the free-text answers was not done" in section
    assert "None" not in section
    first = raw["participant"].iloc[0]
    screening = {"kappa": 1.0, "n_rated": 1, "disagreements": [], "excluded": [first]}
    done = markdown(analyze(raw, study2, manual_exclusions=[first], screening=screening),
                    tmp_path / "b")
    assert "manual screening of the free-text answers was not done" not in done
    # the database's summary when nobody annotated (analysis_report): still not done
    nobody = {"annotators": [], "kappas": {}, "kappa": None, "n_rated": 0, "disagreements": [],
              "unsettled": [], "excluded": []}
    empty = markdown(analyze(raw, study2, screening=nobody), tmp_path / "c")
    assert "manual screening of the free-text answers was not done" in empty


def test_labels_are_checked(study2):
    with pytest.raises(prereg.PreregError, match=r"labels\.conditions\.cnn: not a condition"):
        prereg.parse(study2.text.replace("{baseline: Baseline,", "{cnn: Baseline,"))
    with pytest.raises(prereg.PreregError, match=r"labels\.colour: unknown key"):
        prereg.parse(study2.text.replace("  total: Study 2", "  colour: red"))
    with pytest.raises(prereg.PreregError, match=r"labels\.attributes\.legs: a non-empty"):
        prereg.parse(study2.text.replace("{legs: Legs,", "{legs: '',"))


def test_exclusion_reasons_in_words_without_raw_options():
    from analysis.exclusions import rule_name
    from analysis.prereg import ExclusionRule

    assert rule_name(ExclusionRule(rule="over_time_limit", params={"minutes": 77})) == (
        "finished after the time limit (minutes: 77)")
    assert rule_name(ExclusionRule(rule="gate_failures", params={"max_failures": 1},
                                   text="failed a test twice")) == "failed a test twice"


def test_kruskal_wallis_effect_size_has_a_bootstrap_interval(result, study2):
    from analysis.effect_ci import eta_squared_h

    row = next(t for t in result.tests if t.test == "Kruskal-Wallis")
    groups = list(result.data.groups("accuracy").values())
    assert row.effect_size == pytest.approx(eta_squared_h(*groups))
    settings = study2.bootstrap
    ci = stats.bootstrap(groups, eta_squared_h, n_resamples=settings["n_resamples"],
                         method="percentile", vectorized=False,
                         random_state=np.random.default_rng(settings["seed"])).confidence_interval
    assert (row.ci_low, row.ci_high) == pytest.approx((ci.low, ci.high))
    assert row.ci_low < row.effect_size < row.ci_high


def test_significance_stars_are_literal_in_markdown(result, tmp_path):
    """Table 2 puts its stars before the number, as the paper does ("***100.0"); unescaped,
    Markdown reads "**100.0 | *84.2" as emphasis and shows no stars at all."""
    md = markdown(result, tmp_path)
    assert re.search(r"(?<!\\)\*", md) is None, "an unescaped * in report.md"
    _, rows, _ = table2(result)
    starred = [cell for row in rows for cell in row if cell.startswith("*")]
    assert starred, "the fixture's study has significant cells"
    for cell in starred:
        assert cell.replace("*", "\\*") in md
    assert "(\\* p < 0.05, \\*\\* p < 0.01" in md
