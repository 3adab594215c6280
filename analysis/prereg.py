"""The preregistration document: a YAML file, loaded and validated into plain dataclasses.

Errors name the offending key (``analyses[1].alternative: ...``). The document holds the
AsPredicted answers (hypotheses, dependent variables, conditions, analyses, exclusions, sample
size, payments, anything else), plus what the software needs to run the plan: the planned tests
with their parameters, exclusion rules with thresholds, an answer key, a ``columns:`` mapping for
files whose column names differ from the tidy export, and trial filters.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .labels import LabelError, Labels
from .labels import read as read_labels

DESIGNS = ("between", "within", "trials")
ALTERNATIVES = ("two-sided", "less", "greater")
CORRECTIONS = ("none", "bonferroni", "holm")
DIRECTIONS = ("less", "greater", "two-sided", "different", "none")


class PreregError(ValueError):
    """The preregistration is invalid; the message names the key."""


@dataclass(frozen=True)
class Hypothesis:
    id: str
    text: str
    direction: str = "two-sided"


@dataclass(frozen=True)
class Analysis:
    id: str
    test: str
    params: dict
    preregistered: bool = True
    description: str = ""
    published: dict = field(default_factory=dict)


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


def parse(text: str) -> Preregistration:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PreregError(f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PreregError("the preregistration must be a YAML mapping (key: value)")
    known = {"title", "study", "design", "hypotheses", "dependent_variables", "conditions",
             "attributes", "answer_key", "exclusions", "sample_size", "payments", "analyses",
             "columns", "constants", "recode", "trial_filters", "questions", "bootstrap", "notes",
             "labels"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise PreregError(f"{unknown[0]}: unknown key (known keys: {', '.join(sorted(known))})")
    design = _choice(data, "design", DESIGNS)
    from .exclusions import RULES
    from .plan import TESTS  # the registry of test kinds; imported late to avoid a cycle

    analyses = tuple(_analysis(i, a, TESTS) for i, a in enumerate(_list(data, "analyses", 1)))
    ids = [a.id for a in analyses]
    if len(set(ids)) != len(ids):
        raise PreregError(f"analyses: duplicate id in {ids}")
    attributes = tuple(str(a) for a in data.get("attributes") or ())
    answer_key = _mapping(data, "answer_key")
    for attribute in answer_key:
        if attribute not in attributes:
            raise PreregError(f"answer_key.{attribute}: not one of the attributes {list(attributes)}")
    conditions = tuple(str(c) for c in _list(data, "conditions", 1))
    try:
        labels = read_labels(data.get("labels"), conditions=conditions, attributes=attributes)
    except LabelError as exc:
        raise PreregError(str(exc)) from exc
    return Preregistration(
        title=_str(data, "title"),
        study=_str(data, "study"),
        design=design,
        hypotheses=tuple(_hypothesis(i, h) for i, h in enumerate(_list(data, "hypotheses", 1))),
        dependent_variables=tuple(_list(data, "dependent_variables", 1)),
        conditions=conditions,
        attributes=attributes,
        answer_key={str(k): str(v) for k, v in answer_key.items()},
        exclusions=tuple(_rule(i, r, RULES) for i, r in enumerate(_list(data, "exclusions", 0))),
        sample_size=_mapping(data, "sample_size"),
        payments=_mapping(data, "payments"),
        analyses=analyses,
        columns={str(k): str(v) for k, v in _mapping(data, "columns").items()},
        constants=_mapping(data, "constants"),
        recode=_mapping(data, "recode"),
        trial_filters=tuple(_filter(i, f) for i, f in enumerate(_list(data, "trial_filters", 0))),
        questions=_mapping(data, "questions"),
        bootstrap={"n_resamples": 2000, "seed": 20211, "confidence_level": 0.95,
                   **_mapping(data, "bootstrap")},
        notes=tuple(str(n) for n in _list(data, "notes", 0)),
        text=text,
        sha256=content_hash(text),
        labels=labels,
    )


def _str(data: dict, key: str, where: str = "") -> str:
    value = data.get(key)
    if value is None or str(value).strip() == "":
        raise PreregError(f"{where}{key}: required, missing or empty")
    return str(value)


def _choice(data: dict, key: str, choices: tuple, where: str = "") -> str:
    value = _str(data, key, where)
    if value not in choices:
        raise PreregError(f"{where}{key}: {value!r} is not one of {', '.join(choices)}")
    return value


def _list(data: dict, key: str, minimum: int) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise PreregError(f"{key}: must be a list")
    if len(value) < minimum:
        raise PreregError(f"{key}: needs at least {minimum} entr{'y' if minimum == 1 else 'ies'}")
    return value


def _mapping(data: dict, key: str) -> dict:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise PreregError(f"{key}: must be a mapping (key: value)")
    return value


def _hypothesis(index: int, entry) -> Hypothesis:
    where = f"hypotheses[{index}]."
    if not isinstance(entry, dict):
        raise PreregError(f"hypotheses[{index}]: must be a mapping with id, text, direction")
    direction = str(entry.get("direction", "two-sided"))
    if direction not in DIRECTIONS:
        raise PreregError(f"{where}direction: {direction!r} is not one of {', '.join(DIRECTIONS)}")
    return Hypothesis(id=_str(entry, "id", where), text=_str(entry, "text", where),
                      direction=direction)


def _analysis(index: int, entry, tests: dict) -> Analysis:
    where = f"analyses[{index}]."
    if not isinstance(entry, dict):
        raise PreregError(f"analyses[{index}]: must be a mapping with id and test")
    test = _str(entry, "test", where)
    if test not in tests:
        raise PreregError(f"{where}test: {test!r} is not a known test ({', '.join(sorted(tests))})")
    params = {k: v for k, v in entry.items()
              if k not in {"id", "test", "preregistered", "description", "published"}}
    if "alternative" in params and params["alternative"] not in ALTERNATIVES:
        raise PreregError(f"{where}alternative: {params['alternative']!r} is not one of "
                          f"{', '.join(ALTERNATIVES)}")
    if "correction" in params and params["correction"] not in CORRECTIONS:
        raise PreregError(f"{where}correction: {params['correction']!r} is not one of "
                          f"{', '.join(CORRECTIONS)}")
    for key in ("alpha", "normality_alpha", "levene_alpha"):
        if key in params and not (isinstance(params[key], int | float) and 0 < params[key] < 1):
            raise PreregError(f"{where}{key}: must be a number between 0 and 1")
    for j, comparison in enumerate(params.get("comparisons") or []):
        alt = comparison.get("alternative", "two-sided")
        if alt not in ALTERNATIVES:
            raise PreregError(f"{where}comparisons[{j}].alternative: {alt!r} is not one of "
                              f"{', '.join(ALTERNATIVES)}")
    missing = [k for k in tests[test].required if k not in params]
    if missing:
        raise PreregError(f"{where}{missing[0]}: required for test {test!r}")
    published = entry.get("published") or {}
    if not isinstance(published, dict):
        raise PreregError(f"{where}published: must be a mapping")
    for j, value in enumerate(published.get("values") or []):
        for key in ("quantity", "value"):
            if not isinstance(value, dict) or key not in value:
                raise PreregError(f"{where}published.values[{j}].{key}: required")
    return Analysis(id=_str(entry, "id", where), test=test, params=params,
                    preregistered=bool(entry.get("preregistered", True)),
                    description=str(entry.get("description", "")), published=published)


def _rule(index: int, entry, rules: dict) -> ExclusionRule:
    where = f"exclusions[{index}]."
    if not isinstance(entry, dict):
        raise PreregError(f"exclusions[{index}]: must be a mapping with 'rule'")
    name = _str(entry, "rule", where)
    if name not in rules:
        raise PreregError(f"{where}rule: {name!r} is not a known rule ({', '.join(rules)})")
    params = {k: v for k, v in entry.items() if k not in {"rule", "text"}}
    for key in rules[name].required:
        if not isinstance(params.get(key), int | float):
            raise PreregError(f"{where}{key}: a number is required for rule {name!r}")
    return ExclusionRule(rule=name, params=params, text=str(entry.get("text", "")))


def _filter(index: int, entry) -> dict:
    if not isinstance(entry, dict) or "column" not in entry or not (
            {"equals", "in", "not_in"} & set(entry)):
        raise PreregError(f"trial_filters[{index}]: needs 'column' and one of equals/in/not_in")
    return entry
