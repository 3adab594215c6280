"""The explorer's scorer in a process of its own, one beside each web worker process
(``XAI_EXPLORER_INFERENCE=process``; the default is the worker's own threads, see
docs/explorer.md: under the benchmark's load this placement measured slightly slower, 1.06-1.12x
the preview p95 and about 10 % more CPU per request, so it is kept for loads where the GIL, not
the cores, is the limit).

What it avoids: a probe renders a scene with a few hundred small torch
operations, and each gives up Python's GIL while its kernel runs and must take it back after. A
thread of the same process that keeps the GIL busy with Python (a page's template, Django's
ORM) makes each of those hand-backs wait for the interpreter's switch interval (5 ms). Measured
on the 2-core CPU (``benchmarks/explorer_convoy.py``: one factor group's 6 previews, all cache
misses, median wall time): 46 ms alone, 61 ms beside a busy *process*, 4,477 ms beside a busy
*thread* of the same process. In a separate process the probes share only the cores with the
pages, not the GIL.

:class:`ScorerProcess` has the calls of :class:`~explainers.explorer.inference.Scorer` that the
web side makes (``probe``, ``probe_many``, ``stats``, ``clear``) and forwards each to a child
process (``python -m explainers.explorer.service``) that holds the model and the cache. The
child listens on a Unix socket in a private temporary folder, with a random key
(``multiprocessing.connection``): each calling thread has its own connection, served by its own
thread in the child, so a cache hit is answered while another thread's batch computes; the
compute slots and the warm-up's ``background`` batches work as in a Scorer. The child is
started on first use, exits when its parent does (it watches the parent's pid), and is started
again, once per call, if it died (its cache and pinned pictures are then rebuilt as probes come).
"""

from __future__ import annotations

import argparse
import atexit
import os
import secrets
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Listener
from pathlib import Path

from .scenes import ExplorerError

START_TIMEOUT_S = 120.0
CALL_TIMEOUT_S = 60.0  # a call unanswered this long fails (the page shows the preview's error)
CALLS = ("probe", "probe_many", "stats", "clear")  # what a ScorerProcess forwards
_ERRORS = {"ExplorerError": ExplorerError, "ValueError": ValueError, "TypeError": TypeError}


class ScorerUnavailable(RuntimeError):
    """The scorer's process could not be started, or died twice during one call."""


