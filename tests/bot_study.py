"""A whole study run by bots on the live flow, exported by the export code (docs/analysis).

    DATABASE_URL=postgres://... python -m tests.bot_study --out responses.csv [--seed 2022]

creates a throw-away test database (the configured one gets a ``test_..._botstudy`` sibling),
loads the study-2-shaped cohort study of ``tests/cohort.py`` (80 completed sessions per
condition, 77-minute time limit, three videos and gates, fake stimuli), and lets Prolific
participants arrive until the flow refuses them because every condition is full, as a
Prolific study is run: those excluded by the flow are replaced. Each participant's behaviour
is drawn: session length (lognormal, median 40 minutes), declining consent, a small device,
withdrawing, stalling past the time limit, failing a gate (and failing it again), asking to
retake after a screen-out, trying to rush the relevance answers, copying one justification,
and answering each attribute correctly with the condition's probability (``ACCURACY``, close
to the paper's Table 2). The export is written by ``export_responses``; the database is
dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyserver.settings")
django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

ACCURACY = {  # paper, Table 2 (per condition and attribute)
    "inn": {"legs": 1.0, "color": 0.82, "background": 0.79, "shape": 0.90, "rotation": 0.71},
    "baseline": {"legs": 0.86, "color": 0.59, "background": 0.96, "shape": 0.93,
                 "rotation": 0.70},
    "concepts": {"legs": 0.46, "color": 0.32, "background": 0.19, "shape": 0.32,
                 "rotation": 0.32},
}


def persona(rng: np.random.Generator, index: int):
    from tests.cohort import GATES, Persona

    minutes = float(rng.lognormal(np.log(40), 0.3))
    kind = rng.random()
    extra = {}
    if kind < 0.02:
        extra["decline"] = True
    elif kind < 0.04:
        extra["viewport"] = (390, 560)
    elif kind < 0.07:
        extra["withdraw_at"] = str(rng.choice(["video-ml", "gate-ml", "explanation"]))
    gates = {}
    for gate in GATES:
        if rng.random() < 0.15:
            gates[f"gate-{gate}"] = 2 if rng.random() < 0.4 else 1
    if minutes > 77:
        extra["stall_at"] = "explanation"
    retake = None
    if any(n >= 2 for n in gates.values()) and rng.random() < 0.1:
        retake = Persona(f"p{index}-retake", minutes=min(minutes, 60.0), choice=1,
                         correct=lambda c, a: bool(rng.random() < ACCURACY[c][a]))
    return Persona(f"p{index}", minutes=minutes, gate_failures=gates, retake=retake,
                   rush_s=10.0 if rng.random() < 0.03 else 0.0,
                   copy_paste=bool(rng.random() < 0.05),
                   choice=int(rng.choice(3, p=[0.5, 0.4, 0.1])),  # expertise level
                   correct=lambda c, a: bool(rng.random() < ACCURACY[c][a]), **extra)


def run(out: Path, seed: int, target: int) -> None:
    from studies.models import Participant, Status
    from tests.bots import PROLIFIC_URL, FakeClock
    from tests.cohort import load_cohort_study, play

    fake = FakeClock()
    fake.t = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a fixed start: the export is one file
    import django.utils.timezone

    import studies.clock

    studies.clock.now = django.utils.timezone.now = fake.now
    settings.PROLIFIC_COMPLETE_URL = PROLIFIC_URL
    settings.ARRIVALS_PER_ADDRESS_PER_MINUTE = 0
    with tempfile.TemporaryDirectory() as media:
        settings.MEDIA_ROOT = Path(media)
        settings.STIMULI_ROOT = Path(media) / "stimuli"
        study = load_cohort_study(Path(media), settings, target=target)
        rng = np.random.default_rng(seed)
        _seeded_ids(seed)
        index = 0
        while not _full(study):
            if index > 10 * target * study.conditions.count():
                raise RuntimeError(f"{index} arrivals and the study is still not full")
            play(study, fake, persona(rng, index))
            fake.advance(float(rng.exponential(120)))  # the next arrival
            index += 1
        call_command("export_responses", study.slug, "--out", str(out))
        done = Participant.objects.filter(study=study, status=Status.COMPLETED).count()
        print(f"{index} arrivals, {done} completed sessions")


def _seeded_ids(seed: int) -> None:
    """The bots' Prolific ids and the sessions' public ids drawn from ``seed``, not from the
    system's randomness: the export's participant ids decide the order in which the analysis
    groups, bootstraps and annotates, so a regenerated worked example is the same file."""
    import uuid

    from studies.models import Participant
    from tests import bots, cohort

    ids = random.Random(seed)
    bots.new_pid = cohort.new_pid = lambda: f"{ids.getrandbits(96):024x}"
    Participant._meta.get_field("public_id").default = lambda: uuid.UUID(int=ids.getrandbits(128),
                                                                         version=4)


def _full(study) -> bool:
    from studies.assignment import fill

    return all(c.done >= c.target for c in fill(study))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--target", type=int, default=80, help="completed sessions per condition")
    args = parser.parse_args()
    setup_test_environment()
    name = settings.DATABASES["default"]["NAME"]
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_{name}_botstudy"
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.out, args.seed, args.target)
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)


if __name__ == "__main__":
    main()
