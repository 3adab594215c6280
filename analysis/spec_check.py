"""One study, one truth: a study spec and its preregistration checked against each other.

:func:`compare` reads both as plain documents (the spec through ``studies.spec``, which needs no
database; no participant data) and lists every place where they disagree, each naming the key
and line in both files: the time-limit rule against the spec's time limit, gate, video, device,
catch-trial and free-text rules against the steps that make them possible, the relevance-time
rule against the stimulus step's minimum time, and preregistered conditions, relevance items,
answer keys, trial blocks and sample sizes that the spec lacks or sets differently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from studies.export_contract import TrialKind
from studies.spec import StudySpec, parse_spec
from studies.spec.loader import line_of, load_yaml
from studies.spec.steps import (
    ComprehensionGateSpec,
    DeviceCheckSpec,
    FreeTextSpec,
    StimulusQuestionsSpec,
    TrialBlockSpec,
    VideoSpec,
)

from . import prereg as prereg_module
from .prereg import Preregistration


@dataclass(frozen=True)
class Place:
    """A key of one of the two files, its line and the value found there."""

    file: str
    line: int
    key: str
    value: object

    def __str__(self) -> str:
        return f"{self.file} line {self.line} {self.key}={self.value}"


@dataclass(frozen=True)
class Disagreement:
    prereg: Place
    spec: Place
    message: str

    def __str__(self) -> str:
        return f"{self.prereg} vs {self.spec}: {self.message}"


class StudyMismatch(ValueError):
    """The spec and the preregistration disagree; ``disagreements`` lists where."""

    def __init__(self, disagreements: list[Disagreement]):
        self.disagreements = disagreements
        super().__init__("the study spec and the preregistration disagree "
                         f"({len(disagreements)} place(s)):\n"
                         + "\n".join(f"  {d}" for d in disagreements))


def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Document:
    """A YAML file's tree with line numbers, for naming places in it."""

    def __init__(self, text: str, name: str):
        self.tree, self.name = load_yaml(text), name

    def place(self, parts: tuple, value) -> Place:
        node, line = self.tree, 0
        for part in parts:
            line = line_of(node, part) or line
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
        return Place(self.name, line, _path(parts), value)


