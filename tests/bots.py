"""Scripted participants (oTree-style bots) and the fixtures the studies tests share.

A :class:`Bot` walks a study through Django's test client exactly as a browser would: it reads
the step id, nonce and CSRF token from each page, posts video progress beacons while moving a
fake clock forward, and answers every step type (correctly unless told otherwise) as the step
type's ``bot_play``/``bot_answer`` say.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from studies.loading import load_study
from studies.models import Participant
from studies.runtime import spec_of
from studies.step_context import StudyFiles
from studies.steps import step_type

PROLIFIC_URL = "https://prolific.test/complete?cc="
VIDEO_S = 8

STUDY_YAML = """\
slug: {slug}
title: Bot study
seed: 11
time_limit_minutes: 60
prolific:
  codes: {{completion: DONE1, screened_out: SCREEN1, no_consent: NOCONS1, device: SMALL1}}
payment:
  base: 4.50
  bonus_per_correct: 0.40
  partial: {{gate: 0.50, stimulus: 3.00}}
{block_list}conditions:
{conditions}steps:
  - id: consent
    type: consent
    text: "Do you agree?"
  - {{id: device, type: device_check}}
  - id: video
    type: video
    file: tutorials/bot.mp4
    duration_s: {video_s}
  - {{id: summary, type: text, body: "Peeky has inward legs."}}
  - id: gate
    type: comprehension_gate
    retry_from: video
    statements:
      - {{id: legs, text: "The legs differ.", answer: true}}
      - {{id: color, text: "Peeky is always red.", answer: false}}
  - id: stimulus
    type: stimulus_questions
    min_seconds: 30
    min_justification_chars: 20
    answer_key: {{legs: relevant, color: relevant, background: irrelevant, shape: relevant, rotation: irrelevant}}
  - id: expertise
    type: multiple_choice
    item_type: expertise
    question: "Your machine-learning expertise?"
    choices: [complete novice, some expertise, expert]
  - id: opinion
    type: likert
    items: [{{id: easy, text: "It was easy."}}, {{id: fun, text: "It was fun."}}]
    scale_min: 1
    scale_max: 5
  - {{id: strategy, type: free_text, question: "Your strategy?", min_chars: 5}}
  - {{id: completion, type: completion}}
"""

BOT_PREREG = """\
title: "Bot study"
study: {slug}
design: between
hypotheses:
  - {{id: H1, text: "The first two conditions differ in accuracy.", direction: two-sided}}
dependent_variables:
  - {{id: accuracy, description: "Proportion of the five relevance questions answered correctly."}}
conditions: [{names}]
attributes: [legs, color, background, shape, rotation]
answer_key: {{legs: relevant, color: relevant, background: irrelevant, shape: relevant, rotation: irrelevant}}
exclusions:
  - {{rule: withdrawn_or_returned}}
  - {{rule: repeated_attempt}}
  - {{rule: not_finished}}
  - {{rule: over_time_limit, minutes: 60}}
  - {{rule: videos_incomplete}}
  - {{rule: gate_failures, max_failures: 1}}
  - {{rule: device_too_small}}
  - {{rule: relevance_too_fast, seconds: 30}}
  - {{rule: manual_screening}}
sample_size: {{total: {total}, per_condition: {per}, text: "the spec's targets"}}
analyses:
  - id: main
    test: between_conditions
    description: "Wilcoxon rank-sum test between the first two conditions"
    dv: accuracy
    normality_alpha: 0.05
    levene_alpha: 0.05
    expected_branch: not normal
    comparisons:
      - {{id: H1, a: {a}, b: {b}, alternative: two-sided}}
    stated_choices: {{alpha: 0.05, correction: bonferroni, levene_center: median,
                     rank_sum_method: asymptotic, continuity: true}}
"""


def bot_prereg(slug="bot-study", targets=(3, 3)) -> str:
    """A preregistration that agrees with :func:`write_study`'s spec (equal targets)."""
    names = ["alpha", "beta", "gamma"][: len(targets)]
    return BOT_PREREG.format(slug=slug, names=", ".join(names), total=sum(targets),
                             per=targets[0], a=names[0], b=names[1])


