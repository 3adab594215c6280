"""Exclusion rules, the first-matching-reason flow and the screening summary."""

import pandas as pd
import pytest

from analysis import exclusions, screening, tidy
from analysis.prereg import ExclusionRule
from analysis.results import AnalysisError


def _row(pid, **kw):
    base = {"participant": pid, "prolific_pid": pid, "condition": "baseline", "status": "completed",
            "attempt": 1, "started_at": "2026-01-01T10:00:00", "duration_s": 45 * 60.0,
            "device_ok": True, "videos_completed": True, "retake_allowed": False,
            "gate_failures": "gate-a=0;gate-b=0;gate-c=0",
            "item_type": "relevance", "step": "relevance", "step_duration_s": 200.0}
    base.update(kw)
    return base


RULES = [ExclusionRule("withdrawn_or_returned", {}), ExclusionRule("repeated_attempt", {}),
         ExclusionRule("not_finished", {}), ExclusionRule("over_time_limit", {"minutes": 77}),
         ExclusionRule("videos_incomplete", {}), ExclusionRule("gate_failures", {"max_failures": 1}),
         ExclusionRule("device_too_small", {}), ExclusionRule("relevance_too_fast", {"seconds": 30}),
         ExclusionRule("manual_screening", {})]


@pytest.fixture
def responses():
    rows = [
        _row("ok"),
        _row("returned", status="returned"),
        _row("timeout", status="timed_out"),
        _row("quick", duration_s=20 * 60.0),
        _row("slow", duration_s=70 * 60.0),
        _row("edge", duration_s=77 * 60.0),
        _row("late", duration_s=77 * 60.0 + 1),
        _row("video", videos_completed=False),
        _row("gates1", gate_failures="gate-a=1;gate-b=0;gate-c=0"),
        _row("gates11", gate_failures="gate-a=1;gate-b=1;gate-c=1"),
        _row("gates2", gate_failures="gate-a=0;gate-b=2;gate-c=0", device_ok=False),
        _row("phone", device_ok=False),
        _row("fast", step_duration_s=29.0),
        _row("again1", prolific_pid="P9", attempt=1, started_at="2026-01-01T09:00:00"),
        _row("again2", prolific_pid="P9", attempt=2, started_at="2026-01-02T09:00:00"),
        _row("late1", prolific_pid="P8", attempt=1, status="returned"),
        _row("late2", prolific_pid="P8", attempt=2),
        _row("asked1", prolific_pid="P7", attempt=1, videos_completed=False, retake_allowed=True),
        _row("asked2", prolific_pid="P7", attempt=2, started_at="2026-01-02T09:00:00"),
        _row("blank_left", status="withdrawn", device_ok="", duration_s="",
             videos_completed=False, gate_failures="gate-a=0;gate-b=0;gate-c=0"),
        _row("manual"),
    ]
    return tidy.normalise(pd.DataFrame(rows), required=["participant"])


def test_each_rule_and_first_matching_reason(responses):
    table = exclusions.evaluate(tidy.participants(responses), responses, RULES,
                                context={"manual_exclusions": {"manual"}})
    reason = table["reason"].to_dict()
    kept = ["ok", "quick", "slow", "edge", "gates1", "gates11", "again1", "late2", "asked2"]
    assert not table.loc[kept, "excluded"].any(), table.loc[kept, "all_reasons"]
    # finishing in 20 or 70 minutes is within the 77-minute limit; one failure at each of
    # three gates is not "the same test failed twice"; an asked-for retake replaces attempt 1
    assert reason["late"].startswith("finished after the time limit (minutes=77)")
    assert reason["asked1"].startswith("repeated attempt")
    assert reason["returned"].startswith("withdrew")
    assert reason["late1"].startswith("withdrew")
    assert reason["timeout"] == "did not finish"
    assert reason["video"].startswith("skipped")
    assert reason["gates2"].startswith("failed the same comprehension gate too often")
    assert "device too small" in table.loc["gates2", "all_reasons"]  # all reasons kept
    assert reason["phone"] == "device too small"
    assert reason["fast"].startswith("answered the relevance questions too fast")
    assert reason["again2"].startswith("repeated attempt")
    assert reason["manual"].startswith("excluded after manual screening")
    # blank device and duration of a session that did not complete are not judged by the
    # device or time rules (it is counted as withdrawn), and are not read as failing them
    assert "device too small" not in table.loc["blank_left", "all_reasons"]
    assert "time limit" not in table.loc["blank_left", "all_reasons"]


