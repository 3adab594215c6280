"""studies.renders.reconcile decides which owed renders to send again (no broker: the broker's
view is stubbed; tests/test_render_faults.py runs the real thing)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from explainers.plan import RenderJob
from studies import renders
from studies.models import OwedRender, RenderState
from tests.bots import publish_stimulus

pytestmark = pytest.mark.django_db


def job(n: int) -> RenderJob:
    return RenderJob(f"c{n}", 0, "baseline", {}, n, "/ckpt", {}, f"{n:064x}")


@pytest.fixture
def broker(monkeypatch):
    view = {"live": set(), "waiting": 0, "sent": []}
    monkeypatch.setattr(renders, "_live_task_ids", lambda: view["live"])
    monkeypatch.setattr(renders, "_queue_length", lambda: view["waiting"])

    def send(row):
        view["sent"].append(row.key)
        row.mark(RenderState.QUEUED, task_id=f"t{len(view['sent'])}", sends=row.sends + 1)
        return True

    monkeypatch.setattr(renders, "send", send)
    return view


def age(row, seconds, field="queued_at", **extra):
    OwedRender.objects.filter(pk=row.pk).update(
        **{field: timezone.now() - timedelta(seconds=seconds)}, **extra)


def test_lost_renders_are_sent_again_live_and_recent_ones_wait(broker, settings):
    settings.RENDER_SETTLE_S, settings.RENDER_REQUEUE_AFTER_S = 30, 900
    lost, live, recent, running_dead, running_live = renders.owe([job(n) for n in range(5)])
    age(lost, 60, task_id="a")
    age(live, 60, task_id="b")
    age(recent, 5, task_id="c")
    age(running_dead, 60, "started_at", state=RenderState.RUNNING, task_id="d")
    age(running_live, 60, "started_at", state=RenderState.RUNNING, task_id="e")
    broker["live"] = {"b", "e"}
    counts = renders.reconcile()
    assert sorted(broker["sent"]) == sorted([lost.key, running_dead.key])
    assert counts == {"sent": 2, "waiting": 3}


def test_a_long_queue_is_resent_only_after_the_patience(broker, settings):
    settings.RENDER_SETTLE_S, settings.RENDER_REQUEUE_AFTER_S = 30, 900
    waiting, overdue = renders.owe([job(1), job(2)])
    age(waiting, 600)
    age(overdue, 1000)
    broker["waiting"] = 40  # messages are still queued: they are probably among them
    assert renders.reconcile() == {"waiting": 1, "sent": 1}
    assert broker["sent"] == [overdue.key]


def test_published_ones_are_marked_and_endless_ones_given_up(broker, settings):
    settings.RENDER_SETTLE_S, settings.RENDER_MAX_SENDS = 0, 3
    done, hopeless = renders.owe([job(1), job(2)])
    publish_stimulus(settings.STIMULI_ROOT, done.key)
    age(hopeless, 60, sends=3)
    assert renders.reconcile() == {"published": 1, "gave_up": 1}
    states = dict(OwedRender.objects.values_list("key", "state"))
    assert states == {done.key: RenderState.PUBLISHED, hopeless.key: RenderState.FAILED}
    assert broker["sent"] == []
    renders.owe([job(2)])  # asked for again: owed again
    assert OwedRender.objects.get(key=hopeless.key).state == RenderState.QUEUED
