"""Whether a stored preregistration agrees with its study's loaded spec: one answer for every
place that stores, locks or goes live with one (``lock_prereg``, the admin, the go-live check).

The check itself is :func:`analysis.spec_check.check` (key and line in both documents); its
answer is cached by the two texts, so the go-live check on every arrival parses them once."""

from __future__ import annotations

from functools import lru_cache

from studies.exports import loaded_spec_text

from . import spec_check
from .prereg import PreregError


@lru_cache(maxsize=64)
def _disagreement(spec_text: str, prereg_text: str) -> str:
    from studies.spec import SpecError

    try:
        spec_check.check(spec_text, prereg_text, spec_name="loaded spec",
                         prereg_name="preregistration")
    except spec_check.StudyMismatch as exc:
        return str(exc)
    except PreregError as exc:
        return f"preregistration: {exc}"
    except SpecError as exc:
        return str(exc)
    return ""


def disagreement(study, prereg_text: str) -> str:
    """'' when ``prereg_text`` agrees with ``study``'s loaded spec, else what disagrees."""
    spec_text = loaded_spec_text(study)
    if not spec_text:
        return (f"study {study.slug!r} has no stored spec to check the preregistration "
                f"against; load it with load_study")
    return _disagreement(spec_text, prereg_text)
