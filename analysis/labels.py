"""Display names of a preregistration's conditions and attributes in the report (``labels:``).

The paper's tables and figures use their own names (Table 2: "INN", "Backgr.", "Posture";
Figure 4: "BASE", "CON", "INN"); the analysis keeps the names of the data. Every name not given
is shown as it is in the data; unknown keys, conditions and attributes are refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SECTIONS = {"conditions": "condition", "short": "condition", "attributes": "attribute"}


class LabelError(ValueError):
    pass


@dataclass(frozen=True)
class Labels:
    conditions: dict = field(default_factory=dict)   # Table 2 rows
    short: dict = field(default_factory=dict)        # figure legends
    attributes: dict = field(default_factory=dict)   # Table 2 columns
    total: str = "all"                               # Table 2's row over every condition

    def condition(self, name: str) -> str:
        return self.conditions.get(name, name)

    def condition_short(self, name: str) -> str:
        return self.short.get(name, self.condition(name))

    def attribute(self, name: str) -> str:
        return self.attributes.get(name, name)


def read(data, *, conditions, attributes) -> Labels:
    if data is None:
        return Labels()
    if not isinstance(data, dict):
        raise LabelError("labels: must be a mapping (conditions, short, attributes, total)")
    unknown = sorted(set(data) - {*SECTIONS, "total"})
    if unknown:
        raise LabelError(f"labels.{unknown[0]}: unknown key (known: attributes, conditions, "
                         f"short, total)")
    names = {"condition": set(conditions), "attribute": set(attributes)}
    out = {}
    for section, kind in SECTIONS.items():
        value = data.get(section) or {}
        if not isinstance(value, dict):
            raise LabelError(f"labels.{section}: must be a mapping ({kind}: label)")
        for key, label in value.items():
            if str(key) not in names[kind]:
                raise LabelError(f"labels.{section}.{key}: not a {kind} of the preregistration "
                                 f"({', '.join(sorted(names[kind]))})")
            if not isinstance(label, str) or not label.strip():
                raise LabelError(f"labels.{section}.{key}: a non-empty text is required")
        out[section] = {str(k): v for k, v in value.items()}
    total = data.get("total", "all")
    if not isinstance(total, str) or not total.strip():
        raise LabelError("labels.total: a non-empty text is required")
    return Labels(**out, total=total)
