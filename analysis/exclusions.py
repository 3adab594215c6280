"""The registry of participant exclusion rules a preregistration may name under ``exclusions:``
(:data:`RULES`): each a :class:`Rule` with its description, the columns it reads, its parameters
(:mod:`analysis.params`; every one is required, none has a default) and a small function returning
a boolean Series (True = excluded).

Rules run in the order the preregistration lists them; a participant is counted under the FIRST
rule that matches (CONSORT-style flow), but every matching reason is kept per participant.
Thresholds come from the preregistration (e.g. ``over_time_limit`` ``minutes: 77``).

Blank values are never read as passing or failing a rule. Sessions that did not complete are
judged by ``not_finished`` (and ``withdrawn_or_returned``). The rules about what a session did
(time, videos, gates, device) judge every session with a value; a completed session with a
blank value there is an error naming it (the live export always fills them for completers),
not a silent pass or fail, and a session that did not complete with a blank value (e.g. no
duration, a device never checked) is left to ``not_finished`` by them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from studies.export_contract import ItemType, SessionStatus, TrialKind

from . import params as P
from .results import AnalysisError

BLANK_VALUES = (
    "Blank values: a completed session with a blank duration, device check, video or gate "
    "value stops the analysis with an error (the live export fills them for every completed "
    "session); a session that did not complete is counted as not finished, and its blank "
    "values are not read as passing or failing any rule.")


@dataclass(frozen=True)
class Rule:
    """An exclusion rule. ``params`` is the one place that says which thresholds it takes (the
    preregistration must state each: an exclusion rule has no default threshold)."""

    reason: str
    columns: tuple[str, ...]
    params: dict[str, P.Param]
    check: Callable[[pd.DataFrame, pd.DataFrame, dict, dict], pd.Series]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(k for k, p in self.params.items() if p.required)


def _status(table, *_):
    return table["status"].astype(str) != SessionStatus.COMPLETED


def _completed(table) -> pd.Series:
    return table["status"].astype(str) == SessionStatus.COMPLETED


def _judged(table, column: str, rule: str) -> pd.Series:
    """The non-blank values of ``column``; blank in a completed session is an error naming the
    participants, blank in one that did not complete leaves it unjudged by this rule."""
    values = table[column]
    blank = values.isna() & _completed(table)
    if blank.any():
        names = ", ".join(map(str, values.index[blank][:5]))
        raise AnalysisError(
            f"exclusion rule {rule!r}: column {column!r} is blank for {int(blank.sum())} "
            f"completed session(s) ({names}); a completed session always has it, so the "
            f"export is incomplete: fix the data rather than guess")
    return values[values.notna()]


def _over_time_limit(table, responses, params, context):
    """Completed after more than ``minutes`` (D.1/D.2 point 6: "did not finish experiment at
    all or in under 77 minutes", i.e. not within the 77-minute time limit). Sessions that did
    not finish at all are ``not_finished``; a completed session without a duration is an
    error."""
    seconds = _judged(table, "duration_s", "over_time_limit").astype(float)
    return (seconds > float(params["minutes"]) * 60).reindex(table.index, fill_value=False)


def _videos(table, *_):
    """Completed sessions that did not watch every required video to the end."""
    watched = _judged(table, "videos_completed", "videos_incomplete").astype(bool)
    return (~watched).reindex(table.index, fill_value=False)


def _gates(table, responses, params, context):
    """More than ``max_failures`` failed attempts at one and the same gate ("failed a
    multiple-choice comprehension test twice"): failing two different gates once each is not
    excluded. Reads the per-gate ``gate_failures`` column (``gate-id=n;...``)."""
    cells = _judged(table, "gate_failures", "gate_failures")
    worst = pd.Series({p: max(gate_counts(cell, p).values(), default=0)
                       for p, cell in cells.items()}, dtype=float)
    return (worst > float(params["max_failures"])).reindex(table.index, fill_value=False)


def gate_counts(cell, participant) -> dict[str, int]:
    """``"gate-a=1;gate-b=0"`` -> ``{"gate-a": 1, "gate-b": 0}``; anything else is an error."""
    counts = {}
    for part in filter(None, str(cell).split(";")):
        gate, sep, number = part.partition("=")
        if not sep or not gate.strip() or not number.strip().isdigit():
            raise AnalysisError(
                f"column 'gate_failures' of participant {participant!r}: {cell!r} is not "
                f"failures per gate ('gate-id=n' joined by ';', e.g. 'gate-ml=1;gate-data=0'); "
                f"a single total cannot tell failing one gate twice from two gates once")
        counts[gate.strip()] = int(number)
    return counts


def _device(table, *_):
    """Completed sessions whose device failed the check (blank device_ok is an error there)."""
    ok = _judged(table, "device_ok", "device_too_small").astype(bool)
    return (~ok).reindex(table.index, fill_value=False)


def _relevance_fast(table, responses, params, context):
    rel = responses[responses["item_type"].astype(str) == ItemType.RELEVANCE]
    per_step = rel.groupby(["participant", "step"])["step_duration_s"].first()
    seconds = per_step.groupby(level="participant").sum(min_count=1)
    seconds = seconds.reindex(table.index)
    # a participant without relevance answers did not answer in time either
    return seconds.isna() | (seconds < float(params["seconds"]))


def _withdrawn(table, *_):
    return table["status"].astype(str).isin([SessionStatus.WITHDRAWN, SessionStatus.RETURNED])


def _repeated(table, *_):
    """Every complete session of a Prolific ID but the one that counts: the first complete
    submission counts, except that a session the participant explicitly asked to retake
    (``retake_allowed``, set by the researcher) is replaced by the later attempts, so the first
    complete retake counts instead. Sessions that did not complete are left to
    ``not_finished`` (a replaced one, screened out at a gate, is counted there). Blank
    ``retake_allowed`` is an error."""
    retake = table["retake_allowed"]
    if retake.isna().any():
        raise AnalysisError(f"exclusion rule 'repeated_attempt': column 'retake_allowed' is "
                            f"blank for participant {retake.index[retake.isna()][0]!r}")
    order = ["prolific_pid", "attempt", "started_at"] if "started_at" in table else [
        "prolific_pid", "attempt"]
    sessions = table.sort_values(order)
    last = sessions.groupby("prolific_pid")["attempt"].transform("max")
    replaced = sessions["retake_allowed"].astype(bool) & (sessions["attempt"] < last)
    counted = sessions[_completed(sessions) & ~replaced].groupby("prolific_pid").head(1).index
    excluded = _completed(sessions) & ~sessions.index.isin(counted)
    return excluded.reindex(table.index)


def _manual(table, responses, params, context):
    excluded = set(context.get("manual_exclusions", ()))
    return pd.Series(table.index.isin(excluded), index=table.index)


def _catch(table, responses, params, context):
    catch = responses[responses["trial_kind"].astype(str) == TrialKind.CATCH]
    accuracy = catch.groupby("participant")["correct"].mean().reindex(table.index)
    return accuracy.fillna(1.0) < float(params["min_accuracy"])


RULES: dict[str, Rule] = {
    "withdrawn_or_returned": Rule("withdrew consent or returned the task", ("status",), {},
                                  _withdrawn),
    "repeated_attempt": Rule("repeated attempt (the first complete one counts; an asked-for "
                             "retake replaces the earlier session)",
                             ("prolific_pid", "attempt", "status", "retake_allowed"), {},
                             _repeated),
    "not_finished": Rule("did not finish", ("status",), {}, _status),
    "over_time_limit": Rule("finished after the time limit", ("status", "duration_s"),
                            {"minutes": P.number(doc="the time limit a completed session must "
                                                     "finish within")}, _over_time_limit),
    "videos_incomplete": Rule("skipped or did not finish a video",
                              ("status", "videos_completed"), {}, _videos),
    "gate_failures": Rule("failed the same comprehension gate too often",
                          ("status", "gate_failures"),
                          {"max_failures": P.number(doc="failed attempts allowed at one gate")},
                          _gates),
    "device_too_small": Rule("device too small", ("status", "device_ok"), {}, _device),
    "relevance_too_fast": Rule("answered the relevance questions too fast",
                               ("item_type", "step", "step_duration_s"),
                               {"seconds": P.number(doc="least seconds on the relevance steps, "
                                                        "all of them added")},
                               _relevance_fast),
    "manual_screening": Rule("excluded after manual screening of free-text answers", (), {},
                             _manual),
    "catch_trials": Rule("too many catch trials missed", ("trial_kind", "correct"),
                         {"min_accuracy": P.number(doc="least share of catch trials answered "
                                                       "correctly")}, _catch),
}


def reason_text(rule) -> str:
    base = RULES[rule.rule].reason
    detail = ", ".join(f"{k}={v}" for k, v in rule.params.items())
    return f"{base} ({detail})" if detail else base


def rule_name(rule) -> str:
    """The rule's preregistered text, else its description with the thresholds in words."""
    if rule.text:
        return rule.text
    base = RULES[rule.rule].reason
    detail = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in rule.params.items())
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
