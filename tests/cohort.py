"""Bot cohorts with realistic behaviour, walked through the live flow (tests/bots.py).

A :class:`Persona` says what one Prolific participant does: how long the session takes, which
comprehension gates they fail how often, where they withdraw or stall past the time limit, the
size of their screen, whether they try to rush the relevance answers, which attributes they get
right, and whether they ask to retake the study after being screened out (the researcher then
allows it, as the admin action does, and the persona's ``retake`` plays attempt 2).

``COHORT_YAML`` is a study shaped like Sixt et al.'s study 2 (studies/specs/two4two-study2.yaml):
three conditions, three videos each followed by a text and a gate, the relevance questions with
``min_seconds: 30``, an expertise question and the 77-minute time limit; its stimuli are small
fakes (tests/bots.py ``publish_stimulus``), so it runs without a trained model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.test import Client

from studies.loading import load_study
from studies.models import Participant
from studies.runtime import spec_of
from studies.served_files import video_duration

from .bots import Bot, fake_key, new_pid, publish_stimulus

CONDITIONS = ("baseline", "inn", "concepts")
VIDEO_S = 90
_GATE = """\
  - id: video-{name}
    type: video
    file: tutorials/cohort-{name}.mp4
    duration_s: {video_s}
  - {{id: summary-{name}, type: text, body: "What the {name} video showed."}}
  - id: gate-{name}
    type: comprehension_gate
    retry_from: video-{name}
    statements:
      - {{id: first, text: "The first statement about {name} is true.", answer: true}}
      - {{id: second, text: "The second statement about {name} is true.", answer: false}}
"""
COHORT_YAML = """\
slug: {slug}
title: Cohort study
seed: 2022
design: between
time_limit_minutes: 77
prolific:
  codes: {{completion: CDONE, screened_out: CSO, no_consent: CNC, device: CDEV, timed_out: CTO}}
payment:
  base: 4.50
  bonus_per_correct: 0.40
conditions:
{conditions}steps:
  - {{id: consent, type: consent, text: "Do you agree?"}}
  - {{id: device, type: device_check}}
{gates}  - id: explanation
    type: stimulus_questions
    min_seconds: 30
    min_justification_chars: 20
    answer_key: {{legs: relevant, color: relevant, background: irrelevant, shape: relevant, rotation: irrelevant}}
  - id: expertise
    type: multiple_choice
    item_type: expertise
    question: "Your machine-learning expertise?"
    choices: [complete novice, some expertise, expert]
  - {{id: completion, type: completion}}
