"""The step types, one module each, and the one registry of them.

A step type is a :class:`~studies.steps.base.StepType` subclass in its own module, next to its
spec class (a :class:`~studies.steps.base.StepSpec` dataclass that reads and checks its YAML
fields), plus a template under ``templates/studies/steps/``. Everything else a step type does is
a method on it (``docs/adding-a-step-type.md`` walks through one):

========================  ====================================================================
``context`` / ``submit``  the page: template context; validate, store export rows, go on
``events`` / ``event``    beacon kinds its page may send (``studyBeacon`` in study.js) and
                          how they are checked and logged
``item_types``            the ``item_type`` of the export rows it stores
``shows``                 the files its page shows (all a participant may download)
``problems``              readiness: what is missing before the study can go live
``end_note``              what a participant reads when this step screened them out
``bot_answer``/``bot_play``  how the scripted participants (tests/bots.py) answer it
========================  ====================================================================

The registry API (no other module keeps a list of step types):

- ``register(step_type)``: add an instance (its ``name`` is the YAML ``type:``); refused if the
  name or spec class is taken or an event kind is too long;
- ``unregister(name)``: remove it again (tests, the tutorial);
- ``step_type(step)``: the registered type of a parsed step (by its spec class);
- ``registered()``: the registered types, in registration order;
- ``read_step(reader, index, ctx)``: one YAML step into its spec (``studies.spec`` calls it).

This package imports no Django: specs are read without a server.
"""

from __future__ import annotations

from .base import (
    COMMON_KEYS,
    EVENT_KIND_CHARS,
    FIXED_PER_CONDITION,
    WORDING_PER_GROUP,
    StepSpec,
    StepType,
    client_ms,
    number,
)
from .completion import Completion
from .comprehension_gate import ComprehensionGate
from .consent import Consent
from .device_check import DeviceCheck
from .explorer import Explorer
from .free_text_answer import FreeText
from .image_choice import ImageChoice
from .intuitiveness import Intuitiveness
from .likert import Likert
from .multiple_choice import MultipleChoice
from .outcomes import Decline, GoTo, Invalid, Next, Outcome, ScreenOut, Stay
from .participant_group import ParticipantGroup
from .slider import Slider
from .stimulus_questions import StimulusQuestions
from .text_page import Text
from .trial_block import TrialBlock
from .video import Video

_BY_NAME: dict[str, StepType] = {}
_BY_SPEC: dict[type[StepSpec], StepType] = {}


def register(kind: StepType) -> StepType:
    if kind.name in _BY_NAME:
        raise ValueError(f"step type {kind.name!r} is registered already")
    if kind.spec in _BY_SPEC:
        raise ValueError(f"spec class {kind.spec.__name__} belongs to step type "
                         f"{_BY_SPEC[kind.spec].name!r} already")
    for event in kind.events:
        if not 0 < len(event) <= EVENT_KIND_CHARS:
            raise ValueError(f"step type {kind.name!r}: event kind {event!r} needs 1 to "
                             f"{EVENT_KIND_CHARS} characters")
    _BY_NAME[kind.name] = kind
    _BY_SPEC[kind.spec] = kind
    return kind


def unregister(name: str) -> None:
    kind = _BY_NAME.pop(name)
    del _BY_SPEC[kind.spec]


def step_type(step: StepSpec) -> StepType:
    return _BY_SPEC[type(step)]


def registered() -> list[StepType]:
    return list(_BY_NAME.values())


def read_step(r, index: int, ctx: dict) -> StepSpec | None:
    """One step of the YAML ``steps:`` list (``r`` reads it) into its type's spec; None (with
    the problems noted in ``r``) where its type or fields are wrong."""
    name = r.str("type", choices=tuple(_BY_NAME))
    ident = r.str("id", slug=True)
    kind = _BY_NAME.get(name)
    if kind is None:
        r.finish() if name is None else None
        return None
    cls = kind.spec
    common = {"id": ident or f"step-{index}", "type": name,
              "title": r.str("title", cls.default_title),
              "time_limit_s": r.number("time_limit_s", None, minimum=1),
              "min_seconds": r.number("min_seconds", 0.0, minimum=0),
              "index": index, "line": r.line()}
    r.used.update(("by_condition", "by_group"))  # read by studies.spec.study
    step = cls(**common, **cls.read_fields(r, ctx))
    r.finish()
    return step


for _kind in (Consent(), DeviceCheck(), Video(), Text(), ComprehensionGate(),
              StimulusQuestions(), FreeText(), Likert(), MultipleChoice(), TrialBlock(),
              ImageChoice(), Explorer(), Slider(), Intuitiveness(), ParticipantGroup(), Completion()):
    register(_kind)

__all__ = ["COMMON_KEYS", "FIXED_PER_CONDITION", "WORDING_PER_GROUP", "Decline", "GoTo", "Invalid", "Next", "Outcome", "ScreenOut", "Stay",
           "StepSpec", "StepType", "client_ms", "number", "read_step", "register", "registered", "step_type",
           "unregister"]