TRIALS_YAML = """\
slug: {slug}
title: Trial bot study
seed: 5
prolific:
  codes: {{completion: TDONE, screened_out: TSO, no_consent: TNC}}
payment: {{base: 1.00, bonus_per_correct: 0.10}}
conditions:
  - {{name: only, explainer: none, target: 5, stimulus_key: "{key}"}}
steps:
  - {{id: consent, type: consent, text: "ok?"}}
  - id: block
    type: trial_block
    question: "Which one is a Stretchy?"
    trials:
      - {{id: p1, kind: practice, options: [img/a.png, img/b.png], answer: 1,
         references: [{{label: Peeky, images: [img/a.png]}}, {{label: Stretchy, images: [img/b.png]}}]}}
      - {{id: m1, kind: main, options: [img/b.png, img/a.png], answer: 0}}
      - {{id: c1, kind: catch, options: [img/a.png, {{stimulus: {{condition: only, row: 0, col: 1}}}}], answer: 1}}
      - {{id: m2, kind: main, options: [img/a.png, img/b.png], answer: 1}}
  - {{id: completion, type: completion}}
"""

# A Borowski et al. (2021) Exp. I-style 2AFC study: one trial block per reference type (natural
# references, synthetic "optimized" ones, none), three main trials and a catch trial each.
REFERENCE_TYPES_YAML = """\
slug: reference-types
title: Reference types bot study
seed: 9
design: within
time_limit_minutes: 30
prolific:
  codes: {completion: RDONE, screened_out: RSO, no_consent: RNC}
payment: {base: 1.00, bonus_per_correct: 0.05}
conditions:
  - {name: images, explainer: none, target: 10}
steps:
  - {id: consent, type: consent, text: "ok?"}
  - id: natural
    type: trial_block
    question: "Which one is a Stretchy?"
    confidence_labels: [unsure, fairly sure, sure]
    trials:
      - {id: m1, options: [img/a.png, img/b.png], answer: 1,
         references: [{label: Peeky, images: [img/a.png]}, {label: Stretchy, images: [img/b.png]}]}
      - {id: m2, options: [img/b.png, img/a.png], answer: 0,
         references: [{label: Peeky, images: [img/a.png]}, {label: Stretchy, images: [img/b.png]}]}
      - {id: m3, options: [img/a.png, img/b.png], answer: 1,
         references: [{label: Peeky, images: [img/a.png]}, {label: Stretchy, images: [img/b.png]}]}
      - {id: c1, kind: catch, options: [img/b.png, img/a.png], answer: 0,
         references: [{label: Peeky, images: [img/a.png]}, {label: Stretchy, images: [img/b.png]}]}
  - id: optimized
    type: trial_block
    question: "Which one is a Stretchy?"
    confidence_labels: [unsure, fairly sure, sure]
    trials:
      - {id: m1, options: [img/a.png, img/b.png], answer: 1,
         references: [{label: Peeky, images: [img/c.png]}, {label: Stretchy, images: [img/d.png]}]}
      - {id: m2, options: [img/b.png, img/a.png], answer: 0,
         references: [{label: Peeky, images: [img/c.png]}, {label: Stretchy, images: [img/d.png]}]}
      - {id: m3, options: [img/a.png, img/b.png], answer: 1,
         references: [{label: Peeky, images: [img/c.png]}, {label: Stretchy, images: [img/d.png]}]}
      - {id: c1, kind: catch, options: [img/b.png, img/a.png], answer: 0,
         references: [{label: Peeky, images: [img/c.png]}, {label: Stretchy, images: [img/d.png]}]}
  - id: none
    type: trial_block
    question: "Which one is a Stretchy?"
    confidence_labels: [unsure, fairly sure, sure]
    trials:
      - {id: m1, options: [img/a.png, img/b.png], answer: 1}
      - {id: m2, options: [img/b.png, img/a.png], answer: 0}
      - {id: m3, options: [img/a.png, img/b.png], answer: 1}
      - {id: c1, kind: catch, options: [img/b.png, img/a.png], answer: 0}
  - {id: completion, type: completion}
"""


def fake_key(name: str) -> str:
    return hashlib.sha256(f"bot-stimulus/{name}".encode()).hexdigest()


def _png(color, size=16) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, format="PNG")
    return buf.getvalue()


