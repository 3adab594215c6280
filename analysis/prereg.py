"""The preregistration document: a YAML file, loaded and validated into plain dataclasses.

Errors name the offending key and its line (``analyses[1].alternative: 'les' is not one of
two-sided, less, greater (line 88)``): an unknown key at any level or a value outside what the
key allows is refused, never read with a default. Which options each test kind takes, and
their stated defaults, is declared once per kind in :mod:`analysis.statistical_tests`. The document holds the
AsPredicted answers (hypotheses, dependent variables, conditions, analyses, exclusions, sample
size, payments, anything else), plus what the software needs to run the plan: the planned tests
with their parameters, exclusion rules with thresholds, an answer key, a ``columns:`` mapping for
files whose column names differ from the tidy export, and trial filters.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from studies.export_contract import Relevance

from . import params as P
from .labels import LabelError, Labels
from .labels import read as read_labels

DESIGNS = ("between", "within", "trials")
DIRECTIONS = ("less", "greater", "two-sided", "different", "none")
RELEVANCE = tuple(Relevance)  # an answer key's values


class PreregError(ValueError):
    """The preregistration is invalid; the message names the key."""


@dataclass(frozen=True)
class Hypothesis:
    id: str
    text: str
    direction: str = "two-sided"


@dataclass(frozen=True)
class Analysis:
    """One analysis of the plan. ``params``: the options written in the file; ``stated``: those
    of them the preregistration itself does not name (its ``stated_choices:``). ``planned``:
    part of the plan (not exploratory); ``preregistered``: planned, in a document that is a
    preregistration (a re-analysis plan, ``preregistered: false``, has planned tests that are
    not preregistered)."""

    id: str
    test: str
    params: dict
    preregistered: bool = True
    description: str = ""
    published: dict = field(default_factory=dict)
    stated: tuple[str, ...] = ()
    planned: bool = True

    @cached_property
    def kind(self):
        from .statistical_tests import TESTS

        return TESTS[self.test]

    def value(self, name: str):
        """The option's value: as written, else the test kind's stated default."""
        if name not in self.kind.params:
            raise KeyError(f"{self.test} has no option {name!r}")
        if name in self.params:
            return self.params[name]
        default = self.kind.params[name].default
        if default is P.REQUIRED:
            raise KeyError(f"{self.id}: option {name!r} is required")
        return default

    @cached_property
    def options(self) -> dict[str, dict]:
        """Every option that shapes this test, with its value and where the value comes from:
        ``preregistered``, ``stated choice`` (written here, not in the preregistration) or
        ``stated default`` (left out; the platform's default)."""
        out = {}
        for name in self.kind.params:
            if name in self.params:
                source = (P.Source.PREREGISTERED if self.preregistered and name not in self.stated
                          else P.Source.STATED_CHOICE)
            else:
                source = P.Source.STATED_DEFAULT
            value = self.value(name)
            out[name] = {"value": list(value) if isinstance(value, tuple) else value,
                         "source": source}
        return out


@dataclass(frozen=True)
class ExclusionRule:
    rule: str
    params: dict
    text: str = ""


@dataclass(frozen=True)
class Preregistration:
    title: str
    study: str
    design: str
    hypotheses: tuple[Hypothesis, ...]
    dependent_variables: tuple[dict, ...]
    conditions: tuple[str, ...]
    attributes: tuple[str, ...]
    answer_key: dict
    exclusions: tuple[ExclusionRule, ...]
    sample_size: dict
    payments: dict
    analyses: tuple[Analysis, ...]
    columns: dict
    constants: dict
    recode: dict
    trial_filters: tuple[dict, ...]
    questions: dict
    bootstrap: dict
    notes: tuple[str, ...]
    text: str
    sha256: str
    labels: Labels = field(default_factory=Labels)
    preregistered: bool = True

    def analysis(self, analysis_id: str) -> Analysis:
        for analysis in self.analyses:
            if analysis.id == analysis_id:
                return analysis
        raise KeyError(analysis_id)

    def rule(self, name: str) -> ExclusionRule | None:
        return next((r for r in self.exclusions if r.rule == name), None)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load(path: str | Path) -> Preregistration:
    path = Path(path)
    if not path.exists():
        raise PreregError(f"preregistration file {path} does not exist")
    return parse(path.read_text(encoding="utf-8"))


TOP = {"title", "study", "design", "preregistered", "hypotheses", "dependent_variables",
       "conditions", "attributes", "answer_key", "exclusions", "sample_size", "payments",
       "analyses", "columns", "constants", "recode", "trial_filters", "questions", "bootstrap",
       "notes", "labels"}
HYPOTHESIS = {"id", "text", "direction"}
DEPENDENT_VARIABLE = {"id", "description"}
QUESTIONS = {"data_collected", "main_question", "dependent_variables", "conditions",
             "analyses", "outliers", "sample_size", "other"}
SAMPLE_SIZE = {"total": "count", "per_condition": "count", "text": "text"}
PAYMENTS = {"max_gbp", "base_gbp", "max_bonus_gbp", "bonus_per_correct_gbp", "partial", "text"}
BOOTSTRAP = {"n_resamples": "count", "seed": "count", "confidence_level": "probability"}
ANALYSIS = {"id", "test", "preregistered", "description", "published", "stated_choices"}
PUBLISHED_VALUE = {"row", "quantity", "value", "tolerance", "bound", "explanation"}
QUANTITIES = {"statistic", "p", "p_adjusted", "effect_size", "n", "df_within", "mean", "sem",
              "two_sem", "n_subjects", "trials", "boot_ci_low", "boot_ci_high"}


class Lines:
    """Line numbers of every key and list entry of the YAML text (yaml's node marks)."""

    def __init__(self, text: str):
        self.marks: dict[tuple, int] = {}
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            node = None
        if node is not None:
            self._walk(node, ())

    def _walk(self, node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = (*path, _key(key))
                self.marks.setdefault(here, key.start_mark.line + 1)
                self._walk(value, here)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.marks.setdefault((*path, i), item.start_mark.line + 1)
                self._walk(item, (*path, i))

    def line(self, path: tuple) -> int | None:
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return None


def _key(node):
    """The key as yaml.safe_load reads it (``on``/``yes`` are booleans, ``2`` an int)."""
    try:
        return yaml.SafeLoader(  # a throwaway loader only to construct this scalar
            "").construct_object(node) if isinstance(node, yaml.ScalarNode) else node.value
    except yaml.YAMLError:
        return node.value


class _Reader:
    """Validation helpers that name the key path and its line in every error."""

    def __init__(self, text: str):
        self.lines = Lines(text)
        self.refs: list[tuple[tuple, str, object]] = []  # (path, 'condition'/..., value)

    def check_refs(self, known: dict[str, list[str]]) -> None:
        """Options that name a condition, attribute or earlier analysis name one that exists."""
        for path, ref, value in self.refs:
            names = known[ref] if ref != "analysis" else known[ref][:path[1]]
            for i, name in enumerate(value if isinstance(value, list | tuple) else [value]):
                if str(name) not in names:
                    at = (*path, i) if isinstance(value, list | tuple) else path
                    what = {"analysis": "an earlier analysis", "attribute": "an attribute",
                            "condition": "a condition"}[ref]
                    raise self.error(at, f"{name!r} is not {what} of this preregistration "
                                         f"({', '.join(names) or 'none'})")

    @staticmethod
    def name(path: tuple) -> str:
        out = ""
        for part in path:
            out += f"[{part}]" if isinstance(part, int) and not isinstance(part, bool) else (f".{part}" if out else str(part))
        return out

    def error(self, path: tuple, message: str) -> PreregError:
        line = self.lines.line(path)
        where = f" (line {line})" if line else ""
        return PreregError(f"{self.name(path)}: {message}{where}" if path else
                           f"{message}{where}")

    def located(self, message: str) -> PreregError:
        """A message that starts with a dotted key path ('labels.short.inn: ...'), with the
        line of that key added."""
        path = tuple(message.split(":", 1)[0].split("."))
        line = self.lines.line(path)
        return PreregError(f"{message} (line {line})" if line else message)

    def keys(self, data: dict, path: tuple, known, what: str = "") -> None:
        for key in data:
            if isinstance(key, bool):
                raise self.error((*path, key), "YAML reads this key (on/off/yes/no) as "
                                               "true/false; quote it or use the option's name")
            if key not in known:
                hint = f" for {what}" if what else ""
                raise self.error((*path, key), f"unknown key{hint} (known keys: "
                                               f"{', '.join(sorted(map(str, known)))})")

    def text(self, data: dict, key: str, path: tuple = ()) -> str:
        value = data.get(key)
        if value is None or str(value).strip() == "":
            raise self.error((*path, key), "required, missing or empty")
        if isinstance(value, dict | list):
            raise self.error((*path, key), "must be a text, not a list or mapping")
        return str(value)

    def choice(self, data: dict, key: str, choices, path: tuple = (), default=None) -> str:
        value = data.get(key, default)
        if value is None:
            raise self.error((*path, key), "required, missing or empty")
        if value not in choices:
            raise self.error((*path, key), f"{value!r} is not one of {', '.join(choices)}")
        return value

    def flag(self, data: dict, key: str, path: tuple = (), default: bool = True) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.error((*path, key), f"{value!r}: must be true or false")
        return value

    def list(self, data: dict, key: str, minimum: int, path: tuple = ()) -> list:
        value = data.get(key)
        value = [] if value is None else value
        if not isinstance(value, list):
            raise self.error((*path, key), "must be a list")
        if len(value) < minimum:
            raise self.error((*path, key), f"needs at least {minimum} "
                                           f"entr{'y' if minimum == 1 else 'ies'}")
        return value

    def mapping(self, data: dict, key: str, path: tuple = ()) -> dict:
        value = data.get(key)
        value = {} if value is None else value
        if not isinstance(value, dict):
            raise self.error((*path, key), "must be a mapping (key: value)")
        return value

    def names(self, data: dict, key: str, minimum: int) -> tuple[str, ...]:
        values = self.list(data, key, minimum)
        for i, value in enumerate(values):
            if not isinstance(value, str | int | float) or isinstance(value, bool) or (
                    str(value).strip() == ""):
                raise self.error((key, i), f"{value!r}: must be a name")
        names = tuple(str(v) for v in values)
        if len(set(names)) != len(names):
            raise self.error((key,), f"duplicate entries in {list(names)}")
        return names

    def typed(self, data: dict, spec: dict, path: tuple) -> dict:
        """A flat mapping whose keys are in ``spec`` (key -> 'count'/'text'/'probability')."""
        self.keys(data, path, spec)
        for key, kind in spec.items():
            if key not in data:
                continue
            value = data[key]
            ok = {"count": isinstance(value, int) and not isinstance(value, bool) and value >= 0,
                  "text": isinstance(value, str),
                  "probability": isinstance(value, int | float) and not isinstance(value, bool)
                  and 0 < value < 1}[kind]
            if not ok:
                raise self.error((*path, key), f"{value!r}: must be a "
                                               f"{ {'count': 'whole number >= 0'}.get(kind, kind)}")
        return data


def parse(text: str) -> Preregistration:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PreregError(f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PreregError("the preregistration must be a YAML mapping (key: value)")
    r = _Reader(text)
    r.keys(data, (), TOP)
    design = r.choice(data, "design", DESIGNS)
    from .exclusions import RULES
    from .statistical_tests import (
        TESTS,  # the registry of test kinds; imported late to avoid a cycle
    )

    preregistered = r.flag(data, "preregistered")
    analyses = tuple(_analysis(r, i, a, TESTS, preregistered)
                     for i, a in enumerate(r.list(data, "analyses", 1)))
    ids = [a.id for a in analyses]
    if len(set(ids)) != len(ids):
        raise r.error(("analyses",), f"duplicate id in {ids}")
    attributes = r.names(data, "attributes", 0)
    answer_key = r.mapping(data, "answer_key")
    for attribute, value in answer_key.items():
        if attribute not in attributes:
            raise r.error(("answer_key", attribute),
                          f"not one of the attributes {list(attributes)}")
        if str(value).strip().lower() not in RELEVANCE:
            raise r.error(("answer_key", attribute),
                          f"{value!r} is not one of {', '.join(RELEVANCE)}")
    conditions = r.names(data, "conditions", 1)
    r.check_refs({"condition": list(conditions), "attribute": list(attributes),
                  "analysis": ids})
    try:
        labels = read_labels(data.get("labels"), conditions=conditions, attributes=attributes)
    except LabelError as exc:
        raise r.located(str(exc)) from exc
    questions = r.mapping(data, "questions")
    r.keys(questions, ("questions",), QUESTIONS)
    payments = r.mapping(data, "payments")
    r.keys(payments, ("payments",), PAYMENTS)
    return Preregistration(
        title=r.text(data, "title"),
        study=r.text(data, "study"),
        design=design,
        hypotheses=tuple(_hypothesis(r, i, h) for i, h in enumerate(r.list(data, "hypotheses", 1))),
        dependent_variables=tuple(_dependent(r, i, d) for i, d in
                                  enumerate(r.list(data, "dependent_variables", 1))),
        conditions=conditions,
        attributes=attributes,
        answer_key={str(k): str(v).strip().lower() for k, v in answer_key.items()},
        exclusions=tuple(_rule(r, i, e, RULES) for i, e in enumerate(r.list(data, "exclusions", 0))),
        sample_size=r.typed(r.mapping(data, "sample_size"), SAMPLE_SIZE, ("sample_size",)),
        payments=payments,
        analyses=analyses,
        columns={str(k): str(v) for k, v in r.mapping(data, "columns").items()},
        constants=r.mapping(data, "constants"),
        recode=_recode(r, r.mapping(data, "recode")),
        trial_filters=tuple(_filter(r, ("trial_filters", i), f)
                            for i, f in enumerate(r.list(data, "trial_filters", 0))),
        questions=questions,
        bootstrap={"n_resamples": 2000, "seed": 20211, "confidence_level": 0.95,
                   **r.typed(r.mapping(data, "bootstrap"), BOOTSTRAP, ("bootstrap",))},
        notes=tuple(str(n) for n in r.list(data, "notes", 0)),
        text=text,
        sha256=content_hash(text),
        labels=labels,
        preregistered=preregistered,
    )


def _entry(r: _Reader, path: tuple, entry, what: str) -> dict:
    if not isinstance(entry, dict):
        raise r.error(path, f"must be a mapping with {what}")
    return entry


def _hypothesis(r: _Reader, index: int, entry) -> Hypothesis:
    path = ("hypotheses", index)
    entry = _entry(r, path, entry, "id, text, direction")
    r.keys(entry, path, HYPOTHESIS)
    return Hypothesis(id=r.text(entry, "id", path), text=r.text(entry, "text", path),
                      direction=r.choice(entry, "direction", DIRECTIONS, path, "two-sided"))


def _dependent(r: _Reader, index: int, entry) -> dict:
    path = ("dependent_variables", index)
    entry = _entry(r, path, entry, "id and description")
    r.keys(entry, path, DEPENDENT_VARIABLE)
    r.text(entry, "id", path)
    return entry


def _recode(r: _Reader, recode: dict) -> dict:
    for column, mapping in recode.items():
        if not isinstance(mapping, dict):
            raise r.error(("recode", column), "must be a mapping old value -> new value")
    return recode


def _param(r: _Reader, path: tuple, param: P.Param, value):
    """Check one option against its Param; lists of entries key by key. Returns the value
    with the entries' defaults filled in."""
    problem = param.problem(value)
    if problem:
        raise r.error(path, problem)
    if param.ref:
        r.refs.append((path, param.ref, value))
    if param.kind == "filters":
        return [_filter(r, (*path, i), f) for i, f in enumerate(value)]
    if param.kind != "entries":
        return value
    out = []
    for i, entry in enumerate(value):
        here = (*path, i)
        entry = _entry(r, here, entry, ", ".join(param.fields))
        r.keys(entry, here, param.fields)
        filled = {}
        for key, sub in param.fields.items():
            if key in entry:
                filled[key] = _param(r, (*here, key), sub, entry[key])
            elif sub.required:
                raise r.error((*here, key), "required")
            else:
                filled[key] = sub.default
        out.append(filled)
    return out


def _analysis(r: _Reader, index: int, entry, tests: dict, document_preregistered: bool):
    path = ("analyses", index)
    entry = _entry(r, path, entry, "id and test")
    test = r.text(entry, "test", path)
    if test not in tests:
        raise r.error((*path, "test"), f"{test!r} is not a known test "
                                       f"({', '.join(sorted(tests))})")
    kind = tests[test]
    r.keys(entry, path, ANALYSIS | set(kind.params), f"test {test!r}")
    stated = r.mapping(entry, "stated_choices", path)
    r.keys(stated, (*path, "stated_choices"), set(kind.params), f"test {test!r}")
    params = {}
    for key, value in entry.items():
        if key not in ANALYSIS:
            params[key] = _param(r, (*path, key), kind.params[key], value)
    for key, value in stated.items():
        if key in params:
            raise r.error((*path, "stated_choices", key), "also given above; give it once")
        params[key] = _param(r, (*path, "stated_choices", key), kind.params[key], value)
    missing = [k for k in kind.required if k not in params]
    if missing:
        raise r.error((*path, missing[0]), f"required for test {test!r}")
    planned = r.flag(entry, "preregistered", path)
    return Analysis(id=r.text(entry, "id", path), test=test, params=params,
                    preregistered=planned and document_preregistered, planned=planned,
                    description=str(entry.get("description", "")),
                    published=_published(r, path, entry), stated=tuple(stated))


def _published(r: _Reader, path: tuple, entry: dict) -> dict:
    published = r.mapping(entry, "published", path)
    here = (*path, "published")
    r.keys(published, here, {"values"})
    values = r.list(published, "values", 0, here)
    for j, value in enumerate(values):
        at = (*here, "values", j)
        value = _entry(r, at, value, "quantity and value")
        r.keys(value, at, PUBLISHED_VALUE)
        for key in ("quantity", "value"):
            if key not in value:
                raise r.error((*at, key), "required")
        if value["quantity"] not in QUANTITIES:
            raise r.error((*at, "quantity"), f"{value['quantity']!r} is not one of "
                                             f"{', '.join(sorted(QUANTITIES))}")
        if "bound" in value and value["bound"] != "below":
            raise r.error((*at, "bound"), f"{value['bound']!r} is not one of below")
        for key in ("value", "tolerance"):
            if key in value and (isinstance(value[key], bool) or
                                 not isinstance(value[key], int | float)):
                raise r.error((*at, key), f"{value[key]!r}: must be a number")
    return published


def _rule(r: _Reader, index: int, entry, rules: dict) -> ExclusionRule:
    path = ("exclusions", index)
    entry = _entry(r, path, entry, "'rule'")
    name = r.text(entry, "rule", path)
    if name not in rules:
        raise r.error((*path, "rule"), f"{name!r} is not a known rule ({', '.join(rules)})")
    spec = rules[name]
    r.keys(entry, path, {"rule", "text", *spec.params}, f"rule {name!r}")
    params = {k: v for k, v in entry.items() if k not in {"rule", "text"}}
    for key, param in spec.params.items():  # every threshold is required (no default)
        if key not in params or param.problem(params[key]):
            raise r.error((*path, key), f"a {param.kind} is required for rule {name!r}")
    return ExclusionRule(rule=name, params=params, text=str(entry.get("text", "")))


def _filter(r: _Reader, path: tuple, entry) -> dict:
    entry = _entry(r, path, entry, "'column' and one of equals/in/not_in")
    r.keys(entry, path, P.FILTER)
    given = [k for k in ("equals", "in", "not_in") if k in entry]
    if "column" not in entry or len(given) != 1:
        raise r.error(path, "needs 'column' and exactly one of equals/in/not_in")
    for key in ("in", "not_in"):
        if key in entry and not isinstance(entry[key], list):
            raise r.error((*path, key), "must be a list")
    return entry
