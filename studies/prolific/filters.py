"""The spec's audience filters as Prolific's ``filters`` array, and the cross-study block list
as Prolific's "Custom Blocklist" filter.

Select filters name choices by their label; Prolific wants its choice ids, so the labels are
looked up in Prolific's own list (``GET /api/v1/filters/``). A label Prolific does not offer, a
filter it does not know, or a filter of another type is an error, never dropped.
"""

from __future__ import annotations

from studies.models import BlockEntry, Study
from studies.spec import StudySpec
from studies.spec.prolific import FilterKind, FilterSpec

BLOCKLIST_FILTER = "custom_blocklist"


class FilterError(ValueError):
    """A spec filter that Prolific cannot take as written."""


def _number(value: float):
    return int(value) if float(value).is_integer() else value


def _select(spec: FilterSpec, remote: dict) -> dict:
    choices = remote.get("choices") or {}
    by_label = {label: choice_id for choice_id, label in choices.items()}
    missing = [label for label in spec.labels if label not in by_label]
    if missing:
        offered = ", ".join(repr(v) for v in list(choices.values())[:40])
        raise FilterError(f"prolific.filters.{spec.filter_id} (line {spec.line}): Prolific offers "
                          f"no choice {', '.join(map(repr, missing))}; its choices: {offered}")
    return {"filter_id": spec.filter_id,
            "selected_values": [str(by_label[label]) for label in spec.labels]}


def _range(spec: FilterSpec) -> dict:
    bounds = {}
    if spec.lower is not None:
        bounds["lower"] = _number(spec.lower)
    if spec.upper is not None:
        bounds["upper"] = _number(spec.upper)
    return {"filter_id": spec.filter_id, "selected_range": bounds}


def resolve(filters: list[FilterSpec], catalogue: list[dict]) -> list[dict]:
    """Prolific's ``filters`` array for the spec's filters, checked against ``catalogue``."""
    by_id = {f.get("filter_id"): f for f in catalogue}
    out = []
    for spec in filters:
        remote = by_id.get(spec.filter_id)
        if remote is None:
            raise FilterError(f"prolific.filters.{spec.filter_id} (line {spec.line}): Prolific "
                              "lists no such filter")
        if remote.get("type") != spec.kind:
            raise FilterError(f"prolific.filters.{spec.filter_id} (line {spec.line}): Prolific's "
                              f"filter is of type {remote.get('type')!r}, not {spec.kind!r}")
        out.append(_select(spec, remote) if spec.kind == FilterKind.SELECT else _range(spec))
    return out


def blocked_pids(study: Study, spec: StudySpec) -> list[str]:
    """Prolific IDs on the spec's block list that took part in another study (e.g. the pilot)."""
    if spec.block_list is None or not spec.block_list.refuse_listed:
        return []
    return list(BlockEntry.objects.filter(list_name=spec.block_list.name)
                .exclude(source_study=study.slug).order_by("prolific_pid")
                .values_list("prolific_pid", flat=True))


def block_list_filter(study: Study, spec: StudySpec) -> list[dict]:
    pids = blocked_pids(study, spec)
    return [{"filter_id": BLOCKLIST_FILTER, "selected_values": pids}] if pids else []
