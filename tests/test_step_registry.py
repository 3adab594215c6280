"""The one registry of step types (studies.steps): what it refuses, and that what the built-in
types declare (event kinds, export item types, summaries) is what they do."""

from dataclasses import dataclass

import pytest

from studies.export_contract import ItemType
from studies.models import EventKind, Response
from studies.steps import StepSpec, StepType, register, registered, step_type, unregister
from studies.steps.consent import ConsentSpec
from studies.summaries import declared, summaries
from tests.bots import Bot


@dataclass
class _ProbeSpec(StepSpec):
    pass


class _Probe(StepType):
    name = "probe"
    spec = _ProbeSpec


def test_names_spec_classes_and_event_kinds_are_checked():
    class Twin(_Probe):
        spec = ConsentSpec
    with pytest.raises(ValueError, match="'consent' is registered already"):
        register(type("Again", (_Probe,), {"name": "consent"})())
    with pytest.raises(ValueError, match="ConsentSpec belongs to step type 'consent'"):
        register(Twin())
    with pytest.raises(ValueError, match="1 to 16 characters"):
        register(type("Long", (_Probe,), {"events": {"a_very_long_event_kind": ()}})())
    register(_Probe())
    try:
        assert step_type(_ProbeSpec(id="p", type="probe")).name == "probe"
    finally:
        unregister("probe")
    assert "probe" not in {t.name for t in registered()}


def test_step_event_kinds_do_not_collide_with_the_engines():
    kinds = [k for t in registered() for k in t.events]
    # the intuitiveness step is a slider and sends the slider's beacon
    assert kinds == ["video", "slider_moved", "slider_moved"]
    assert not set(kinds) & set(EventKind.values)


def test_declared_item_types_are_the_export_contracts():
    declared_types = {i for t in registered() for i in t.item_types}
    assert declared_types == set(ItemType)


@pytest.mark.django_db
def test_stored_rows_and_summaries_come_from_the_declaring_types(study, clock):
    bot = Bot(study, clock)
    bot.enter()
    bot.play(gate_failures=1)
    p = bot.participant
    for r in Response.objects.filter(participant=p):
        step = next(s for s in study_spec_steps(study) if s.id == r.step)
        assert r.item_type in step_type(step).item_types
    assert declared() == {"videos_completed": False, "gate_failures": 0, "correct_answers": 0}
    assert summaries(p) == {"videos_completed": True, "gate_failures": 1, "correct_answers": 5}


def study_spec_steps(study):
    from studies.runtime import spec_of

    return spec_of(study).steps
