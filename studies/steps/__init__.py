"""Step pages, keyed by their spec class (the YAML ``type:`` maps to a spec class through the one
dict ``studies.spec.STEP_SPECS``)."""

from ..spec import steps as s
from .base import Page, StepContext
from .device import DeviceCheck
from .gate import ComprehensionGate
from .outcomes import Decline, GoTo, Invalid, Next, ScreenOut, Stay
from .simple import Completion, Consent, FreeText, Likert, MultipleChoice, Text
from .stimulus import StimulusQuestions
from .trials import TrialBlock
from .video import Video

PAGES: dict[type[s.StepSpec], Page] = {
    s.ConsentSpec: Consent(),
    s.DeviceCheckSpec: DeviceCheck(),
    s.VideoSpec: Video(),
    s.TextSpec: Text(),
    s.ComprehensionGateSpec: ComprehensionGate(),
    s.StimulusQuestionsSpec: StimulusQuestions(),
    s.FreeTextSpec: FreeText(),
    s.LikertSpec: Likert(),
    s.MultipleChoiceSpec: MultipleChoice(),
    s.TrialBlockSpec: TrialBlock(),
    s.CompletionSpec: Completion(),
}


def page_for(step: s.StepSpec) -> Page:
    return PAGES[type(step)]


__all__ = ["PAGES", "Decline", "GoTo", "Invalid", "Next", "Page", "ScreenOut", "Stay",
           "StepContext", "page_for"]