"""
GATES = ("dataset", "ml", "explanation")


def write_cohort_study(tmp_path: Path, settings, *, slug: str = "two4two-study2",
                       target: int = 100) -> Path:
    conditions = "".join(
        f'  - {{name: {n}, explainer: bot-fake, target: {target}, '
        f'stimulus_key: "{fake_key(n)}"}}\n' for n in CONDITIONS)
    gates = "".join(_GATE.format(name=g, video_s=VIDEO_S) for g in GATES)
    path = Path(tmp_path) / f"{slug}.yaml"
    path.write_text(COHORT_YAML.format(slug=slug, conditions=conditions, gates=gates))
    for g in GATES:
        video = Path(settings.MEDIA_ROOT) / "tutorials" / f"cohort-{g}.mp4"
        video.parent.mkdir(parents=True, exist_ok=True)
        video.write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video")
    for n in CONDITIONS:
        publish_stimulus(Path(settings.STIMULI_ROOT), fake_key(n))
    return path


def load_cohort_study(tmp_path, settings, **kw):
    return load_study(write_cohort_study(tmp_path, settings, **kw))[0]


@dataclass(frozen=True)
class Persona:
    name: str
    minutes: float = 40.0                       # the whole session, spread over its pages
    gate_failures: dict = field(default_factory=dict)   # gate step id -> failed attempts
    wrong: tuple = ()                           # attributes answered wrongly
    decline: bool = False
    withdraw_at: str = ""                       # step id where they withdraw
    stall_at: str = ""                          # step id where they stay past the time limit
    viewport: tuple = (1280, 800)
    rush_s: float = 0.0                         # first tries to submit the answers this early
    retake: Persona | None = None               # asks to retake after a screen-out
    correct: Callable[[str, str], bool] | None = None  # (condition, attribute) -> right?
    copy_paste: bool = False                    # the same justification everywhere
    choice: int = 1                             # index of the answer to multiple-choice steps


class CohortBot(Bot):
    """A bot whose participant is its latest attempt (a retake is a second Participant)."""

    @property
    def participant(self) -> Participant:
        return Participant.objects.select_related("condition", "study").filter(
            study=self.study, prolific_pid=self.pid).order_by("-attempt").first()


@dataclass
class Played:
    persona: Persona
    attempt: int
    participant: Participant
    refused_rush: bool = False


def play(study, clock, persona: Persona, *, pid: str | None = None,
         attempt: int = 1) -> list[Played]:
    """Walk one persona (and its retake) through the live flow; one :class:`Played` each."""
    bot = CohortBot(study, clock, pid=pid or new_pid(), client=Client(enforce_csrf_checks=True))
    bot.enter()
    played = Played(persona, attempt, bot.participant)
    spec = spec_of(study)
    pages = sum(s.type not in ("video", "completion") for s in spec.steps)
    videos = sum(video_duration(s) or 0 for s in spec.steps if s.type == "video")
    page_s = max(5.0, (persona.minutes * 60 - videos) / pages)
    left = dict(persona.gate_failures)
    while bot.participant.is_active:
        step = bot.current_step()
        if step.id == persona.withdraw_at:
            bot.withdraw()
            break
        if step.id == persona.stall_at:
            clock.advance(spec.time_limit_minutes * 60 + 60)
            bot.get()  # the next request finds the session past its time limit
            break
        if step.type == "video":
            bot.watch_video(seconds=video_duration(step), every=30.0)
        form = bot.form()
        data = bot.answer(step) if step.type != "stimulus_questions" else {}
        if step.type == "consent" and persona.decline:
            data = {"consent": "decline"}
        elif step.type == "device_check":
            data = {"viewport_width": str(persona.viewport[0]),
                    "viewport_height": str(persona.viewport[1])}
        elif step.type == "multiple_choice":
            data = {"choice": step.choices[persona.choice], "rt_ms": "3000"}
        elif step.type == "comprehension_gate" and left.get(step.id, 0) > 0:
            left[step.id] -= 1
            data = bot.answer(step, correct=False)
        elif step.type == "stimulus_questions":
            if persona.rush_s:
                clock.advance(persona.rush_s)
                rushed = bot.post(_relevance(bot, step, persona,
                                             played.participant.condition.name), form)
                played.refused_rush = rushed.status_code == 400
                form = bot.form()
            data = _relevance(bot, step, persona, played.participant.condition.name)
            clock.advance(max(0.0, step.min_seconds + 1 - persona.rush_s))
        if step.type != "video":
            clock.advance(page_s)
        bot.post(data, form)
    played.participant = bot.participant
    result = [played]
    if persona.retake is not None and played.participant.status == "screened_out":
        Participant.objects.filter(pk=played.participant.pk).update(retake_allowed=True)
        played.participant.refresh_from_db()
        result += play(study, clock, persona.retake, pid=bot.pid, attempt=attempt + 1)
    return result


def _relevance(bot: Bot, step, persona: Persona, condition: str) -> dict:
    flip = {"relevant": "irrelevant", "irrelevant": "relevant"}
    data = {}
    for a in step.attributes:
        key = step.answer_key[a.id]
        right = persona.correct(condition, a.id) if persona.correct else a.id not in persona.wrong
        data[f"relevance-{a.id}"] = key if right else flip[key]
        data[f"justification-{a.id}"] = ("same as above, see my first answer" if persona.copy_paste
                                         else f"In the grid the {a.id} changes along the columns.")
        data[f"rt-{a.id}"] = "12000"
    return data