class ScorerProcess:
    """A :class:`~explainers.explorer.inference.Scorer` of ``checkpoint`` in a child process
    (see the module); ``threads``: torch's intra-op threads there, ``concurrency``: batches
    computed at once."""

    def __init__(self, checkpoint, *, threads: int = 1, concurrency: int = 1,
                 start_timeout: float = START_TIMEOUT_S):
        self.checkpoint = str(Path(checkpoint).resolve())
        self.threads, self.concurrency, self.start_timeout = threads, concurrency, start_timeout
        self._lock = threading.Lock()
        self._local = threading.local()
        self._child: subprocess.Popen | None = None
        self._folder: str | None = None
        self.generation = 0  # how many children were started
        atexit.register(self.close)

    # -- the Scorer's calls ----------------------------------------------------------------
    def probe(self, scene, *, size: int | None = None):
        return self._call("probe", scene, size=size)

    def probe_many(self, scenes, *, pin: bool = False, size: int | None = None,
                   background: bool = False):
        return self._call("probe_many", list(scenes), pin=pin, size=size, background=background)

    def stats(self) -> dict:
        return self._call("stats")

    def clear(self) -> None:
        return self._call("clear")

    @property
    def pid(self) -> int | None:
        """The child's process id (None before the first call)."""
        return None if self._child is None else self._child.pid

    # -- the child ---------------------------------------------------------------------------
    def _call(self, name: str, *args, **kwargs):
        for attempt in range(2):
            generation = self._ensure_started()
            try:
                connection = self._connection(generation)
                connection.send((name, args, kwargs))
                if not connection.poll(CALL_TIMEOUT_S):
                    self._drop_connection()
                    raise ScorerUnavailable(f"the explorer's scorer process gave no answer to "
                                            f"{name} within {CALL_TIMEOUT_S:.0f} s")
                status, *answer = connection.recv()
            except (EOFError, OSError) as exc:  # it died (it is started again) or went away
                self._drop_connection()
                if attempt:
                    raise ScorerUnavailable(f"the explorer's scorer process failed twice during "
                                            f"one {name} call: {exc!r}") from exc
                continue
            if status == "ok":
                return answer[0]
            kind, message = answer
            raise _ERRORS.get(kind, RuntimeError)(
                message if kind in _ERRORS else f"explorer scorer: {kind}: {message}")
        raise AssertionError("unreachable")

    def _drop_connection(self) -> None:
        held = self._local.__dict__.pop("connection", None)
        if held is not None:
            held[1].close()

    def _connection(self, generation: int):
        held = self._local.__dict__.get("connection")
        if held is not None and held[0] == generation:
            return held[1]
        if held is not None:
            held[1].close()
        connection = Client(self._address, family="AF_UNIX", authkey=self._key)
        self._local.connection = (generation, connection)
        return connection

    def _ensure_started(self) -> int:
        with self._lock:
            if self._child is not None and self._child.poll() is None:
                return self.generation
            self._stop_child()
            self._start_child()
            return self.generation

    def _start_child(self) -> None:
        self._folder = tempfile.mkdtemp(prefix="xai-scorer-")  # mode 0700: only this user
        self._address = os.path.join(self._folder, "socket")
        self._key = secrets.token_bytes(32)
        env = {**os.environ, "XAI_SCORER_KEY": self._key.hex()}
        command = [sys.executable, "-m", "explainers.explorer.service",
                   "--checkpoint", self.checkpoint, "--address", self._address,
                   "--parent", str(os.getpid()), "--threads", str(self.threads),
                   "--concurrency", str(self.concurrency)]
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH", "")]))
        child = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=None, cwd=root)
        ready = select.select([child.stdout], [], [], self.start_timeout)[0]
        line = child.stdout.readline().decode().strip() if ready else ""
        if line != "ready":
            child.kill()
            child.wait()
            raise ScorerUnavailable(f"the explorer's scorer process did not start within "
                                    f"{self.start_timeout:.0f} s (exit status {child.poll()}; "
                                    "its errors are in the server's log)")
        self._child = child
        self.generation += 1

    def _stop_child(self) -> None:
        if self._child is not None:
            if self._child.poll() is None:
                self._child.terminate()
                try:
                    self._child.wait(10)
                except subprocess.TimeoutExpired:
                    self._child.kill()
                    self._child.wait()
            self._child.stdout.close()
            self._child = None
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def close(self) -> None:
        """Stop the child (also at exit)."""
        with self._lock:
            self._stop_child()


# -- the child's side -------------------------------------------------------------------------
def _serve_connection(scorer, connection) -> None:
    with connection:
        while True:
            try:
                name, args, kwargs = connection.recv()
            except (EOFError, OSError):
                return
            if name not in CALLS:
                connection.send(("error", "TypeError", f"no call {name!r}"))
                continue
            try:
                answer = getattr(scorer, name)(*args, **kwargs)
            except Exception as exc:  # sent back, raised in the caller
                connection.send(("error", type(exc).__name__, str(exc)))
            else:
                connection.send(("ok", answer))


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)  # the web worker is gone (a SIGKILL included): so is its scorer


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="The explorer's scorer process (see module).")
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--address", required=True)
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args(argv)
    key = bytes.fromhex(os.environ.pop("XAI_SCORER_KEY"))
    threading.Thread(target=_watch_parent, args=(args.parent,), daemon=True).start()
    import torch

    from explainers.models import load_checkpoint

    from .inference import Scorer, recorded_logit_scale

    torch.set_num_threads(args.threads)
    scorer = Scorer(load_checkpoint(args.checkpoint), concurrency=args.concurrency,
                    logit_scale=recorded_logit_scale(args.checkpoint))
    listener = Listener(args.address, family="AF_UNIX", backlog=64, authkey=key)
    print("ready", flush=True)
    os.dup2(2, 1)  # anything printed later goes to the server's log, not into the parent's pipe
    while True:
        try:
            connection = listener.accept()
        except (OSError, EOFError, AuthenticationError):  # a wrong key, or a caller gone
            continue
        threading.Thread(target=_serve_connection, args=(scorer, connection),
                         daemon=True).start()


if __name__ == "__main__":
    raise SystemExit(main())
