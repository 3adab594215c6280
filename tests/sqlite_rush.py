"""Concurrent participants against a file SQLite database with the demo's settings, run as
``python -m tests.sqlite_rush DIR`` (a process of its own: the test suite's database is
PostgreSQL). Prints one JSON line: status codes seen, server errors and what the database holds.

Threads share nothing but the database: one Prolific ID arriving six times at once,
simultaneous arrivals (more than there are places), the same page submitted from six threads at
once, and whole sessions walked in parallel, with their
video progress reports."""

from __future__ import annotations

import json
import os
import sys
import threading
import traceback
from collections import Counter
from pathlib import Path


def _threads(n, target, errors):
    barrier = threading.Barrier(n)

    def run(i):
        from django.db import connections

        try:
            barrier.wait(timeout=60)
            target(i)
        except Exception:  # noqa: BLE001 - reported in the output
            errors.append(traceback.format_exc(limit=3))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    stuck = sum(t.is_alive() for t in threads)
    if stuck:
        errors.append(f"{stuck} of {n} threads still running after 240 s")


def main(folder: Path) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's response attributes; ALLOWED_HOSTS testserver
    call_command("migrate", verbosity=0)
    from studies import clock as study_clock
    from studies.loading import load_study
    from studies.models import Participant, Response, Status
    from tests.bots import Bot, FakeClock, write_study

    fake = FakeClock()
    study_clock.now = fake.now  # shared by the threads: time only moves forward
    settings.PROLIFIC_COMPLETE_URL = "https://prolific.test/complete?cc="
    study, _ = load_study(write_study(folder, settings, slug="rush", targets=(4, 4)))
    codes, errors = Counter(), []

    def record(response):
        codes[response.status_code] += 1
        return response

    first = Bot(study, fake)  # one person's link opened six times at once (a double click)
    clicks = [Bot(study, fake, pid=first.pid) for _ in range(6)]
    _threads(6, lambda i: record(clicks[i].enter()), errors)
    sessions_of_one = Participant.objects.filter(study=study, prolific_pid=first.pid).count()

    arrivals = [Bot(study, fake) for _ in range(16)]
    _threads(16, lambda i: record(arrivals[i].enter()), errors)
    held = Participant.objects.filter(study=study, status=Status.ACTIVE).count()

    twice = next(b for b in arrivals if Participant.objects.filter(
        study=study, prolific_pid=b.pid, status=Status.ACTIVE).exists())
    twice.play(stop_at="expertise")
    form = twice.form()
    _threads(6, lambda i: record(twice.client.post(twice.step_url,
                                                   {**form, "choice": "expert"})), errors)
    stored_twice = Response.objects.filter(participant__prolific_pid=twice.pid,
                                           item="expertise").count()

    walkers = [b for b in arrivals if b is not twice and Participant.objects.filter(
        study=study, prolific_pid=b.pid, status=Status.ACTIVE).exists()]
    _threads(len(walkers), lambda i: record(walkers[i].play()), errors)
    done = Participant.objects.filter(study=study, status=Status.COMPLETED).count()
    return {"codes": {str(k): v for k, v in sorted(codes.items())}, "errors": errors,
            "sessions_of_one_pid": sessions_of_one,
            "held_after_arrivals": held, "expertise_rows_after_double_submit": stored_twice,
            "walkers": len(walkers), "completed": done,
            "journal_mode": _pragma("journal_mode")}


def _pragma(name: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return str(cursor.fetchone()[0])


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))), flush=True)
    os._exit(0)  # threads stuck on a broken database must not keep the process alive
