"""Synthetic participants in the tidy export format (Contract 4), for pilots and power analyses.

Each participant answers every attribute of the preregistration; an answer is correct with the
chosen probability for its condition and attribute. Sessions walk the study spec's steps as the
live flow does (``studies/flow.py``), so the session columns are what the flow would export:
some decline consent or withdraw (no answers exported), are screened out by the device check or
by failing one gate ``max_failures`` times, return the task, or run past the spec's time limit
(timed out); completers took 20-70 minutes (median 40), failed a gate at most
``max_failures - 1`` times each, watched every video, used a large enough device and spent at
least the stimulus step's ``min_seconds`` on it. A few screened-out participants ask to retake
the study (``retake_allowed``) and come back for a second attempt. ``clean=True``: everyone
completes at the first attempt without a failure. Only the relevance answers are written (the
rows the preregistered analyses read); the export also has comprehension, expertise, ... rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from studies.export_contract import ItemType, Relevance, SessionStatus
from studies.spec import StudySpec
from studies.spec.steps import ComprehensionGateSpec, StimulusQuestionsSpec

from .prereg import Preregistration
from .results import AnalysisError
from .tidy import TIDY_COLUMNS

MEDIAN_MINUTES, SIGMA = 40.0, 0.3     # paid sessions take 20-70 minutes (lognormal)
P_DECLINE, P_SMALL_DEVICE, P_RETURN, P_WITHDRAW = 0.02, 0.02, 0.03, 0.02
P_GATE_FAIL, P_GATE_FAIL_AGAIN, P_RETAKE = 0.15, 0.40, 0.10

JUSTIFICATIONS = {
    True: ["The rows change along this attribute exactly where the prediction flips.",
           "In the very certain columns this attribute differs clearly between the animals.",
           "I compared the left and right columns and this is consistent."],
    False: ["I could not see a systematic change of this attribute across the columns.",
            "Both animals show this attribute in every column, so I doubt it matters.",
            "Hard to tell, the images look similar to me."],
}


def parse_accuracies(specs: list[str], prereg: Preregistration) -> dict[tuple[str, str], float]:
    """``condition:attribute=p`` or ``condition=p`` (all attributes) -> {(cond, attr): p}."""
    table = {}
    for spec in specs:
        if "=" not in spec:
            raise AnalysisError(f"--accuracy {spec!r}: expected condition:attribute=p")
        key, value = spec.split("=", 1)
        try:
            probability = float(value)
        except ValueError as exc:
            raise AnalysisError(f"--accuracy {spec!r}: {value!r} is not a number") from exc
        if not 0 <= probability <= 1:
            raise AnalysisError(f"--accuracy {spec!r}: p must lie between 0 and 1")
        condition, _, attribute = key.partition(":")
        if condition not in prereg.conditions:
            raise AnalysisError(f"--accuracy {spec!r}: unknown condition {condition!r} "
                                f"(conditions: {list(prereg.conditions)})")
        attributes = [attribute] if attribute else list(prereg.attributes)
        for name in attributes:
            if name not in prereg.attributes:
                raise AnalysisError(f"--accuracy {spec!r}: unknown attribute {name!r} "
                                    f"(attributes: {list(prereg.attributes)})")
            table[(condition, name)] = probability
    return table


def simulate(prereg: Preregistration, *, spec: StudySpec, n_per_condition: int, accuracy: dict,
             seed: int, default_accuracy: float = 0.75, clean: bool = False) -> pd.DataFrame:
    """Sessions of ``n_per_condition`` Prolific IDs per condition of the study ``spec``."""
    if prereg.design == "trials":
        raise AnalysisError("simulation supports the relevance designs (between / within)")
    if n_per_condition < 1:
        raise AnalysisError("--n-per-condition must be at least 1")
    if not prereg.answer_key:
        raise AnalysisError("simulation needs the preregistration's answer_key")
    missing = [c for c in prereg.conditions if spec.condition(c) is None]
    if missing:
        raise AnalysisError(f"conditions {missing} of the preregistration are not in the study "
                            f"spec {spec.slug!r} ({[c.name for c in spec.conditions]})")
    stimulus = [s for s in spec.steps if isinstance(s, StimulusQuestionsSpec)]
    if not stimulus:
        raise AnalysisError(f"the study spec {spec.slug!r} has no stimulus_questions step")
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2026-11-01T09:00:00Z")
    for condition in prereg.conditions:
        for i in range(n_per_condition):
            pid, attempt, again = f"PID{condition[:3].upper()}{i:05d}", 1, True
            while again:
                session = _session(spec, rng, clean=clean)
                again = attempt == 1 and session["retake_allowed"]
                rows += _rows(prereg, spec, rng, session, condition=condition, index=i,
                              pid=pid, attempt=attempt, accuracy=accuracy,
                              default_accuracy=default_accuracy, start=start,
                              step=stimulus[0], clean=clean)
                attempt += 1
    return pd.DataFrame(rows, columns=TIDY_COLUMNS)


def _session(spec: StudySpec, rng, *, clean: bool) -> dict:
    """Walk the steps: where the session ends, with which status, and what it did."""
    gates = [s for s in spec.steps if isinstance(s, ComprehensionGateSpec)]
    videos = {s.id for s in spec.steps if s.type == "video"}
    session = {"status": SessionStatus.COMPLETED, "device_ok": None, "videos": set(),
               "gates": {g.id: 0 for g in gates}, "reached_stimulus": False,
               "retake_allowed": False,
               "minutes": float(rng.lognormal(np.log(MEDIAN_MINUTES), SIGMA))}
    quit_at = None if clean else rng.integers(len(spec.steps)) if rng.random() < (
        P_RETURN + P_WITHDRAW) else None
    for index, step in enumerate(spec.steps):
        if index == quit_at:
            session["status"] = SessionStatus.RETURNED if rng.random() < P_RETURN / (
                P_RETURN + P_WITHDRAW) else SessionStatus.WITHDRAWN
            break
        if step.type == "consent" and not clean and rng.random() < P_DECLINE:
            session["status"] = SessionStatus.WITHDRAWN
            break
        if step.type == "device_check":
            session["device_ok"] = clean or rng.random() >= P_SMALL_DEVICE
            if not session["device_ok"]:
                session["status"] = SessionStatus.SCREENED_OUT
                break
        if step.type == "video":
            session["videos"].add(step.id)
        if isinstance(step, ComprehensionGateSpec) and not clean:
            failing = P_GATE_FAIL
            while rng.random() < failing and session["status"] == SessionStatus.COMPLETED:
                session["gates"][step.id] += 1
                failing = P_GATE_FAIL_AGAIN
                if session["gates"][step.id] >= step.max_failures:
                    session["status"] = SessionStatus.SCREENED_OUT
            if session["status"] != SessionStatus.COMPLETED:
                session["retake_allowed"] = bool(rng.random() < P_RETAKE)
                break
        if isinstance(step, StimulusQuestionsSpec):
            session["reached_stimulus"] = True
    if clean:
        session["minutes"] = min(session["minutes"], spec.time_limit_minutes - 1)
    if session["status"] == SessionStatus.COMPLETED and session["minutes"] > spec.time_limit_minutes:
        session["status"] = SessionStatus.TIMED_OUT
    session["videos_completed"] = videos <= session["videos"]
    return session


def _rows(prereg, spec, rng, session, *, condition, index, pid, attempt, accuracy,
          default_accuracy, start, step, clean):
    participant = f"sim-{condition}-{index:04d}-{attempt}"
    status = session["status"]
    duration = session["minutes"] * 60
    started = start + pd.Timedelta(hours=float(rng.uniform(0, 240)))
    completed = started + pd.Timedelta(seconds=duration)
    done = status == SessionStatus.COMPLETED
    step_seconds = step.min_seconds + float(rng.lognormal(np.log(200), 0.5))
    base = {
        "study": prereg.study, "participant": participant, "prolific_pid": pid,
        "condition": condition, "variant": int(spec.condition(condition).variants[0]),
        "status": status, "attempt": attempt, "started_at": started.isoformat(),
        "completed_at": completed.isoformat() if done else "",
        "duration_s": round(duration, 1) if done else "",
        "device_ok": "" if session["device_ok"] is None else bool(session["device_ok"]),
        "videos_completed": bool(session["videos_completed"]),
        "gate_failures": ";".join(f"{g}={n}" for g, n in session["gates"].items()),
        "retake_allowed": bool(session["retake_allowed"]), "pilot": False,
        "trial": "", "trial_kind": "", "confidence": "",
    }
    empty = dict.fromkeys(["step", "item_type", "item", "response", "answer_key", "correct",
                           "justification", "rt_ms", "rt_server_ms", "step_duration_s",
                           "answered_at"], "")
    if status == SessionStatus.WITHDRAWN or not session["reached_stimulus"]:
        return [base | empty]  # withdrawn: answers not exported; others answered no relevance item
    copy_paste = (not clean) and rng.random() < 0.05
    rows = []
    for attribute in prereg.attributes:
        p = accuracy.get((condition, attribute), default_accuracy)
        correct = bool(rng.random() < p)
        key = prereg.answer_key[attribute]
        other = Relevance.IRRELEVANT if key == Relevance.RELEVANT else Relevance.RELEVANT
        text = "same as above" if copy_paste else str(rng.choice(JUSTIFICATIONS[correct]))
        answered = started + pd.Timedelta(seconds=duration * 0.8)
        rows.append({**base, "step": step.id, "item_type": ItemType.RELEVANCE, "item": attribute,
                     "response": key if correct else other, "answer_key": key,
                     "correct": int(correct), "justification": text,
                     "rt_ms": round(float(rng.lognormal(np.log(30000), 0.5)), 0),
                     "step_duration_s": round(step_seconds, 1),
                     # one POST for the whole page: the server's RT is the step's time
                     "rt_server_ms": round(step_seconds * 1000.0, 0),
                     "answered_at": answered.isoformat()})
    return rows
