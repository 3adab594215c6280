"""The explorer's scorer in a process of its own (``explainers.explorer.service``): it scores what
the scorer in the caller's process scores, refuses what that refuses, answers a cache hit while
another thread's batch computes, comes back after being killed and ends with its parent."""

import os
import signal
import subprocess
import sys
import threading
import time
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client
from pathlib import Path

import pytest
import torch

from explainers.explorer import ExplorerError, Scorer, interpolate, mix, sampled_scenes
from explainers.explorer.inference import inference_mode, recorded_logit_scale, shared_scorer
from explainers.explorer.service import ScorerProcess
from explainers.models import load_checkpoint
from explainers.models.checkpoint import DEFAULT_CHECKPOINT

ROOT = Path(__file__).resolve().parents[1]
SCENES = sampled_scenes(sampler="study", seed=7, count=4)


@pytest.fixture(scope="module")
def remote():
    scorer = ScorerProcess(DEFAULT_CHECKPOINT)
    yield scorer
    scorer.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by its parent) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_process_scores_what_the_scorer_in_this_process_scores(remote):
    torch.set_num_threads(1)
    inline = Scorer(load_checkpoint(), logit_scale=recorded_logit_scale(DEFAULT_CHECKPOINT))
    scenes = [SCENES[0], mix(SCENES[0], SCENES[2], "body"),
              interpolate(SCENES[1], SCENES[3], "scene", 0.35)]
    for size in (64, 128):
        here, there = inline.probe_many(scenes, size=size), remote.probe_many(scenes, size=size)
        for a, b in zip(here, there, strict=True):
            assert (b.label, b.png, b.cached) == (a.label, a.png, False)
            assert b.logit == pytest.approx(a.logit, abs=1e-5)
            assert b.score == pytest.approx(a.score, abs=1e-6)
    again = remote.probe(scenes[1], size=128)
    assert again.cached and again.compute_ms == 0.0
    stats = remote.stats()
    assert stats["misses"] >= 3 and stats["hits"] >= 1


def test_a_bad_scene_is_refused_as_the_scorer_refuses_it(remote):
    with pytest.raises(ExplorerError, match="bogus"):
        remote.probe({**SCENES[0], "bogus": 1.0})
    with pytest.raises(ValueError, match="size must be an integer number of pixels"):
        remote.probe(SCENES[0], size=4)
    assert remote.probe(SCENES[0], size=64).png  # the process still answers


def test_a_caller_without_the_key_is_refused_and_the_process_keeps_serving(remote):
    remote.probe(SCENES[1], size=64)
    with pytest.raises(AuthenticationError):
        Client(remote._address, family="AF_UNIX", authkey=b"not the key")
    assert oct(os.stat(remote._folder).st_mode & 0o777) == "0o700"
    assert remote.probe(SCENES[1], size=64).cached


def test_a_cache_hit_is_answered_while_another_threads_batch_computes(remote):
    remote.probe(SCENES[2], size=64)  # cached
    many = [interpolate(SCENES[0], SCENES[1], "body", round(0.01 * k, 2)) for k in range(1, 41)]
    finished: dict[str, float] = {}

    def batch():
        remote.probe_many(many, size=128)
        finished["batch"] = time.perf_counter()

    thread = threading.Thread(target=batch)
    thread.start()
    time.sleep(0.3)  # the batch has started computing
    assert remote.probe(SCENES[2], size=64).cached
    finished["hit"] = time.perf_counter()
    thread.join(120)
    assert finished["hit"] < finished["batch"]


def test_a_killed_process_is_started_again_and_the_call_answered(remote):
    remote.probe(SCENES[0], size=64)
    first, generation = remote.pid, remote.generation
    os.kill(first, signal.SIGKILL)
    time.sleep(0.2)
    probe = remote.probe(SCENES[3], size=64)
    assert probe.png and remote.generation == generation + 1 and remote.pid != first
    assert not _alive(first)


def test_the_process_ends_with_its_parent(tmp_path):
    script = ("import os, sys\n"
              "from explainers.explorer.service import ScorerProcess\n"
              "from explainers.models.checkpoint import DEFAULT_CHECKPOINT\n"
              "from explainers.explorer import sampled_scenes\n"
              "s = ScorerProcess(DEFAULT_CHECKPOINT)\n"
              "s.probe(sampled_scenes(sampler='study', seed=7, count=2)[0], size=64)\n"
              "print(s.pid, flush=True)\n"
              "os.kill(os.getpid(), 9)\n")  # no exit handler runs: only the child's watch
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, env={**os.environ, "PYTHONPATH": str(ROOT)})
    child = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(child)


def test_the_mode_comes_from_the_environment_and_a_wrong_one_is_refused(monkeypatch):
    monkeypatch.setenv("XAI_EXPLORER_INFERENCE", "")
    assert inference_mode() == "inline" and isinstance(shared_scorer(), Scorer)
    monkeypatch.setenv("XAI_EXPLORER_INFERENCE", " Process ")
    assert inference_mode() == "process"
    assert isinstance(shared_scorer(), ScorerProcess)
    monkeypatch.setenv("XAI_EXPLORER_INFERENCE", "gpu")
    with pytest.raises(ValueError, match="XAI_EXPLORER_INFERENCE must be process or inline, "
                                         "got 'gpu'"):
        shared_scorer()
