"""The local checkout's ``.env`` file (written by ``bin/local-env``, git-ignored): defaults for
environment variables, so that ``python manage.py ...`` works without exporting a secret key.

A production deployment (``DJANGO_PRODUCTION=1``, set by the Docker image) never reads it: there
every secret must come from the real environment. Real environment variables always win.
"""

from __future__ import annotations

import re
from pathlib import Path

LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


class EnvFileError(ValueError):
    """A line of the file is not ``NAME=value``; the message names the file and line."""


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines (``#`` comments and blank lines allowed); {} when there is no file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    values = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = LINE.match(stripped)
        if match is None:
            raise EnvFileError(f"{path}, line {number}: expected NAME=value, got {stripped[:40]!r}")
        values[match.group(1)] = match.group(2)
    return values


def apply_env_file(environ, path: Path, *, production: bool) -> dict[str, str]:
    """Copy the file's values into ``environ`` where not set there; what was applied."""
    if production:
        return {}
    applied = {k: v for k, v in read_env_file(path).items() if k not in environ}
    environ.update(applied)
    return applied
