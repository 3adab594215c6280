"""The step spec classes under the names ``studies.spec`` has always offered them; each is
defined in its step type's module (``studies.steps.<type>``), and ``studies.steps`` is the one
registry from the YAML ``type:`` to a step type. New code imports from the step modules."""

from ..steps import COMMON_KEYS, FIXED_PER_CONDITION, WORDING_PER_GROUP, StepSpec, read_step
from ..steps.completion import CompletionSpec
from ..steps.comprehension_gate import ComprehensionGateSpec, Statement
from ..steps.consent import ConsentSpec
from ..steps.device_check import DeviceCheckSpec
from ..steps.free_text_answer import FreeTextSpec
from ..steps.likert import LikertItem, LikertSpec
from ..steps.multiple_choice import MultipleChoiceSpec
from ..steps.stimulus_questions import (
    ATTRIBUTES,
    DEFAULT_QUESTIONS,
    RELEVANCE,
    Attribute,
    StimulusQuestionsSpec,
)
from ..steps.text_page import TextSpec
from ..steps.trial_block import TrialBlockSpec
from ..steps.video import VideoSpec
from .fields import SLUG

__all__ = ["ATTRIBUTES", "COMMON_KEYS", "FIXED_PER_CONDITION", "WORDING_PER_GROUP", "DEFAULT_QUESTIONS", "RELEVANCE", "SLUG", "Attribute",
           "CompletionSpec", "ComprehensionGateSpec", "ConsentSpec", "DeviceCheckSpec",
           "FreeTextSpec", "LikertItem", "LikertSpec", "MultipleChoiceSpec", "Statement",
           "StepSpec", "StimulusQuestionsSpec", "TextSpec", "TrialBlockSpec", "VideoSpec",
           "read_step"]
