"""Concurrent arrivals and submissions against PostgreSQL (real transactions, real row locks)."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from studies.loading import load_study
from studies.models import Participant, Response, Status
from tests.bots import Bot, write_study

pytestmark = [pytest.mark.django_db(transaction=True)]


def _threads(n, target):
    barrier = threading.Barrier(n)
    errors = []

    def run(i):
        try:
            barrier.wait(timeout=30)
            target(i)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors


@pytest.fixture
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (set DATABASE_URL)")


def test_concurrent_arrivals_never_overfill(tmp_path, settings, clock, needs_postgres):
    study, _ = load_study(write_study(tmp_path, settings, slug="rush", targets=(4, 4, 4)))
    bots = [Bot(study, clock) for _ in range(20)]
    codes = {}
    _threads(len(bots), lambda i: codes.__setitem__(i, bots[i].enter().status_code))
    active = Participant.objects.filter(study=study, status=Status.ACTIVE)
    counts = Counter(active.values_list("condition__name", flat=True))
    assert sorted(counts.values()) == [4, 4, 4]
    assert Participant.objects.filter(study=study, status=Status.FULL).count() == 8
    assert Counter(codes.values()) == {302: 12, 200: 8}


def test_one_pid_arriving_six_times_at_once_is_one_session(tmp_path, settings, clock,
                                                           needs_postgres):
    """A double click on the Prolific link: six simultaneous arrivals of one Prolific ID (each
    its own browser, the same submission) are one session, and none is a 500."""
    study, _ = load_study(write_study(tmp_path, settings, slug="click"))
    first = Bot(study, clock)
    clicks = [Bot(study, clock, pid=first.pid) for _ in range(6)]
    codes = {}
    _threads(6, lambda i: codes.__setitem__(i, clicks[i].enter().status_code))
    assert Participant.objects.filter(study=study, prolific_pid=first.pid).count() == 1
    assert set(codes.values()) == {302}


def test_concurrent_arrivals_stay_balanced(tmp_path, settings, clock, needs_postgres):
    study, _ = load_study(write_study(tmp_path, settings, slug="even", targets=(50, 50, 50)))
    bots = [Bot(study, clock) for _ in range(10)]
    _threads(len(bots), lambda i: bots[i].enter())
    counts = Counter(Participant.objects.filter(study=study)
                     .values_list("condition__name", flat=True))
    assert sum(counts.values()) == 10 and max(counts.values()) - min(counts.values()) <= 1


def test_two_tabs_posting_at_once_store_one_answer(tmp_path, settings, clock, needs_postgres):
    study, _ = load_study(write_study(tmp_path, settings, slug="tabs"))
    bot = Bot(study, clock)
    bot.enter()
    bot.play(stop_at="expertise")
    form = bot.form()
    _threads(6, lambda i: bot.client.post(bot.step_url, {**form, "choice": "expert"}))
    assert Response.objects.filter(participant=bot.participant, item="expertise").count() == 1
    assert bot.current_step().id == "opinion"


def test_no_answer_lost_under_parallel_participants(tmp_path, settings, clock, needs_postgres):
    study, _ = load_study(write_study(tmp_path, settings, slug="many", targets=(5, 5)))
    bots = [Bot(study, clock) for _ in range(6)]
    for bot in bots:
        bot.enter()
    _threads(len(bots), lambda i: bots[i].play())
    done = Participant.objects.filter(study=study, status=Status.COMPLETED)
    assert done.count() == 6
    assert Response.objects.filter(participant__study=study).count() == 6 * 11


def test_an_arrival_does_not_block_other_participants_events(tmp_path, settings, clock,
                                                              needs_postgres, monkeypatch):
    """While an arrival holds the study's lock, another participant's Event insert (a progress
    report, an answer's log line) must not wait for it: its foreign key check takes FOR KEY SHARE
    on the study row, which FOR UPDATE blocks and FOR NO KEY UPDATE does not."""
    from django.db import OperationalError, transaction

    from studies import assignment
    from studies.models import Event
    from studies.steps.video import PROGRESS

    study, _ = load_study(write_study(tmp_path, settings, slug="nokey", targets=(5, 5, 5)))
    first = Bot(study, clock)
    first.enter()
    holding, release = threading.Event(), threading.Event()
    real_expire = assignment.expire_stale

    def expire_while_others_write(s):
        holding.set()
        release.wait(timeout=30)
        return real_expire(s)

    monkeypatch.setattr(assignment, "expire_stale", expire_while_others_write)
    arrival = threading.Thread(target=lambda: (Bot(study, clock).enter(), connections.close_all()))
    arrival.start()
    try:
        assert holding.wait(timeout=30)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            Event.objects.create(study=study, participant=first.participant,
                                 kind=PROGRESS, data={})
    except OperationalError as exc:
        pytest.fail(f"the Event insert waited for the arrival's study lock: {exc}")
    finally:
        release.set()
        arrival.join(timeout=60)
    assert Participant.objects.filter(study=study, status=Status.ACTIVE).count() == 2
