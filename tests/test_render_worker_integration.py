"""A real Celery worker is SIGKILLed in the middle of a render; after a restart the stimulus is
published exactly once and correctly (late ack + Redis visibility timeout + content addressing).

Needs Redis (the configured CELERY_BROKER_URL) and starts ``celery -A studyserver worker -Q gpu``
twice; takes about 30-40 s.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from explainers.plan import plan
from explainers.plugins import register
from explainers.prerender import is_published, load_manifest, render_stimulus
from tests.fixtures.slow_explainer import SlowBaseline
from tests.fixtures.tiny_explainer_setup import tiny_checkpoint

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parent.parent
VISIBILITY_TIMEOUT = 5


def redis_or_skip():
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://...")
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis unreachable: {exc}")
    # forget messages of earlier runs on this database's gpu queue
    client.delete("gpu", "unacked", "unacked_index", "unacked_mutex")
    return client


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def start_worker(env, log):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "studyserver", "worker", "-Q", "gpu",
         "--concurrency", "1", "--pool", "prefork", "--loglevel", "INFO",
         "-n", f"render-test-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def kill_group(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def events(path):
    return path.read_text().split() if path.exists() else []


@pytest.fixture
def not_eager(settings):
    """This process talks to real workers: no eager execution while the test runs."""
    from studyserver.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER = False
    yield app
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER = eager


def test_killed_worker_render_completes_exactly_once(tmp_path, not_eager):
    redis_or_skip()
    app = not_eager
    register(SlowBaseline)  # here too (another test may have unregistered it)

    root = tmp_path / "stimuli"
    ckpt, _ = tiny_checkpoint(tmp_path / "ckpt")
    conditions = [{"name": "slow", "explainer": "slow-baseline", "params": {"rows": 2}}]
    (job,) = plan(conditions, study_seed=1, checkpoint=ckpt, validation={"n": 300})
    progress = tmp_path / "progress.log"
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0", "STIMULI_ROOT": str(root),
           "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "XAI_RENDER_DEVICE": "cpu",
           "XAI_EXPLAINER_MODULES": "tests.fixtures.slow_explainer",
           "SLOW_EXPLAINER_LOG": str(progress), "SLOW_EXPLAINER_SECONDS": "3",
           "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed in finally
    worker = start_worker(env, log)
    try:
        result = app.send_task("explainers.tasks.render_job", args=[job.to_dict()], queue="gpu")
        wait_for(lambda: "start" in events(progress), 40, "the first render to start")
        started = time.monotonic()
        kill_group(worker)  # the whole worker, pool child included, dies mid-render
        first_pid = events(progress)[1]
        assert events(progress) == ["start", first_pid]
        assert not is_published(root, job.key)
        # what a kill during writing would leave behind: it must never be served
        partial = root / f".tmp-{job.key}-{socket.gethostname()}-{first_pid}"
        partial.mkdir(parents=True)
        (partial / "r00c00.png").write_bytes(b"half a png")
        assert not is_published(root, job.key)

        # Redis hands an unacknowledged message out again once it is older than the visibility
        # timeout; a starting worker looks for such messages at once (a running one only every
        # few minutes), so restart when the timeout has passed, as an operator would.
        time.sleep(max(0.0, VISIBILITY_TIMEOUT + 0.5 - (time.monotonic() - started)))
        worker = start_worker(env, log)
        wait_for(lambda: is_published(root, job.key), 45, "the redelivered render")
        assert result.get(timeout=20) == job.key
        time.sleep(1)  # a duplicate delivery would show up here
    finally:
        kill_group(worker)
        log.close()

    seen = events(progress)
    assert seen.count("start") == 2 and seen.count("end") == 1, seen
    assert [p.name for p in root.iterdir()] == [job.key]  # one folder, no temporaries left
    manifest = load_manifest(root, job.key)  # verifies the key and every file's hash
    # correct: identical to a render of the same job in this process
    from explainers.models import load_checkpoint
    from explainers.plan import job_source

    reference = render_stimulus("slow-baseline", job.params, model=load_checkpoint(ckpt),
                                data=job_source(job.data), seed=job.seed,
                                root=tmp_path / "reference")
    assert reference["key"] == job.key
    assert [c["sha256"] for c in manifest["cells"]] == [c["sha256"] for c in reference["cells"]]


def database_url() -> str:
    """The URL of the database this test process uses (the test database, for workers)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def worker_env(tmp_path, settings, not_eager):
    redis_or_skip()
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0", "STIMULI_ROOT": str(settings.STIMULI_ROOT),
           "XAI_RENDER_DEVICE": "cpu", "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1",
           "DATABASE_URL": database_url()}
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    worker = start_worker(env, log)
    yield tmp_path
    kill_group(worker)
    log.close()


@pytest.mark.django_db(transaction=True)  # the worker sees the owed-render rows
def test_render_stimuli_waits_for_real_workers(worker_env, settings, capsys):
    from django.core.management import CommandError, call_command

    ckpt, _ = tiny_checkpoint(worker_env / "ckpt")
    spec = REPO / "tests" / "fixtures" / "render_study.yaml"
    path = worker_env / "study.yaml"
    path.write_text(spec.read_text().replace("CHECKPOINT", str(ckpt)))
    call_command("render_stimuli", str(path), "--wait", "--timeout", "60")
    out = capsys.readouterr().out
    assert "queueing 3" in out and "baseline: 2/2 published" in out and "inn: 1/1" in out
    keys = [p.name for p in settings.STIMULI_ROOT.iterdir()]
    assert len(keys) == 3 and all(load_manifest(settings.STIMULI_ROOT, k) for k in keys)

    # a render that cannot succeed is reported at once (not retried until the timeout)
    path.write_text(path.read_text().replace("max_error: 0.05", "max_error: 0.000001"))
    started = time.monotonic()
    with pytest.raises(CommandError, match="1 render\\(s\\) failed; inn variant 0: .*miss"):
        call_command("render_stimuli", str(path), "--wait", "--timeout", "60")
    assert time.monotonic() - started < 30
