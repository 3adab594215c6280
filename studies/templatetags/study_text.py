"""``{{ text|paragraphs }}``: spec text (consent, summaries, intros) as HTML paragraphs.

YAML ``|`` blocks keep the author's source wrapping; Django's ``linebreaks`` would turn every
wrapped line into ``<br>`` and break sentences in the middle. Here a blank line separates
paragraphs and a single newline flows as a space, except before a list item (``- ``, ``* ``,
``1. ``), which keeps its own line. The text is escaped unless it is already safe."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.text import normalize_newlines

register = template.Library()

PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
LIST_ITEM = re.compile(r"^(?:[-*\u2022]|\d{1,3}[.)])\s")


def _lines(block: str) -> list[str]:
    """The block's visual lines: source lines joined by spaces, a list item starting anew."""
    lines: list[str] = []
    for line in (raw.strip() for raw in block.split("\n")):
        if not line:
            continue
        if lines and not LIST_ITEM.match(line):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


@register.filter(is_safe=True, needs_autoescape=True)
def paragraphs(value, autoescape=True):
    text = normalize_newlines(str(value)).strip()
    quote = escape if autoescape and not isinstance(value, SafeData) else str
    html = ["<p>" + "<br>".join(quote(line) for line in _lines(block)) + "</p>"
            for block in PARAGRAPH_BREAK.split(text) if block.strip()]
    return mark_safe("\n\n".join(html))