class Checker:
    def __init__(self, spec: StudySpec, plan: Preregistration, spec_doc: Document,
                 plan_doc: Document, answer_key_of: Callable):
        self.spec, self.plan = spec, plan
        self.spec_doc, self.plan_doc = spec_doc, plan_doc
        self.answer_key_of = answer_key_of
        self.found: list[Disagreement] = []

    def add(self, plan_at: tuple, plan_value, spec_at: tuple, spec_value, message: str) -> None:
        found = Disagreement(self.plan_doc.place(plan_at, plan_value),
                             self.spec_doc.place(spec_at, spec_value), message)
        if found not in self.found:  # a step and its per-condition variants say it once
            self.found.append(found)

    def steps(self, kind) -> list:
        """Steps of ``kind``, with their per-condition variants (which may differ)."""
        out = []
        for step in self.spec.steps:
            variants = [step, *self.spec.overrides.get(step.id, {}).values()]
            out += [s for s in variants if isinstance(s, kind)]
        return out

    def lacks(self, plan_at: tuple, plan_value, kind, what: str, message: str) -> bool:
        if self.steps(kind):
            return False
        self.add(plan_at, plan_value, ("steps",), f"(no {what} step)", message)
        return True

    # --- identity and design --------------------------------------------------------------
    def identity(self) -> None:
        if self.plan.study != self.spec.slug:
            self.add(("study",), self.plan.study, ("slug",), self.spec.slug,
                     "the preregistration is for another study")
        if self.plan.design in ("between", "within") and self.plan.design != self.spec.design:
            self.add(("design",), self.plan.design, ("design",), self.spec.design,
                     "the designs differ")

    def conditions(self) -> None:
        names = [c.name for c in self.spec.conditions]
        for i, name in enumerate(self.plan.conditions):
            if name not in names:
                self.add(("conditions", i), name, ("conditions",), names,
                         f"condition {name!r} is preregistered but the spec has no such "
                         f"condition")
        for j, name in enumerate(names):
            if name not in self.plan.conditions:
                self.add(("conditions",), list(self.plan.conditions),
                         ("conditions", j, "name"), name,
                         f"the spec assigns participants to {name!r}, which the "
                         f"preregistration does not name")

    def sample_size(self) -> None:
        size = self.plan.sample_size
        targets = {c.name: c.target for c in self.spec.conditions}
        if "per_condition" in size:
            for j, c in enumerate(self.spec.conditions):
                if c.target != size["per_condition"]:
                    self.add(("sample_size", "per_condition"), size["per_condition"],
                             ("conditions", j, "target"), c.target,
                             f"condition {c.name!r} recruits a different number")
        if "total" in size and size["total"] != sum(targets.values()):
            self.add(("sample_size", "total"), size["total"], ("conditions",),
                     f"{sum(targets.values())} (sum of the targets)",
                     "the conditions' targets add up to a different total")

    # --- relevance items and answer keys --------------------------------------------------
    def items(self) -> None:
        if not self.plan.attributes:
            return
        if self.lacks(("attributes",), list(self.plan.attributes), StimulusQuestionsSpec,
                      "stimulus_questions", "relevance items are preregistered but the spec "
                      "asks no relevance questions"):
            return
        for step in self.steps(StimulusQuestionsSpec):
            asked = [a.id for a in step.attributes]
            for i, attribute in enumerate(self.plan.attributes):
                if attribute not in asked:
                    self.add(("attributes", i), attribute,
                             ("steps", step.index, "attributes"), asked,
                             f"step {step.id!r} does not ask about {attribute!r}")
            self.answer_key(step)

    def answer_key(self, step: StimulusQuestionsSpec) -> None:
        at = ("steps", step.index, "answer_key" if step.answer_key else "answer_key_from")
        try:
            key = self.answer_key_of(step)
        except LookupError as exc:
            if self.plan.answer_key:
                self.add(("answer_key",), dict(self.plan.answer_key), at,
                         step.answer_key_from, f"the spec's answer key cannot be read: {exc}")
            return
        for attribute, value in self.plan.answer_key.items():
            if key.get(attribute) != value:
                spec_at = (*at, attribute) if step.answer_key else at
                shown = key.get(attribute, "(none)")
                self.add(("answer_key", attribute), value, spec_at,
                         shown if step.answer_key else f"{step.answer_key_from}: {shown}",
                         f"step {step.id!r} keys {attribute!r} differently")

    def trial_levels(self) -> None:
        """Trial blocks named as levels of ``step`` in analyses and filters must exist."""
        blocks = list(dict.fromkeys(s.id for s in self.steps(TrialBlockSpec)))
        if self.plan.design == "trials" and self.lacks(
                ("design",), "trials", TrialBlockSpec, "trial_block",
                "a trial design is preregistered but the spec has no trial block"):
            return
        for i, analysis in enumerate(self.plan.analyses):
            p = analysis.params
            named = [("a", p.get("a")), ("b", p.get("b"))] if p.get("factor") == "step" else []
            if p.get("by") == "step" and isinstance(p.get("order"), list):  # dot_plot
                named += [(("order", k), level) for k, level in enumerate(p["order"])]
            for j, rule in enumerate(p.get("where") or []):
                named += _filter_levels(rule, ("where", j))
            for key, level in named:
                keys = key if isinstance(key, tuple) else (key,)
                if level is not None and str(level) not in blocks:
                    self.add(("analyses", i, *keys), level, ("steps",), blocks,
                             f"{analysis.id}: {level!r} is not a trial block of the spec")
        for j, rule in enumerate(self.plan.trial_filters):
            for keys, level in _filter_levels(rule, ()):
                if str(level) not in blocks:
                    self.add(("trial_filters", j, *keys), level, ("steps",), blocks,
                             f"trial filter: {level!r} is not a trial block of the spec")

    # --- exclusion rules -------------------------------------------------------------------
    def exclusions(self) -> None:
        for i, rule in enumerate(self.plan.exclusions):
            check = RULE_CHECKS.get(rule.rule)
            if check is not None:
                check(self, i, rule)

    def time_limit(self, i: int, rule) -> None:
        minutes = rule.params["minutes"]
        if float(minutes) != self.spec.time_limit_minutes:
            given = "time_limit_minutes" in self.spec_doc.tree
            self.add(("exclusions", i, "minutes"), minutes, ("time_limit_minutes",),
                     f"{self.spec.time_limit_minutes:g}" + ("" if given else " (default)"),
                     "the rule's minutes must be the spec's time limit (a session not "
                     "finished within it is excluded)")

    def gates(self, i: int, rule) -> None:
        limit = rule.params["max_failures"]
        if self.lacks(("exclusions", i, "rule"), rule.rule, ComprehensionGateSpec,
                      "comprehension_gate", "a gate rule is preregistered but the spec has "
                      "no comprehension gate"):
            return
        for gate in self.steps(ComprehensionGateSpec):
            if gate.max_failures != float(limit) + 1:
                self.add(("exclusions", i, "max_failures"), limit,
                         ("steps", gate.index, "max_failures"), gate.max_failures,
                         f"the rule excludes after {float(limit) + 1:g} failures at one gate, "
                         f"gate {gate.id!r} screens out after {gate.max_failures}")

    def relevance_time(self, i: int, rule) -> None:
        seconds = rule.params["seconds"]
        if self.lacks(("exclusions", i, "rule"), rule.rule, StimulusQuestionsSpec,
                      "stimulus_questions", "a relevance-time rule is preregistered but the "
                      "spec asks no relevance questions"):
            return
        for step in self.steps(StimulusQuestionsSpec):
            if step.min_seconds != float(seconds):
                self.add(("exclusions", i, "seconds"), seconds,
                         ("steps", step.index, "min_seconds"), f"{step.min_seconds:g}",
                         f"the rule's seconds must be step {step.id!r}'s minimum time")

    def catch(self, i: int, rule) -> None:
        has_catch = any(t.kind == TrialKind.CATCH for s in self.steps(TrialBlockSpec) for t in s.trials)
        has_catch |= any(s.generate.get(TrialKind.CATCH, 0) > 0 for s in self.steps(TrialBlockSpec))
        if not has_catch:
            self.add(("exclusions", i, "rule"), rule.rule, ("steps",), "(no catch trial)",
                     "a catch-trial rule is preregistered but the spec has no catch trials")

    def free_text(self, i: int, rule) -> None:
        if not (self.steps(FreeTextSpec) or self.steps(StimulusQuestionsSpec)):
            self.add(("exclusions", i, "rule"), rule.rule, ("steps",), "(no free text)",
                     "manual screening of free text is preregistered but the spec asks for "
                     "none (no free_text or stimulus_questions step)")


