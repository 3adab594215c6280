"""No silent typo, no silent choice: a preregistration's keys and values are checked at every
level, errors name key and line, and every option of a test says where its value comes from."""

from pathlib import Path

import pytest

from analysis import prereg
from analysis.statistical_tests import TESTS

PREREGISTERED, STATED_CHOICE, STATED_DEFAULT = "preregistered", "stated choice", "stated default"

EXAMPLES = Path(__file__).resolve().parent.parent / "analysis" / "examples"
STUDY1 = (EXAMPLES / "two4two" / "study1.yaml").read_text()
STUDY2 = (EXAMPLES / "two4two" / "study2.yaml").read_text()
BOROWSKI = (EXAMPLES / "borowski2021" / "experiment_I.yaml").read_text()


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# (document, text to replace, replacement, key path the error must name)
TYPOS = [
    # the one that flipped H1's one-sided test to two-sided
    (STUDY2, "alternative: less}", "alternativ: less}", "analyses[0].comparisons[0].alternativ"),
    (STUDY2, "    correction: holm", "    corection: holm", "analyses[1].corection"),
    (STUDY2, "minutes: 77", "minuts: 77", "exclusions[3].minuts"),
    (STUDY2, "      levene_center: median", "      levene_center: medain",
     "analyses[0].stated_choices.levene_center"),
    (STUDY2, "      rank_sum_method: asymptotic", "      rank_sum_method: asymptotik",
     "analyses[0].stated_choices.rank_sum_method"),
    (STUDY2, "    direction: less", "    directon: less", "hypotheses[0].directon"),
    (STUDY2, "  total: 240", "  totl: 240", "sample_size.totl"),
    (STUDY2, "bootstrap: {n_resamples:", "bootstrap: {n_resample:", "bootstrap.n_resample"),
    (STUDY2, "  main_question: >-", "  main_questoin: >-", "questions.main_questoin"),
    (STUDY2, "  legs: relevant", "  legs: relevent", "answer_key.legs"),
    (STUDY2, "    expected_branch: not normal", "    expected_branch: nonnormal",
     "analyses[0].expected_branch"),
    (STUDY2, "      continuity: true", "      continuity: yes please",
     "analyses[0].stated_choices.continuity"),
    (STUDY1, "    outcome: selected_relevant", "    on: selected_relevant", "analyses[0].True"),
    (STUDY1, "    alpha: 0.025", "    alpha: 0.25x", "analyses[0].alpha"),
    (BOROWSKI, "{column: trial_type, in: [main]}", "{colum: trial_type, in: [main]}",
     "trial_filters[0].colum"),
    # values that must name a condition, an attribute or an earlier analysis
    (STUDY2, "a: concepts, b: baseline", "a: concept, b: baseline",
     "analyses[0].comparisons[0].a"),
    (STUDY2, "family_includes: [main]", "family_includes: [mian]",
     "analyses[1].family_includes[0]"),
    (STUDY1, "    b: color", "    b: colour", "analyses[0].b"),
    (BOROWSKI, "          tolerance: 0.0005", "          tolerence: 0.0005",
     "analyses[1].published.values[0].tolerence"),
    (BOROWSKI, "    zero_method: wilcox", "    zero_methd: wilcox", "analyses[1].zero_methd"),
    (BOROWSKI, "    where: [{column: condition, equals: natural}]",
     "    where: [{column: condition, equal: natural}]", "analyses[4].where[0].equal"),
]


@pytest.mark.parametrize("document, old, new, key", TYPOS, ids=[t[3] for t in TYPOS])
def test_unknown_keys_and_values_are_refused_with_key_and_line(document, old, new, key):
    assert old in document
    text = document.replace(old, new, 1)
    with pytest.raises(prereg.PreregError) as error:
        prereg.parse(text)
    message = str(error.value)
    assert message.startswith(f"{key}:"), message
    assert f"(line {_line_of(text, new.strip())})" in message, message


def test_every_test_kind_declares_its_options_and_refuses_others():
    for name, kind in TESTS.items():
        assert kind.params, name
        required = {k: v for k, v in kind.params.items() if v.required}
        entry = {"id": "x", "test": name, "bogus_option": 1}
        with pytest.raises(prereg.PreregError, match=r"analyses\[0\]\.bogus_option: unknown key "
                                                     rf"for test '{name}'"):
            prereg._analysis(prereg._Reader(""), 0, {**entry, **{k: None for k in required}},
                             TESTS, True)


def test_options_say_whether_preregistered_stated_choice_or_default():
    study2 = prereg.parse(STUDY2).analysis("main").options
    # D.2 point 5 names these ...
    for name in ("dv", "normality_alpha", "levene_alpha", "expected_branch", "comparisons"):
        assert study2[name]["source"] == PREREGISTERED, name
    # ... but not Bonferroni, Levene's centre, the rank-sum variant or the tests' alpha
    for name in ("correction", "levene_center", "rank_sum_method", "continuity", "alpha"):
        assert study2[name]["source"] == STATED_CHOICE, name
    assert study2["correction"]["value"] == "bonferroni"
    assert study2["levene_center"]["value"] == "median"
    comparisons = study2["comparisons"]["value"]
    assert [c["alternative"] for c in comparisons] == ["less", "greater"]

    study1 = prereg.parse(STUDY1).analysis("legs_vs_color").options
    assert study1["alpha"] == {"value": 0.025, "source": PREREGISTERED}
    assert study1["correction"] == {"value": "none", "source": STATED_DEFAULT}
    assert study1["outcome"]["value"] == "selected_relevant"

    borowski = prereg.parse(BOROWSKI)
    sources = {o["source"] for a in borowski.analyses for o in a.options.values()}
    assert PREREGISTERED not in sources  # a re-analysis plan, not a preregistration
    assert not any(a.preregistered for a in borowski.analyses)


def test_stated_choice_given_twice_is_refused():
    text = STUDY2.replace("    dv: accuracy\n", "    dv: accuracy\n    correction: holm\n", 1)
    with pytest.raises(prereg.PreregError, match=r"stated_choices\.correction: also given"):
        prereg.parse(text)


def test_every_exclusion_rule_declares_its_thresholds_and_none_has_a_default():
    from analysis.exclusions import RULES

    assert {"over_time_limit", "gate_failures", "relevance_too_fast", "catch_trials"} <= set(RULES)
    for name, rule in RULES.items():
        assert all(p.required and p.doc for p in rule.params.values()), name
    assert list(RULES["over_time_limit"].params) == ["minutes"]


@pytest.mark.parametrize("new, message", [
    ("  - {rule: over_time_limit}", "exclusions[3].minutes: a number is required for rule "
                                    "'over_time_limit'"),
    ("  - {rule: over_time_limit, minutes: '77'}", "exclusions[3].minutes: a number is required"),
    ("  - {rule: over_time_limit, minutes: 77, alpha: 1}", "exclusions[3].alpha: unknown key for "
                                                           "rule 'over_time_limit'"),
])
def test_an_exclusion_threshold_must_be_stated_as_a_number(new, message):
    line = next(x for x in STUDY2.splitlines() if "minutes: 77" in x)
    text = STUDY2.replace(line, new, 1)
    with pytest.raises(prereg.PreregError) as error:
        prereg.parse(text)
    assert str(error.value).startswith(message), str(error.value)
