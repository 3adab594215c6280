"""Typed reads from a YAML mapping that record (path, line, message) problems instead of raising."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .errors import Problems
from .loader import line_of

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MISSING = object()


class Reader:
    """Reads fields of one mapping; unknown keys are problems too (typos must not pass silently)."""

    def __init__(self, problems: Problems, node, path: str, parent=None, parent_key=None):
        self.problems = problems
        self.path = path
        self.used: set = set()
        if not isinstance(node, dict):
            line = line_of(parent, parent_key) if parent is not None else getattr(node, "line", 0)
            problems.add(path, line, f"must be a mapping, got {type(node).__name__}")
            node = {}
        self.node = node

    def sub(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def line(self, key=None) -> int:
        return line_of(self.node, key)

    def error(self, key, message: str) -> None:
        self.problems.add(self.sub(key) if key is not None else self.path, self.line(key), message)

    def raw(self, key: str, default=MISSING):
        self.used.add(key)
        if key not in self.node or self.node[key] is None:
            if default is MISSING:
                self.error(key, "is required")
                return None
            return default
        return self.node[key]

    def str(self, key: str, default=MISSING, *, slug=False, choices=None) -> str | None:
        value = self.raw(key, default)
        if value is None or (value is default and default is not MISSING):
            return value
        if not isinstance(value, str) or not value.strip():
            self.error(key, "must be a non-empty string")
            return None
        if slug and not SLUG.match(value):
            self.error(key, f"{value!r} must be lower-case letters, digits, '-' or '_'")
        if choices and value not in choices:
            self.error(key, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def int(self, key: str, default=MISSING, *, minimum=None) -> int | None:
        value = self.raw(key, default)
        if value is None or (value is default and default is not MISSING):
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"must be an integer, got {value!r}")
            return None
        if minimum is not None and value < minimum:
            self.error(key, f"must be at least {minimum}, got {value}")
        return value

    def number(self, key: str, default=MISSING, *, minimum=None) -> float | None:
        value = self.raw(key, default)
        if value is None or (value is default and default is not MISSING):
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(key, f"must be a number, got {value!r}")
            return None
        if minimum is not None and value < minimum:
            self.error(key, f"must be at least {minimum}, got {value}")
        return float(value)

    def money(self, key: str, default=MISSING) -> str | None:
        value = self.raw(key, default)
        if value is None:
            return None
        return money(self, key, value)

    def bool(self, key: str, default=MISSING) -> bool | None:
        value = self.raw(key, default)
        if value is None or isinstance(value, bool):
            return value
        self.error(key, f"must be true or false, got {value!r}")
        return None

    def list(self, key: str, default=MISSING) -> list:
        value = self.raw(key, default)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(key, f"must be a list, got {type(value).__name__}")
            return []
        return value

    def mapping(self, key: str, default=MISSING) -> dict:
        value = self.raw(key, default)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(key, f"must be a mapping, got {type(value).__name__}")
            return {}
        return value

    def child(self, key: str, default=MISSING) -> Reader:
        value = self.raw(key, default)
        return Reader(self.problems, {} if value is None else value, self.sub(key), self.node, key)

    def item(self, key: str, index: int, node) -> Reader:
        """A reader for entry ``index`` (``node``) of the list under ``key``."""
        return Reader(self.problems, node, self.sub(f"{key}[{index}]"), self.node.get(key), index)

    def finish(self) -> None:
        for key in self.node:
            if key not in self.used:
                self.error(key, f"unknown key {key!r}")


def money(reader: Reader, key, value) -> str | None:
    """Amounts stay exact (Decimal strings with two places)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        reader.error(key, f"must be an amount like 4.50, got {value!r}")
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        reader.error(key, f"must be an amount like 4.50, got {value!r}")
        return None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        reader.error(key, f"must be a non-negative amount with at most two decimals, got {value}")
        return None
    return str(amount.quantize(Decimal("0.01")))
