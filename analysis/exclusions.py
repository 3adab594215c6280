"""Participant exclusion rules: each a small function returning a boolean Series (True = excluded).

Rules run in the order the preregistration lists them; a participant is counted under the FIRST
rule that matches (CONSORT-style flow), but every matching reason is kept per participant.
Thresholds come from the preregistration (e.g. ``min_duration`` ``minutes: 77``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from .results import AnalysisError


@dataclass(frozen=True)
class Rule:
    reason: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    check: Callable[[pd.DataFrame, pd.DataFrame, dict, dict], pd.Series]


def _status(table, *_):
    return table["status"].astype(str) != "completed"


def _min_duration(table, responses, params, context):
    finished = table["status"].astype(str) == "completed"
    return finished & (table["duration_s"].fillna(0) < float(params["minutes"]) * 60)


def _videos(table, *_):
    return ~table["videos_completed"].astype(bool)


def _gates(table, responses, params, context):
    return table["gate_failures"].fillna(0) > float(params["max_failures"])


def _device(table, *_):
    return ~table["device_ok"].astype(bool)


def _relevance_fast(table, responses, params, context):
    rel = responses[responses["item_type"].astype(str) == "relevance"]
    per_step = rel.groupby(["participant", "step"])["step_duration_s"].first()
    seconds = per_step.groupby(level="participant").sum(min_count=1)
    seconds = seconds.reindex(table.index)
    # a participant without relevance answers did not answer in time either
    return seconds.isna() | (seconds < float(params["seconds"]))


def _withdrawn(table, *_):
    return table["status"].astype(str).isin(["withdrawn", "returned"])


def _repeated(table, *_):
    completed = table[table["status"].astype(str) == "completed"]
    first = completed.sort_values(["attempt", "started_at"] if "started_at" in completed else
                                  ["attempt"]).groupby("prolific_pid").head(1).index
    has_complete = table["prolific_pid"].isin(completed["prolific_pid"])
    return has_complete & ~table.index.isin(first)


def _manual(table, responses, params, context):
    excluded = set(context.get("manual_exclusions", ()))
    return pd.Series(table.index.isin(excluded), index=table.index)


def _catch(table, responses, params, context):
    catch = responses[responses["trial_kind"].astype(str) == "catch"]
    accuracy = catch.groupby("participant")["correct"].mean().reindex(table.index)
    return accuracy.fillna(1.0) < float(params["min_accuracy"])


RULES: dict[str, Rule] = {
    "withdrawn_or_returned": Rule("withdrew consent or returned the task", ("status",), (), _withdrawn),
    "repeated_attempt": Rule("repeated attempt (the first complete one counts)",
                             ("prolific_pid", "attempt", "status"), (), _repeated),
    "not_finished": Rule("did not finish", ("status",), (), _status),
    "min_duration": Rule("finished under the minimum duration", ("status", "duration_s"),
                         ("minutes",), _min_duration),
    "videos_incomplete": Rule("skipped or did not finish a video", ("videos_completed",), (), _videos),
    "gate_failures": Rule("failed a comprehension gate twice", ("gate_failures",),
                          ("max_failures",), _gates),
    "device_too_small": Rule("device too small", ("device_ok",), (), _device),
    "relevance_too_fast": Rule("answered the relevance questions too fast",
                               ("item_type", "step", "step_duration_s"), ("seconds",),
                               _relevance_fast),
    "manual_screening": Rule("excluded after manual screening of free-text answers", (), (),
                             _manual),
    "catch_trials": Rule("too many catch trials missed", ("trial_kind", "correct"),
                         ("min_accuracy",), _catch),
}


def reason_text(rule) -> str:
    base = RULES[rule.rule].reason
    detail = ", ".join(f"{k}={v}" for k, v in rule.params.items())
    return f"{base} ({detail})" if detail else base


def evaluate(table: pd.DataFrame, responses: pd.DataFrame, rules, *,
             context: dict | None = None) -> pd.DataFrame:
    """Apply the rules; returns the participant table with ``excluded``, ``reason`` (first match)
    and ``all_reasons`` columns."""
    context = context or {}
    table = table.copy()
    reasons = pd.Series([[] for _ in range(len(table))], index=table.index, dtype=object)
    for rule in rules:
        spec = RULES[rule.rule]
        missing = [c for c in spec.columns if c not in table.columns and c not in responses.columns]
        if missing:
            raise AnalysisError(f"exclusion rule {rule.rule!r} needs the column(s) "
                                f"{', '.join(missing)}, which the responses lack")
        mask = spec.check(table, responses, rule.params, context).reindex(table.index)
        mask = mask.fillna(False).astype(bool)
        text = reason_text(rule)
        for participant in mask[mask].index:
            reasons[participant] = [*reasons[participant], text]
    table["all_reasons"] = reasons.map(lambda r: "; ".join(r))
    table["reason"] = reasons.map(lambda r: r[0] if r else "")
    table["excluded"] = reasons.map(bool)
    return table


def flow(table: pd.DataFrame, rules, *, by: str | None = "condition",
         order=()) -> pd.DataFrame:
    """CONSORT-style counts: collected, excluded per first-matching reason in order, analysed."""
    if by and by in table.columns:
        names = [*order, *sorted(set(table[by].astype(str)) - set(order))]
        groups = [(name or "(unassigned)", table[table[by].astype(str) == name])
                  for name in names]
    else:
        groups = [("all", table)]
    rows = []
    for name, group in groups:
        row = {"group": str(name), "collected": len(group)}
        for rule in rules:
            row[reason_text(rule)] = int((group["reason"] == reason_text(rule)).sum())
        row["analysed"] = int((~group["excluded"]).sum())
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("group")
    if len(frame) > 1:
        frame.loc["total"] = frame.sum(numeric_only=True)
    return frame.astype(int)
