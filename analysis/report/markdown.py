"""report.md."""

from __future__ import annotations

from ..pipeline import AnalysisResult
from .sections import build


def _text(text: str) -> str:
    """Literal text: a backslash or star (Table 2's significance marks, the caption's "* p <
    0.05") is escaped, so Markdown shows it instead of reading emphasis."""
    return str(text).replace("\\", "\\\\").replace("*", "\\*")


def _cell(text: str) -> str:
    return _text(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(result: AnalysisResult, figures: dict) -> str:
    lines = [f"# {result.prereg.title}", ""]
    for title, blocks in build(result, figures):
        lines += [f"## {title}", ""]
        for block in blocks:
            if block[0] == "p":
                lines += [_text(block[1]), ""]
            elif block[0] == "list":
                lines += [f"- {_cell(item)}" for item in block[1]] + [""]
            elif block[0] == "table":
                header, rows = block[1], block[2]
                lines.append("| " + " | ".join(_cell(h) for h in header) + " |")
                lines.append("|" + "---|" * len(header))
                lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
                lines.append("")
            elif block[0] == "img" and block[1] in figures:
                lines += [f"![{block[2]}]({figures[block[1]].name})", ""]
    return "\n".join(lines)
