"""Faults mid-render with real processes: a private redis-server (no persistence, as in many
deployments) on a free loopback port, a real Celery worker, and ``manage.py render_stimuli
--wait`` as a researcher runs it. Every owed stimulus must end up published exactly once.

Takes about two minutes on a loaded 2-core machine.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from explainers.prerender import load_manifest
from studies.models import OwedRender, RenderState
from tests.fixtures.tiny_explainer_setup import tiny_checkpoint
from tests.test_render_worker_integration import (
    database_url,
    events,
    kill_group,
    start_worker,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow,
              pytest.mark.django_db(transaction=True)]
REPO = Path(__file__).resolve().parent.parent
STIMULI = 6
SPEC = """\
slug: fault-test
title: "Faults"
seed: 5
checkpoint: {checkpoint}
prolific:
  codes: {{completion: C1, screened_out: C2, no_consent: C3}}
payment: {{currency: GBP, base: 1.00}}
conditions:
  - {{name: slow, explainer: slow-baseline, target: 2, variants: {variants}, params: {{rows: 2}}}}
steps:
  - {{id: consent, type: consent, text: "Hello"}}
  - {{id: explanation, type: stimulus_questions, answer_key: {{legs: relevant, color: relevant,
     background: irrelevant, shape: relevant, rotation: irrelevant}}}}
  - {{id: done, type: completion}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """redis-server on 127.0.0.1:port that keeps nothing on disk; stop() loses every message."""

    def __init__(self, tmp: Path):
        self.port, self.tmp, self.proc = free_port(), tmp, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port)
        wait_for(lambda: _pings(client), 20, "redis-server to answer")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


def _pings(client) -> bool:
    import redis

    try:
        return client.ping()
    except redis.RedisError:
        return False


@pytest.fixture
def faults(tmp_path):
    """A private broker, the env for workers and the command, and the study spec."""
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL (the worker and the command share the test database)")
    from shutil import which

    if which("redis-server") is None:
        pytest.skip("needs redis-server")
    broker = RedisServer(tmp_path)
    broker.start()
    ckpt, _ = tiny_checkpoint(tmp_path / "ckpt")
    spec = tmp_path / "study.yaml"
    spec.write_text(SPEC.format(checkpoint=ckpt, variants=list(range(STIMULI))))
    root = tmp_path / "stimuli"
    progress = tmp_path / "progress.log"
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0", "CELERY_BROKER_URL": broker.url,
           "CELERY_RESULT_BACKEND": broker.url, "STIMULI_ROOT": str(root),
           "DATABASE_URL": database_url(), "XAI_RENDER_DEVICE": "cpu",
           "XAI_EXPLAINER_MODULES": "tests.fixtures.slow_explainer",
           "SLOW_EXPLAINER_LOG": str(progress), "SLOW_EXPLAINER_SECONDS": "2",
           "RENDER_SETTLE_S": "3", "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    env.pop("CELERY_VISIBILITY_TIMEOUT", None)  # Redis' default visibility timeout: an hour
    yield {"broker": broker, "env": env, "spec": spec, "root": root, "progress": progress,
           "log": tmp_path / "worker.log"}
    broker.stop()


def render_command(f, timeout=240):
    return subprocess.Popen(
        [sys.executable, "manage.py", "render_stimuli", str(f["spec"]), "--wait",
         "--timeout", str(timeout)], cwd=REPO, env=f["env"], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True)


def finish(command, timeout=300) -> str:
    try:
        out, _ = command.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(command.pid, signal.SIGKILL)
        out, _ = command.communicate()
        raise AssertionError(f"render_stimuli --wait did not finish:\n{out[-3000:]}") from None
    return out


def assert_all_published_once(root: Path):
    folders = [p.name for p in root.iterdir()]
    rows = list(OwedRender.objects.all())
    assert len(rows) == STIMULI and {r.state for r in rows} == {RenderState.PUBLISHED}
    assert sorted(folders) == sorted(r.key for r in rows)  # no temporaries, nothing twice
    for row in rows:
        load_manifest(root, row.key)  # every file matches its hash


def test_broker_restart_mid_render_every_owed_stimulus_is_published(faults):
    f = faults
    log = open(f["log"], "w")  # noqa: SIM115 - closed in finally
    worker = start_worker(f["env"], log)
    command = render_command(f)
    try:
        wait_for(lambda: "start" in events(f["progress"]), 90, "the first render to start")
        f["broker"].stop()  # every queued message is lost with it
        time.sleep(10)
        f["broker"].start()
        out = finish(command)
        assert command.returncode == 0, out[-3000:]
        assert f"slow: {STIMULI}/{STIMULI} published" in out, out[-3000:]
        assert "reconcile:" in out and "'sent'" in out  # lost renders were sent again
    finally:
        if command.poll() is None:
            os.killpg(command.pid, signal.SIGKILL)
        kill_group(worker)
        log.close()
    assert_all_published_once(f["root"])


def test_killed_worker_job_comes_back_without_waiting_for_the_visibility_timeout(faults):
    f = faults
    log = open(f["log"], "w")  # noqa: SIM115 - closed in finally
    worker = start_worker(f["env"], log)
    command = render_command(f)
    try:
        wait_for(lambda: "start" in events(f["progress"]), 90, "the first render to start")
        kill_group(worker)  # the whole worker, mid-job: its message stays unacknowledged
        killed = time.monotonic()
        worker = start_worker(f["env"], log)
        out = finish(command)
        assert command.returncode == 0, out[-3000:]
        assert f"slow: {STIMULI}/{STIMULI} published" in out
        assert time.monotonic() - killed < 180  # not the hour of Redis' visibility timeout
    finally:
        if command.poll() is None:
            os.killpg(command.pid, signal.SIGKILL)
        kill_group(worker)
        log.close()
    assert_all_published_once(f["root"])
