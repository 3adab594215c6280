"""Exclusions so far, while a study runs: the preregistered rules applied to the tidy export
(Contract 4) as it stands, counted per rule. Only exclusions: no outcome, no test."""

from __future__ import annotations

import pandas as pd

from . import exclusions, tidy
from .prereg import Preregistration


def exclusion_counts(raw: pd.DataFrame, prereg: Preregistration, *,
                     manual_exclusions=()) -> dict:
    """``collected`` and ``included`` participants so far, and per rule (in the
    preregistration's order) its ``reason`` in the preregistration's words (as the report names
    it), ``first`` (counted under it, CONSORT-style) and ``any`` (meets it)."""
    rules = list(prereg.exclusions)
    if raw.empty:
        return {"collected": 0, "included": 0,
                "rules": [{"rule": r.rule, "reason": exclusions.rule_name(r), "first": 0,
                           "any": 0} for r in rules]}
    frame = tidy.apply_layout(raw, columns=prereg.columns, constants=prereg.constants,
                              recode=prereg.recode, filters=[])
    frame = tidy.normalise(frame, required=["participant"])
    table = exclusions.evaluate(tidy.participants(frame), frame, rules, context={
        "manual_exclusions": set(map(str, manual_exclusions))})
    met = table["all_reasons"].map(lambda text: set(text.split("; ")) if text else set())
    out = []
    for rule in rules:
        reason = exclusions.reason_text(rule)
        out.append({"rule": rule.rule, "reason": exclusions.rule_name(rule),
                    "first": int((table["reason"] == reason).sum()),
                    "any": int(met.map(lambda m, r=reason: r in m).sum())})
    return {"collected": len(table), "included": int((~table["excluded"]).sum()), "rules": out}