def test_flow_counts_each_participant_once(responses):
    table = exclusions.evaluate(tidy.participants(responses), responses, RULES,
                                context={"manual_exclusions": {"manual"}})
    flow = exclusions.flow(table, RULES)
    row = flow.loc["baseline"]
    assert row["collected"] == 21
    assert row["analysed"] == 9
    assert row.drop(["collected", "analysed"]).sum() == 12
    assert row["device too small"] == 1  # gates2 counted under gates only


def test_rule_needing_a_missing_column_is_a_clear_error():
    frame = tidy.normalise(pd.DataFrame([{"participant": "a", "status": "completed"}]),
                           required=["participant"])
    with pytest.raises(AnalysisError, match="over_time_limit.*duration_s"):
        exclusions.evaluate(tidy.participants(frame), frame,
                            [ExclusionRule("over_time_limit", {"minutes": 77})])


@pytest.mark.parametrize(("rule", "column", "blank"), [
    (ExclusionRule("over_time_limit", {"minutes": 77}), "duration_s", ""),
    (ExclusionRule("device_too_small", {}), "device_ok", ""),
    (ExclusionRule("videos_incomplete", {}), "videos_completed", ""),
    (ExclusionRule("gate_failures", {"max_failures": 1}), "gate_failures", ""),
    (ExclusionRule("repeated_attempt", {}), "retake_allowed", ""),
])
def test_a_blank_value_of_a_completed_session_is_an_error_not_a_pass_or_fail(rule, column, blank):
    frame = tidy.normalise(pd.DataFrame([_row("ok"), _row("blank", **{column: blank})]),
                           required=["participant"])
    with pytest.raises(AnalysisError, match=rf"{rule.rule}.*'{column}'.*blank.*blank"):
        exclusions.evaluate(tidy.participants(frame), frame, [rule])


def test_a_total_over_gates_is_refused_as_gate_failures():
    frame = tidy.normalise(pd.DataFrame([_row("old", gate_failures="2")]),
                           required=["participant"])
    with pytest.raises(AnalysisError, match="'gate_failures' of participant 'old': '2' is not "
                                            "failures per gate"):
        exclusions.evaluate(tidy.participants(frame), frame,
                            [ExclusionRule("gate_failures", {"max_failures": 1})])


def test_screening_kappa_disagreements_and_settled_exclusions():
    labels_a = ["include"] * 6 + ["exclude", "exclude", "unsure", "include"]
    labels_b = ["include"] * 5 + ["unsure", "exclude", "include", "unsure", "include"]
    rows = [{"participant": f"p{i}", "annotator": who, "label": label}
            for who, labels in (("ann", labels_a), ("bob", labels_b))
            for i, label in enumerate(labels)]
    decisions = pd.DataFrame([{"participant": "p5", "label": "exclude"}])
    summary = screening.summarize(pd.DataFrame(rows), decisions)
    from sklearn.metrics import cohen_kappa_score
    expected = cohen_kappa_score([x == "include" for x in labels_a],
                                 [x == "include" for x in labels_b])
    assert summary["kappa"] == pytest.approx(expected)
    assert summary["disagreements"] == ["p5", "p7"]
    assert summary["excluded"] == ["p5", "p6"]  # settled p5 + unanimous p6
    assert summary["unsettled"] == ["p7", "p8"]  # disagreement + unanimous 'unsure'
    with pytest.raises(AnalysisError, match="not one of"):
        screening.summarize(pd.DataFrame([{"participant": "x", "annotator": "a",
                                           "label": "maybe"}]))
