"""The options a planned test accepts: their types, allowed values and stated defaults.

Each test kind in :mod:`analysis.statistical_tests` and each exclusion rule in
:mod:`analysis.exclusions` declares one ``params`` dict of :class:`Param`; the preregistration loader (:mod:`analysis.prereg`) refuses any key a kind does not declare and any
value outside what the Param allows, naming key and line. An option left out takes the Param's
default, which the report prints as a *stated default* (never as preregistered); a Param without
a default must be written down.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()

ALTERNATIVES = ("two-sided", "less", "greater")


class Source:
    """Where the value of an option comes from (reported per test)."""

    PREREGISTERED = "preregistered"
    STATED_CHOICE = "stated choice"   # written in the file, but not in the preregistration
    STATED_DEFAULT = "stated default"  # not written; the platform's default


@dataclass(frozen=True)
class Param:
    kind: str
    choices: tuple = ()
    default: object = REQUIRED
    fields: dict = field(default_factory=dict)  # kind 'entries': the keys of each entry
    doc: str = ""
    ref: str = ""  # 'condition', 'attribute' or 'analysis': the value must name one

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def problem(self, value) -> str | None:
        """Why ``value`` is not allowed, or None (entries are checked key by key elsewhere)."""
        kind = self.kind
        if kind == "choice":
            return None if value in self.choices else (
                f"{value!r} is not one of {', '.join(map(str, self.choices))}")
        if kind == "probability":
            ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1
            return None if ok else f"must be a number between 0 and 1, got {value!r}"
        if kind == "flag":
            return None if isinstance(value, bool) else f"must be true or false, got {value!r}"
        if kind == "text":
            return None if isinstance(value, str) and value.strip() else (
                f"must be a non-empty text, got {value!r}")
        if kind == "number":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            return None if ok else f"must be a number, got {value!r}"
        if kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                return f"must be a whole number of at least 1, got {value!r}"
            return None
        if kind == "names":
            ok = isinstance(value, list) and value and all(isinstance(v, str) for v in value)
            return None if ok else f"must be a list of names, got {value!r}"
        if kind == "scalar":
            ok = isinstance(value, str | int | float | bool)
            return None if ok else f"must be a single value, got {value!r}"
        if kind == "list":
            return None if isinstance(value, list) else f"must be a list, got {value!r}"
        if kind in ("entries", "filters"):
            return None if isinstance(value, list) else f"must be a list of mappings, got {value!r}"
        raise ValueError(f"unknown Param kind {kind!r}")


def choice(*values, default=REQUIRED, doc: str = "") -> Param:
    return Param("choice", choices=tuple(values), default=default, doc=doc)


def probability(default=REQUIRED, doc: str = "") -> Param:
    return Param("probability", default=default, doc=doc)


def flag(default=REQUIRED, doc: str = "") -> Param:
    return Param("flag", default=default, doc=doc)


def text(default=REQUIRED, doc: str = "", ref: str = "") -> Param:
    return Param("text", default=default, doc=doc, ref=ref)


def number(default=REQUIRED, doc: str = "") -> Param:
    return Param("number", default=default, doc=doc)


def integer(default=REQUIRED, doc: str = "") -> Param:
    return Param("integer", default=default, doc=doc)


def scalar(default=REQUIRED, doc: str = "") -> Param:
    return Param("scalar", default=default, doc=doc)


def names(default=REQUIRED, doc: str = "", ref: str = "") -> Param:
    return Param("names", default=default, doc=doc, ref=ref)


def entries(fields: dict, default=REQUIRED, doc: str = "") -> Param:
    return Param("entries", fields=fields, default=default, doc=doc)


FILTER = {"column": text(), "equals": Param("scalar", default=None),
          "in": Param("list", default=None), "not_in": Param("list", default=None)}


def filters(default=(), doc: str = "rows to keep (column + equals/in/not_in)") -> Param:
    return Param("filters", fields=FILTER, default=default, doc=doc)


def alternative(default=REQUIRED) -> Param:
    return choice(*ALTERNATIVES, default=default,
                  doc="direction of the alternative hypothesis (a compared with b)")
