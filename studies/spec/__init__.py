"""Study specs: YAML parsed and validated without Django or a database (the renderer reads them).

Errors name the key path and the YAML line: ``SpecError.problems`` is a list of
``(path, line, message)``.

The names below are loaded on first use: reading the steps needs the step types
(``studies.steps``), whose modules read their own fields with ``studies.spec.fields``.
"""

from .errors import SpecError

_FROM_STUDY = ("ConditionSpec", "PaymentSpec", "StudySpec", "load_spec_file", "parse_spec")


def __getattr__(name: str):
    if name in _FROM_STUDY:
        from . import study
        return getattr(study, name)
    if name == "ATTRIBUTES":
        from .steps import ATTRIBUTES
        return ATTRIBUTES
    raise AttributeError(f"module 'studies.spec' has no attribute {name!r}")


__all__ = ["ATTRIBUTES", "ConditionSpec", "PaymentSpec", "SpecError", "StudySpec",
           "load_spec_file", "parse_spec"]
