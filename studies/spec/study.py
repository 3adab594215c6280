"""The top level of a study spec: identity, conditions, payment, codes, limits and the steps."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

from explainers.conditions import ConditionSpec, variants_problem

from ..steps.participant_group import ParticipantGroupSpec
from .errors import Problems, SpecError
from .fields import Reader, money
from .images import read_class_names, read_images
from .loader import LineDict, line_of, load_yaml
from .prolific import ProlificSpec, read_prolific
from .steps import (
    FIXED_PER_CONDITION,
    WORDING_PER_GROUP,
    CompletionSpec,
    ConsentSpec,
    StepSpec,
    read_step,
)


@dataclass
class PaymentSpec:
    currency: str = "GBP"
    base: str = "0.00"
    bonus_per_correct: str = "0.00"
    partial: dict[str, str] = field(default_factory=dict)

    def partial_for(self, step_id: str) -> Decimal:
        return Decimal(self.partial.get(step_id, "0"))


@dataclass
class BlockListSpec:
    name: str
    refuse_listed: bool = True
    add_participants: bool = True


@dataclass
class StudySpec:
    slug: str
    title: str
    seed: int
    conditions: list[ConditionSpec]
    steps: list[StepSpec]
    codes: dict[str, str]
    payment: PaymentSpec
    description: str = ""
    checkpoint: str = ""
    images: dict | None = None  # the image source (explainers.image_sources); None: Two4Two
    class_names: list[str] | None = None  # None: the model's
    design: str = "between"
    time_limit_minutes: float = 120.0
    device_min_px: int = 600
    prolific_study_id: str = ""
    block_list: BlockListSpec | None = None
    # the dashboard's live view hides outcome accuracies unless the spec says false
    blind_outcomes: bool = True
    prolific: ProlificSpec = field(default_factory=ProlificSpec)
    overrides: dict[str, dict[str, StepSpec]] = field(default_factory=dict)
    # step id -> participant group -> condition ('' for the step as written) -> the step in that
    # group's wording (a step's ``by_group``)
    by_group: dict[str, dict[str, dict[str, StepSpec]]] = field(default_factory=dict)
    sha256: str = ""

    def condition(self, name: str) -> ConditionSpec | None:
        return next((c for c in self.conditions if c.name == name), None)

    def step(self, index: int, condition: str | None = None, group: str = "") -> StepSpec:
        """Step ``index`` as a participant of ``condition`` (its ``by_condition``) in
        participant group ``group`` (its ``by_group``; '' or a group it does not name: as
        written) sees it."""
        base = self.steps[index]
        # the group's wording exists for the step as written ('') and each by_condition variant
        worded = self.by_group.get(base.id, {}).get(group or "", {})
        found = worded.get(condition or "", worded.get(""))
        return found or self.overrides.get(base.id, {}).get(condition or "", base)

    def index_of(self, step_id: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)

    def code(self, kind: str) -> str:
        return self.codes.get(kind) or self.codes["screened_out"]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _read_conditions(r: Reader) -> list[ConditionSpec]:
    out = []
    for i, node in enumerate(r.list("conditions")):
        c = Reader(r.problems, node, r.sub(f"conditions[{i}]"), r.node.get("conditions"), i)
        variants = c.list("variants", [0])
        problem = variants_problem(variants)
        if problem:
            c.error("variants", problem)
        out.append(ConditionSpec(
            name=c.str("name", slug=True), explainer=c.str("explainer", "", slug=True),
            target=c.int("target", minimum=1), params=dict(c.mapping("params", {})),
            variants=list(variants), label=c.str("label", ""),
            stimulus_key=c.str("stimulus_key", "")))
        c.finish()
    names = [c.name for c in out]
    if not out:
        r.error("conditions", "needs at least one condition")
    for name in {n for n in names if names.count(n) > 1}:
        r.error("conditions", f"condition name {name!r} is used twice")
    return out


def _read_payment(r: Reader, step_ids: list[str]) -> PaymentSpec:
    p = r.child("payment")
    partial_reader = p.child("partial", {})
    partial = {}
    for key, value in partial_reader.node.items():
        partial_reader.used.add(key)
        if key not in step_ids:
            partial_reader.error(key, f"is not a step id (steps: {', '.join(step_ids)})")
        amount = money(partial_reader, key, value)
        if amount is not None:
            partial[key] = amount
    spec = PaymentSpec(currency=p.str("currency", "GBP", choices=("GBP", "USD", "EUR")),
                       base=p.money("base"), bonus_per_correct=p.money("bonus_per_correct", "0"),
                       partial=partial)
    p.finish()
    return spec


def _read_block_list(r: Reader) -> BlockListSpec | None:
    if r.node.get("block_list") is None:
        r.used.add("block_list")
        return None
    b = r.child("block_list")
    spec = BlockListSpec(name=b.str("name", slug=True), refuse_listed=b.bool("refuse_listed", True),
                         add_participants=b.bool("add_participants", True))
    b.finish()
    return spec


def _read_steps(r: Reader, ctx: dict, condition_names: list[str]):
    steps, overrides, by_group = [], {}, {}
    nodes = r.list("steps")
    ctx["prior_ids"] = []
    for i, node in enumerate(nodes):
        s = Reader(r.problems, node, r.sub(f"steps[{i}]"), nodes, i)
        step = read_step(s, i, ctx)
        if step is None:
            continue
        steps.append(step)
        ctx["prior_ids"].append(step.id)
        by = s.child("by_condition", {})
        for cond, override in by.node.items():
            by.used.add(cond)
            if cond not in condition_names:
                by.error(cond, f"is not a condition ({', '.join(condition_names)})")
            o = Reader(r.problems, override, by.sub(str(cond)), by.node, cond)
            bad = [k for k in o.node if k in FIXED_PER_CONDITION]
            for key in bad:
                o.error(key, "cannot be changed per condition")
            merged = LineDict({**node, **o.node})
            merged.line, merged.key_lines = s.line(), {**node.key_lines, **o.node.key_lines}
            merged.pop("by_condition", None)
            variant = read_step(Reader(r.problems, merged, by.sub(str(cond))), i, ctx)
            if variant is not None:
                overrides.setdefault(step.id, {})[cond] = variant
        worded = _read_by_group(r, s, i, ctx, steps[:-1], by.node)
        if worded:
            by_group[step.id] = worded
    return steps, overrides, by_group


def _read_by_group(r: Reader, s: Reader, i: int, ctx: dict, before: list[StepSpec],
                   by_condition: dict) -> dict[str, dict[str, StepSpec]]:
    """A step's ``by_group: {GROUP: {KEY: value}}``: its wording (WORDING_PER_GROUP) for the
    participants a ``participant_group`` step before it put in GROUP, for every condition."""
    by = s.child("by_group", {})
    if not by.node:
        return {}
    groups = list(dict.fromkeys(g for step in before if isinstance(step, ParticipantGroupSpec)
                                for g in step.groups()))
    if not groups:
        by.error(None, "needs a participant_group step before this step (the groups it names)")
        return {}
    out = {}
    for group, override in by.node.items():
        by.used.add(group)
        if group not in groups:
            by.error(group, f"is not a group of the participant_group step(s) before this step "
                            f"({', '.join(groups)})")
            continue
        o = Reader(r.problems, override, by.sub(str(group)), by.node, group)
        if not isinstance(override, dict) or not override:
            o.error(None, "needs the wording to change, e.g. {instructions: ...}")
            continue
        for key in (k for k in override if k not in WORDING_PER_GROUP):
            o.error(key, f"cannot be changed per group (only the wording: "
                         f"{', '.join(WORDING_PER_GROUP)})")
        for cond, cond_override in {"": {}, **by_condition}.items():
            merged = LineDict({**s.node, **(cond_override or {}), **override})
            merged.line = s.line()
            merged.key_lines = {**s.node.key_lines, **getattr(cond_override, "key_lines", {}),
                                **override.key_lines}
            merged.pop("by_condition", None)
            merged.pop("by_group", None)
            step = read_step(Reader(r.problems, merged, by.sub(str(group))), i, ctx)
            if step is not None:
                out.setdefault(group, {})[cond] = step
    return out


def _check_flow(r: Reader, steps: list[StepSpec]) -> None:
    ids = [s.id for s in steps]
    for ident in {x for x in ids if ids.count(x) > 1}:
        r.error("steps", f"step id {ident!r} is used twice")
    if not steps:
        r.error("steps", "needs at least one step")
        return
    if not isinstance(steps[0], ConsentSpec):
        r.problems.add("steps[0]", steps[0].line, "the first step must be a 'consent' step")
    if not isinstance(steps[-1], CompletionSpec):
        r.problems.add(f"steps[{len(steps) - 1}]", steps[-1].line,
                       "the last step must be a 'completion' step")
    for s in steps:
        if isinstance(s, CompletionSpec) and s is not steps[-1]:
            r.problems.add(f"steps[{s.index}]", s.line, "'completion' must be the last step")
        for message in s.link(steps):
            r.problems.add(f"steps[{s.index}]", s.line, message)


def _check_places(r: Reader, spec: StudySpec) -> None:
    targets = sum(c.target or 0 for c in spec.conditions)
    if spec.prolific.max_places and spec.prolific.max_places < targets:
        r.problems.add("prolific.max_places", line_of(r.node.get("prolific"), "max_places"),
                       f"{spec.prolific.max_places} is below the {targets} places the condition "
                       "targets need")


def parse_spec(text: str, source: str = "") -> StudySpec:
    """Parse and validate a spec; raises SpecError listing every problem with key and line."""
    try:
        tree = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise SpecError([("", line, f"not valid YAML: {getattr(exc, 'problem', exc)}")],
                        source) from None
    problems = Problems()
    r = Reader(problems, tree, "")
    conditions = _read_conditions(r)
    device = r.child("device", {})
    ctx = {"device_min_px": device.int("min_px", 600, minimum=1)}
    device.finish()
    steps, overrides, by_group = _read_steps(r, ctx, [c.name for c in conditions])
    prolific = read_prolific(r)
    spec = StudySpec(
        slug=r.str("slug", slug=True), title=r.str("title"), seed=r.int("seed", 0),
        description=r.str("description", ""), checkpoint=r.str("checkpoint", ""),
        images=read_images(r), class_names=read_class_names(r),
        design=r.str("design", "between", choices=("between", "within")),
        time_limit_minutes=r.number("time_limit_minutes", 120.0, minimum=1),
        device_min_px=ctx["device_min_px"], conditions=conditions, steps=steps,
        overrides=overrides, by_group=by_group, codes=prolific.codes, prolific_study_id=prolific.study_id,
        prolific=prolific,
        payment=_read_payment(r, [s.id for s in steps]), block_list=_read_block_list(r),
        blind_outcomes=r.bool("blind_outcomes", True),
        sha256=hashlib.sha256(text.encode()).hexdigest())
    _check_flow(r, steps)
    # a step's version for a condition or a participant group links alike (e.g. the trial
    # block an intuitiveness step rates, and whether it comes before or after it)
    variants = [v for by_condition in overrides.values() for v in by_condition.values()]
    variants += [v for by_cond in by_group.values() for worded in by_cond.values()
                 for v in worded.values()]
    for variant in variants:
        for message in variant.link(steps):
            item = (f"steps[{variant.index}]", variant.line, message)
            if item not in r.problems.items:  # the step as written said it already
                r.problems.add(*item)
    _check_places(r, spec)
    r.finish()
    problems.raise_if_any(source)
    return spec


def load_spec_file(path: str | Path) -> StudySpec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError([("", 0, f"cannot read spec file: {exc.strerror}")], str(path)) from None
    return parse_spec(text, source=str(path))
