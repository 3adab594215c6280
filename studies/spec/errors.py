"""Spec errors that name the key path and the YAML line."""

from __future__ import annotations


class SpecError(ValueError):
    """One or more problems in a study spec; ``problems`` holds (path, line, message)."""

    def __init__(self, problems: list[tuple[str, int, str]], source: str = ""):
        self.problems = problems
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        head = f"{self.source}: " if self.source else ""
        lines = [f"{head}invalid study spec ({len(self.problems)} problem(s)):"]
        for path, line, message in self.problems:
            where = f" (line {line})" if line else ""
            lines.append(f"  {path or '<top>'}: {message}{where}")
        return "\n".join(lines)


class Problems:
    """Collects problems while a spec is checked, then raises them all at once."""

    def __init__(self):
        self.items: list[tuple[str, int, str]] = []

    def add(self, path: str, line: int, message: str) -> None:
        self.items.append((path, line, message))

    def raise_if_any(self, source: str = "") -> None:
        if self.items:
            raise SpecError(self.items, source)