def publish_stimulus(root: Path, key: str, rows: int = 2, cols: int = 5) -> None:
    """A small, valid published stimulus (Contract 3) for tests."""
    folder = root / key
    folder.mkdir(parents=True, exist_ok=True)
    cells = []
    for r in range(rows):
        for c in range(cols):
            data = _png((20 * r, 40 * c, 90))
            name = f"r{r:02d}c{c:02d}.png"
            (folder / name).write_bytes(data)
            cells.append({"row": r, "col": c, "file": name,
                          "sha256": hashlib.sha256(data).hexdigest(), "logit": c - 2.0,
                          "scene": {}, "extra": {}})
    grid, meta = _png((200, 200, 200), 64), b"{}"
    (folder / "grid.png").write_bytes(grid)
    (folder / "meta.json").write_bytes(meta)
    manifest = {"key": key, "explainer": "bot-fake", "version": "1", "params": {}, "seed": 1,
                "checkpoint_hash": "c" * 64, "dataset_hash": "d" * 64, "rows": rows,
                "cols": cols, "row_labels": [], "col_labels": ["very certain Peeky", "certain Peeky",
                                                               "unsure", "certain Stretchy",
                                                               "very certain Stretchy"][:cols],
                "grid_image": "grid.png", "cells": cells,
                "files": {"grid.png": hashlib.sha256(grid).hexdigest(),
                          "meta.json": hashlib.sha256(meta).hexdigest()},
                "created": "2026-11-23T00:00:00Z"}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def write_study(tmp_path: Path, settings, *, slug="bot-study", targets=(3, 3), block_list=False,
                publish=True, conditions: str = "", checkpoint: str = "") -> Path:
    """The bot study spec; ``conditions`` (YAML list items) replaces the fixed-key ones."""
    names = ["alpha", "beta", "gamma"][: len(targets)]
    conditions = conditions or "".join(
        f'  - {{name: {n}, explainer: bot-fake, target: {t}, stimulus_key: "{fake_key(n)}"}}\n'
        for n, t in zip(names, targets, strict=True))
    bl = "block_list: {name: bots}\n" if block_list else ""
    bl += f"checkpoint: {checkpoint}\n" if checkpoint else ""
    path = tmp_path / f"{slug}.yaml"
    path.write_text(STUDY_YAML.format(slug=slug, conditions=conditions, block_list=bl,
                                      video_s=VIDEO_S))
    video = Path(settings.MEDIA_ROOT) / "tutorials" / "bot.mp4"
    video.parent.mkdir(parents=True, exist_ok=True)
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video")
    if publish:
        for n in names:
            publish_stimulus(Path(settings.STIMULI_ROOT), fake_key(n))
    return path


class FakeClock:
    def __init__(self):
        self.t = timezone.now()

    def now(self):
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    c = FakeClock()
    monkeypatch.setattr("studies.clock.now", c.now)
    return c


@pytest.fixture
def study(tmp_path, settings, db, clock):
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_URL
    s, _ = load_study(write_study(tmp_path, settings))
    return s


@pytest.fixture
def trial_study(tmp_path, settings, db, clock):
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_URL
    media = Path(settings.MEDIA_ROOT) / "img"
    media.mkdir(parents=True)
    (media / "a.png").write_bytes(_png((255, 0, 0)))
    (media / "b.png").write_bytes(_png((0, 0, 255)))
    publish_stimulus(Path(settings.STIMULI_ROOT), fake_key("trials"))
    path = tmp_path / "trials.yaml"
    path.write_text(TRIALS_YAML.format(slug="trial-bot", key=fake_key("trials")))
    return load_study(path)[0]


@pytest.fixture
def reference_study(tmp_path, settings, db, clock):
    """The Borowski-style study above, loaded, with its four small images in MEDIA_ROOT."""
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_URL
    media = Path(settings.MEDIA_ROOT) / "img"
    media.mkdir(parents=True)
    for name, color in (("a", (255, 0, 0)), ("b", (0, 0, 255)), ("c", (250, 120, 0)),
                        ("d", (0, 120, 250))):
        (media / f"{name}.png").write_bytes(_png(color))
    path = tmp_path / "reference-types.yaml"
    path.write_text(REFERENCE_TYPES_YAML)
    return load_study(path)[0]


@dataclass(frozen=True)
class TrialAnswer:
    """How a bot answers one 2AFC trial: right or wrong, the confidence level it clicks (1 =
    lowest), the seconds between the trial's display and the click (what the server measures)
    and the reaction time its browser reports."""

    correct: bool = True
    confidence: int = 2
    seconds: float = 1.5
    rt_ms: float = 1400.0


