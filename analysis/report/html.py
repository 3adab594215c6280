"""report.html: self-contained (figures as base64 PNG), every piece of text escaped."""

from __future__ import annotations

import base64
from html import escape

from ..pipeline import AnalysisResult
from .sections import build

STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:12px;margin:.5em 0}td,th{border:1px solid #bbb;
padding:2px 6px;text-align:left}th{background:#eee}img{max-width:100%}
.no{color:#b00;font-weight:bold}.s{white-space:nowrap}"""


def _class(cell: str) -> str:
    if cell == "NO":
        return ' class="no"'
    return ' class="s"' if len(cell) <= 16 else ""  # short cells (numbers, p) do not wrap


def render_html(result: AnalysisResult, figures: dict) -> str:
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{escape(result.prereg.title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(result.prereg.title)}</h1>"]
    for title, blocks in build(result, figures):
        parts.append(f"<h2>{escape(title)}</h2>")
        for block in blocks:
            if block[0] == "p":
                parts.append(f"<p>{escape(block[1].replace('`', ''))}</p>")
            elif block[0] == "list":
                parts.append("<ul>" + "".join(f"<li>{escape(str(i))}</li>" for i in block[1])
                             + "</ul>")
            elif block[0] == "table":
                head = "".join(f"<th>{escape(str(h))}</th>" for h in block[1])
                body = "".join("<tr>" + "".join(
                    f'<td{_class(str(c))}>{escape(str(c))}</td>' for c in row)
                    + "</tr>" for row in block[2])
                parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            elif block[0] == "img" and block[1] in figures:
                data = base64.b64encode(figures[block[1]].read_bytes()).decode("ascii")
                parts.append(f'<figure><img alt="{escape(block[2])}" '
                             f'src="data:image/png;base64,{data}"><figcaption>'
                             f"{escape(block[2])}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts)
