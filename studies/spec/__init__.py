"""Study specs: YAML parsed and validated without Django or a database (the renderer reads them).

Errors name the key path and the YAML line: ``SpecError.problems`` is a list of
``(path, line, message)``.
"""

from .errors import SpecError
from .steps import ATTRIBUTES, STEP_SPECS
from .study import ConditionSpec, PaymentSpec, StudySpec, load_spec_file, parse_spec

__all__ = [
    "ATTRIBUTES",
    "STEP_SPECS",
    "ConditionSpec",
    "PaymentSpec",
    "SpecError",
    "StudySpec",
    "load_spec_file",
    "parse_spec",
]