def new_pid() -> str:
    return secrets.token_hex(12)


FIELD = re.compile(r'name="(step|nonce|csrfmiddlewaretoken)" value="([^"]*)"')


class Bot:
    """One scripted participant with its own browser (cookie jar)."""

    def __init__(self, study, clock, pid: str | None = None, client: Client | None = None):
        self.study, self.clock = study, clock
        self.pid = pid or new_pid()
        self.client = client or Client(enforce_csrf_checks=True)
        self.last = None

    # --- navigation -------------------------------------------------------------------------
    def enter(self, **extra):
        params = {"PROLIFIC_PID": self.pid, "STUDY_ID": "a" * 24, "SESSION_ID": extra.pop(
            "session", "b" * 24), **extra}
        self.last = self.client.get(reverse("studies:entry", args=[self.study.slug]), params)
        return self.last

    @property
    def step_url(self) -> str:
        return reverse("studies:step", args=[self.study.slug])

    def get(self):
        self.last = self.client.get(self.step_url)
        return self.last

    def form(self) -> dict:
        """step, nonce and csrf token of the page last shown (GETs the page if needed)."""
        html = self.get().content.decode()
        return dict(FIELD.findall(html))

    def post(self, data: dict, form: dict | None = None):
        form = form or self.form()
        self.last = self.client.post(self.step_url, {**form, **data})
        return self.last

    def beacon(self, kind: str, **fields):
        form = dict(FIELD.findall(self.last.content.decode())) if self.last else self.form()
        return self.client.post(reverse("studies:beacon", args=[self.study.slug]),
                                {"kind": kind, "step": form.get("step", ""),
                                 "nonce": form.get("nonce", ""),
                                 "csrfmiddlewaretoken": form.get("csrfmiddlewaretoken", ""),
                                 **fields})

    def withdraw(self):
        url = reverse("studies:withdraw", args=[self.study.slug])
        token = dict(FIELD.findall(self.client.get(url).content.decode()))
        self.last = self.client.post(url, {"csrfmiddlewaretoken": token["csrfmiddlewaretoken"]})
        return self.last

    @property
    def participant(self) -> Participant:
        return Participant.objects.select_related("condition", "study").get(
            study=self.study, prolific_pid=self.pid)

    def current_step(self):
        p = self.participant
        return spec_of(self.study).step(p.step_index, p.condition.name)

    # --- answering --------------------------------------------------------------------------
    @property
    def files(self) -> StudyFiles:
        return StudyFiles(spec_of(self.study), self.study.slug)

    def answer(self, step, *, correct: bool = True) -> dict:
        """The data a careful participant posts for ``step`` (wrong answers if not correct);
        each step type says (``StepType.bot_answer``)."""
        return step_type(step).bot_answer(self, step, correct=correct)

    def watch_video(self, seconds: float = VIDEO_S, every: float = 2.0):
        t = 0.0
        self.get()
        while t < seconds:
            self.clock.advance(every)
            t = min(seconds, t + every)
            self.beacon("video", position=f"{t:.2f}")

    def play_trials(self, step, *, answers: Callable[[str, object], TrialAnswer] | None = None):
        """Answer every trial of ``step``; ``answers(step_id, trial)`` says how (default: right,
        confidence 2, 1.5 s)."""
        step_type(step).bot_play(self, step, trials=answers)

    def play(self, *, gate_failures: int = 0, stop_at: str | None = None,
             trials: Callable[[str, object], TrialAnswer] | None = None,
             ratings: Callable[[str, str], float] | None = None):
        """Walk the study from wherever the participant is; returns the last response.
        ``trials`` answers the 2AFC trials (see :meth:`play_trials`), ``ratings(step_id,
        unit)`` the intuitiveness ratings (studies.steps.intuitiveness)."""
        failures = gate_failures
        while self.participant.is_active:
            step = self.current_step()
            if step.id == stop_at:
                return self.last
            kind, correct = step_type(step), True
            if kind.checks_understanding and failures > 0:
                failures, correct = failures - 1, False
            kind.bot_play(self, step, correct=correct, trials=trials,
                          **({"ratings": ratings} if ratings else {}))
        return self.last
