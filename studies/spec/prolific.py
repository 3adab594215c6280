"""The spec's ``prolific`` block: completion codes, audience filters, the places cap and the
grace period after which a session without a Prolific submission is released.

Filters use Prolific's own filter ids (``GET /api/v1/filters/``). A *select* filter lists choice
labels exactly as Prolific shows them (``fluent-languages: [English]``); they are turned into
Prolific's choice ids when the draft is made. A *range* filter is ``{min: 90, max: 100}``, sent as
``selected_range: {lower, upper}``. Only the filters below are known here; any other name is an
error naming its key and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .fields import Reader

CODE_KINDS = ("completion", "screened_out", "no_consent", "device", "timed_out")


class FilterKind(StrEnum):
    SELECT = "select"
    RANGE = "range"


# Prolific filter ids this platform knows, with their type (Prolific's "Filters Overview").
KNOWN_FILTERS = {
    "approval_rate": FilterKind.RANGE,
    "approval_numbers": FilterKind.RANGE,
    "age": FilterKind.RANGE,
    "fluent-languages": FilterKind.SELECT,
    "first-language": FilterKind.SELECT,
    "primary-language": FilterKind.SELECT,
    "highest-education-level-completed": FilterKind.SELECT,
    "current-country-of-residence": FilterKind.SELECT,
}


@dataclass
class FilterSpec:
    filter_id: str
    kind: str
    labels: list[str] = field(default_factory=list)  # select
    lower: float | None = None  # range
    upper: float | None = None
    line: int = 0


@dataclass
class ProlificSpec:
    study_id: str = ""
    codes: dict[str, str] = field(default_factory=dict)
    filters: list[FilterSpec] = field(default_factory=list)
    max_places: int = 0  # 0: never raise places beyond the condition targets
    unmatched_grace_minutes: float = 10.0


def _read_range(f: Reader, key: str, value, line: int) -> FilterSpec | None:
    r = Reader(f.problems, value, f.sub(key), f.node, key)
    lower, upper = r.number("min", None, minimum=0), r.number("max", None, minimum=0)
    r.finish()
    if lower is None and upper is None:
        f.error(key, "a range filter needs min and/or max")
        return None
    if lower is not None and upper is not None and lower > upper:
        f.error(key, f"min {lower:g} is above max {upper:g}")
    return FilterSpec(key, FilterKind.RANGE, lower=lower, upper=upper, line=line)


def _read_filters(p: Reader) -> list[FilterSpec]:
    f = p.child("filters", {})
    out = []
    for key, value in f.node.items():
        f.used.add(key)
        kind, line = KNOWN_FILTERS.get(key), f.line(key)
        if kind is None:
            f.error(key, f"unknown Prolific filter {key!r} (known: {', '.join(KNOWN_FILTERS)})")
        elif kind == FilterKind.RANGE:
            if spec := _read_range(f, key, value, line):
                out.append(spec)
        elif not isinstance(value, list) or not value or not all(
                isinstance(v, str) and v.strip() for v in value):
            f.error(key, "a select filter is a non-empty list of Prolific's choice labels")
        else:
            out.append(FilterSpec(key, FilterKind.SELECT, labels=list(value), line=line))
    return out


def read_prolific(r: Reader) -> ProlificSpec:
    p = r.child("prolific")
    codes_reader = p.child("codes")
    codes = {}
    for kind in CODE_KINDS:
        required = kind in ("completion", "screened_out", "no_consent")
        value = codes_reader.str(kind) if required else codes_reader.str(kind, "")
        if value:
            codes[kind] = value
    codes_reader.finish()
    spec = ProlificSpec(study_id=p.str("study_id", ""), codes=codes, filters=_read_filters(p),
                        max_places=p.int("max_places", 0, minimum=0),
                        unmatched_grace_minutes=p.number("unmatched_grace_minutes", 10.0,
                                                         minimum=1))
    p.finish()
    return spec