def _needs(kind, what: str) -> Callable:
    """A rule that can only judge what a step of ``kind`` records."""
    def check(checker: Checker, i: int, rule) -> None:
        checker.lacks(("exclusions", i, "rule"), rule.rule, kind, what,
                      f"rule {rule.rule!r} is preregistered but the spec has no {what} step "
                      f"for it to judge")
    return check


def _filter_levels(rule: dict, at: tuple) -> list:
    if rule.get("column") != "step":
        return []
    if "equals" in rule:
        return [((*at, "equals"), rule["equals"])]
    key = "in" if "in" in rule else "not_in"
    return [((*at, key, k), v) for k, v in enumerate(rule.get(key) or [])]


RULE_CHECKS: dict[str, Callable] = {
    "over_time_limit": Checker.time_limit,
    "gate_failures": Checker.gates,
    "relevance_too_fast": Checker.relevance_time,
    "videos_incomplete": _needs(VideoSpec, "video"),
    "device_too_small": _needs(DeviceCheckSpec, "device_check"),
    "catch_trials": Checker.catch,
    "manual_screening": Checker.free_text,
}


def _default_answer_key(step: StimulusQuestionsSpec) -> dict:
    from studies.answer_keys import answer_key  # reads answer_key_from under BASE_DIR

    return answer_key(step)


def compare(spec_text: str, prereg_text: str, *, spec_name: str = "spec",
            prereg_name: str = "preregistration",
            answer_key_of: Callable | None = None) -> list[Disagreement]:
    """Every disagreement between a spec and a preregistration (empty when they agree).

    Raises ``studies.spec.SpecError`` or ``analysis.prereg.PreregError`` when either file is
    itself invalid."""
    spec = parse_spec(spec_text, source=spec_name)
    plan = prereg_module.parse(prereg_text)
    checker = Checker(spec, plan, Document(spec_text, spec_name), Document(prereg_text, prereg_name),
                      answer_key_of or _default_answer_key)
    checker.identity()
    checker.conditions()
    checker.sample_size()
    checker.items()
    checker.trial_levels()
    checker.exclusions()
    return checker.found


def check(spec_text: str, prereg_text: str, **names) -> None:
    """Raise :class:`StudyMismatch` when the spec and the preregistration disagree."""
    found = compare(spec_text, prereg_text, **names)
    if found:
        raise StudyMismatch(found)
