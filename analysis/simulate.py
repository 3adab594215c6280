"""Synthetic participants in the tidy export format (Contract 4), for pilots and power analyses.

Each participant answers every attribute of the preregistration; an answer is correct with the
chosen probability for its condition and attribute. Session flags (status, duration, videos,
gates, device, relevance time, repeated attempts) are drawn so that a realistic share of
participants meets the preregistered exclusion rules; ``clean=True`` turns that off.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .prereg import Preregistration
from .results import AnalysisError

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


def simulate(prereg: Preregistration, *, n_per_condition: int, accuracy: dict, seed: int,
             default_accuracy: float = 0.75, clean: bool = False) -> pd.DataFrame:
    if prereg.design == "trials":
        raise AnalysisError("simulation supports the relevance designs (between / within)")
    if n_per_condition < 1:
        raise AnalysisError("--n-per-condition must be at least 1")
    if not prereg.answer_key:
        raise AnalysisError("simulation needs the preregistration's answer_key")
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2026-11-01T09:00:00Z")
    for condition in prereg.conditions:
        for i in range(n_per_condition):
            pid = f"PID{condition[:3].upper()}{i:05d}"
            sessions = 2 if (not clean and rng.random() < 0.02) else 1
            for attempt in range(1, sessions + 1):
                rows += _participant(prereg, rng, condition=condition, index=i, pid=pid,
                                     attempt=attempt, accuracy=accuracy, clean=clean,
                                     default_accuracy=default_accuracy, start=start)
    return pd.DataFrame(rows)


def _participant(prereg, rng, *, condition, index, pid, attempt, accuracy, clean,
                 default_accuracy, start):
    participant = f"sim-{condition}-{index:04d}-{attempt}"
    status = "completed"
    if not clean:
        status = rng.choice(["completed", "returned", "withdrawn", "timed_out"],
                            p=[0.9, 0.04, 0.02, 0.04])
    duration = float(rng.lognormal(np.log(95 * 60), 0.18)) if not clean else 95 * 60.0
    started = start + pd.Timedelta(hours=float(rng.uniform(0, 240)))
    completed = started + pd.Timedelta(seconds=duration)
    gate_failures = 0 if clean else int(rng.choice([0, 1, 2], p=[0.86, 0.1, 0.04]))
    step_seconds = float(rng.lognormal(np.log(240), 0.4)) if clean or rng.random() > 0.03 \
        else float(rng.uniform(8, 28))
    base = {
        "study": prereg.study, "participant": participant, "prolific_pid": pid,
        "condition": condition, "variant": int(index % 3), "status": status, "attempt": attempt,
        "started_at": started.isoformat(),
        "completed_at": completed.isoformat() if status == "completed" else "",
        "duration_s": round(duration, 1) if status == "completed" else "",
        "device_ok": bool(clean or rng.random() > 0.02),
        "videos_completed": bool(clean or rng.random() > 0.04),
        "gate_failures": gate_failures, "step": "relevance", "item_type": "relevance",
        "step_duration_s": round(step_seconds, 1), "trial": "", "trial_kind": "",
        # the live flow stores one POST for the whole page: the server's RT is the step's time
        "rt_server_ms": round(step_seconds * 1000.0, 0), "confidence": "",
    }
    copy_paste = (not clean) and rng.random() < 0.05
    rows = []
    for attribute in prereg.attributes:
        p = accuracy.get((condition, attribute), default_accuracy)
        correct = bool(rng.random() < p)
        key = prereg.answer_key[attribute]
        other = "irrelevant" if key == "relevant" else "relevant"
        response = key if correct else other
        text = "same as above" if copy_paste else str(rng.choice(JUSTIFICATIONS[correct]))
        rows.append({**base, "item": attribute, "response": response, "answer_key": key,
                     "correct": int(correct), "justification": text,
                     "rt_ms": round(float(rng.lognormal(np.log(30000), 0.5)), 0),
                     "answered_at": completed.isoformat() if status == "completed" else ""})
    return rows
