"""Text as participants type it: line breaks normalised (a browser sends CRLF but counts one
character for ``maxlength``), a maximum length, and no control characters (PostgreSQL cannot
store NUL, and the others have no place in an answer or a log)."""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Unicode Cc, less tab and line feed


def written(data, name: str) -> str:
    """The posted text ``name``, stripped, with CRLF and CR line breaks as LF."""
    return data.get(name, "").replace("\r\n", "\n").replace("\r", "\n").strip()


def problem(text: str, *, max_chars: int) -> str:
    """What is wrong with an answer, for the participant ('' when nothing)."""
    if len(text) > max_chars:
        return f"Please write at most {max_chars} characters (this answer has {len(text)})."
    if CONTROL.search(text):
        return ("Your answer contains control characters (for example NUL) that cannot be "
                "stored. Please type it again without them.")
    return ""


def printable(value: str, limit: int) -> str:
    """A short posted value made safe to log: control characters removed, cut to ``limit``."""
    return CONTROL.sub("", value[:limit * 4])[:limit]
