"""Load benchmark: simulated participants walk the study as a browser does, concurrently.

It creates a fresh PostgreSQL database, loads a small three-condition study whose stimuli are a
fixture manifest (tiny PNGs, no rendering), starts gunicorn on 127.0.0.1 with the checkout's
``studyserver/gunicorn.conf.py`` (as the docker image does), and lets N simulated participants
(threads with their own cookie jar and connection pool) enter with Prolific parameters and walk
consent, the device check, a tutorial video, the five relevance questions with justifications
and a Likert item, and follow the completion redirect. Like a browser, each bot fetches every
page's scripts and style sheet (once, then cached), the explanation's images and the video file,
and while the video plays it posts its position every 2 s (static/studies/video.js) in real time.
Every HTTP request is timed; a connection error counts as an error and its time stays in the
latencies. Afterwards the database is checked: every answer a bot sent is stored exactly once (no
lost or duplicated responses), every bot was redirected to Prolific with the completion code, and
the condition counts are within one. ``--server-repo`` measures another checkout's server (e.g.
an older commit, extracted with ``git archive``) with the same client, side by side.

    .venv/bin/python benchmarks/load.py --participants 500 --workers 3 --threads 8

Not walked: comprehension gates (the bots answer at random) and the stimulus step's minimum
time (the think time stands in). Targets: p95 page latency < 300 ms, no errors, zero lost or
duplicated responses, condition counts within one. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import requests

REPO = Path(__file__).resolve().parent.parent
COMPLETE = "https://app.prolific.com/submissions/complete?cc="
REPORT_EVERY_S = 2.0  # static/studies/video.js
ATTRIBUTES = ("legs", "color", "background", "shape", "rotation")
SPEC = """
slug: load-benchmark
title: "Load benchmark"
seed: 1
time_limit_minutes: 60
prolific:
  codes: {{completion: CLOADOK, screened_out: CLOADSO, no_consent: CLOADNC}}
payment: {{base: 1.00, bonus_per_correct: 0.10}}
conditions:
{conditions}
steps:
  - {{id: consent, type: consent, text: "A load test."}}
  - {{id: device, type: device_check}}
  - id: video
    type: video
    file: tutorials/load.mp4
    duration_s: {video_s}
  - id: explanation
    type: stimulus_questions
    answer_key: {{legs: relevant, color: relevant, background: irrelevant, shape: relevant,
                 rotation: irrelevant}}
  - id: difficulty
    type: likert
    items: [{{id: difficulty, text: "The task was easy."}}]
    scale_min: 1
    scale_max: 5
  - {{id: completion, type: completion}}
"""


# -- set-up ---------------------------------------------------------------------------------------


def fixture_stimulus(root: Path, name: str) -> str:
    """Publish a 2x2 fixture stimulus (Contract 3) and return its key."""
    from PIL import Image

    key = hashlib.sha256(f"load-benchmark-fixture:{name}".encode()).hexdigest()
    folder = root / key
    folder.mkdir(parents=True, exist_ok=True)
    cells = []
    for row in range(2):
        for col in range(2):
            file = f"r{row:02d}c{col:02d}.png"
            Image.new("RGB", (32, 32), (60 * row + 40, 90 * col + 50, 120)).save(folder / file)
            cells.append({"row": row, "col": col, "file": file, "logit": 0.0, "scene": {},
                          "extra": {}, "sha256": hashlib.sha256((folder / file).read_bytes())
                          .hexdigest()})
    Image.new("RGB", (64, 64), "white").save(folder / "grid.png")
    (folder / "meta.json").write_text("{}")
    files = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
             for name in ("grid.png", "meta.json")}
    manifest = {"key": key, "explainer": "load-fixture", "version": "0", "params": {}, "seed": 0,
                "checkpoint_hash": "", "dataset_hash": "", "rows": 2, "cols": 2,
                "row_labels": [], "col_labels": ["Peeky", "Stretchy"], "grid_image": "grid.png",
                "cells": cells, "files": files, "created": "2026-11-23T00:00:00Z"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return key


def prepare(args, workdir: Path) -> dict:
    """Fresh database + media folder + loaded study; returns the server's environment."""
    import psycopg

    admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    media = workdir / "media"
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.database_url.rsplit('/', 1)[0]}/{args.database}",
        "DATABASE_CONN_MAX_AGE": "60",
        "DJANGO_SECRET_KEY": secrets.token_hex(32),
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": str(media),
        "STIMULI_ROOT": str(media / "stimuli"),
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "ERROR",
        "ARRIVALS_PER_ADDRESS_PER_MINUTE": "0",  # every simulated participant is 127.0.0.1
    }
    os.environ.update(env)
    per_condition = -(-args.participants // 3) + 5  # room for everyone: nobody is refused "full"
    conditions = "\n".join(
        f"  - {{name: {name}, explainer: load-fixture, target: {per_condition}, "
        f"stimulus_key: {fixture_stimulus(media / 'stimuli', name)}}}"
        for name in ("baseline", "inn", "concepts"))
    spec = workdir / "load-benchmark.yaml"
    video = media / "tutorials" / "load.mp4"
    video.parent.mkdir(parents=True, exist_ok=True)
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(200_000))  # a 200 kB "video"
    spec.write_text(SPEC.format(conditions=conditions, video_s=args.video_s))
    repo = Path(args.server_repo).resolve()
    manage = [sys.executable, str(repo / "manage.py")]
    for command in (["migrate", "--noinput", "-v", "0"], ["load_study", str(spec)]):
        subprocess.run(manage + command, env={**env, "PYTHONPATH": str(repo)}, cwd=repo,
                       check=True, stdout=subprocess.DEVNULL)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(args, env: dict, port: int) -> subprocess.Popen:
    """gunicorn from ``--server-repo`` (default: this checkout), with that checkout's config file
    (studyserver/gunicorn.conf.py) if it has one, else the command line it shipped with."""
    repo = Path(args.server_repo).resolve()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    config = repo / "studyserver" / "gunicorn.conf.py"
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(args.workers),
           "GUNICORN_THREADS": str(args.threads), "GUNICORN_ACCESS_LOG": "",
           "GUNICORN_TIMEOUT": "120", "PYTHONPATH": str(repo)}
    if config.is_file():
        command = [gunicorn, "-c", str(config), "studyserver.wsgi:application",
                   "--backlog", "2048", "--log-level", "warning", "--preload"]
    else:  # an older checkout: its docker entrypoint's flags (gunicorn's 2 s keep-alive)
        command = [gunicorn, "studyserver.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", str(args.workers), "--threads", str(args.threads),
                   "--worker-class", "gthread", "--backlog", "2048", "--timeout", "120",
                   "--log-level", "warning", "--preload"]
    log = open(args.server_log, "ab")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen(command, env=env, cwd=repo, start_new_session=True,
                              stdout=log, stderr=log)
    until = time.monotonic() + 90
    while time.monotonic() < until:
        try:
            # warm every worker (imports, spec parse, connections) before measuring
            for _ in range(4 * args.workers):
                requests.get(f"http://127.0.0.1:{port}/s/load-benchmark/", timeout=30)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise SystemExit(f"gunicorn did not answer within 90 s (see {args.server_log})")


# -- the simulated participant --------------------------------------------------------------------


class Form(HTMLParser):
    """The fields of the page's step form, as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.action, self.hidden, self.radios = "", {}, {}
        self.texts, self.buttons, self.images, self._in_form = [], [], [], False
        self.statics, self.video, self.duration, self.config, self._in_config = [], "", 0.0, "", False

    def handle_data(self, data):
        if self._in_config:
            self.config += data

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img" and "/stimulus/" in (a.get("src") or ""):
            self.images.append(a["src"])
        if tag == "script" and a.get("src") or tag == "link" and a.get("rel") == "stylesheet":
            self.statics.append(a.get("src") or a.get("href"))
        self._in_config = tag == "script" and a.get("id") == "study-config"
        if tag == "video" and a.get("src"):
            self.video, self.duration = a["src"], float(a.get("data-duration") or 0)
        if tag == "form" and a.get("id") == "step-form":
            self._in_form, self.action = True, a.get("action", "")
        if not self._in_form:
            return
        if tag in ("input", "textarea") and not a.get("name"):
            return
        if tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") == "radio":
            self.radios.setdefault(a["name"], []).append(a["value"])
        elif tag == "textarea" or (tag == "input" and a.get("type") in ("text", None)):
            self.texts.append(a["name"])
        elif tag == "button" and a.get("name"):
            self.buttons.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        if tag == "script":
            self._in_config = False


@dataclass
class Bot:
    base: str
    pid: str
    rng: random.Random
    think: tuple[float, float]
    timings: list = field(default_factory=list)  # (method, seconds, status)
    answers: set = field(default_factory=set)  # (item, response) sent and accepted
    outcome: str = "not started"
    started: float = 0.0
    ended: float = 0.0

    cached: set = field(default_factory=set)  # static files the browser has already

    def request(self, session, method, url, **kw):
        """One timed request; a connection error is recorded (status 0, its time kept in the
        latencies) and raised."""
        t0 = time.perf_counter()
        verb = {"ASSET": "GET", "STATIC": "GET", "REPORT": "POST"}.get(method, method)
        try:
            response = session.request(verb, url, allow_redirects=False, timeout=60, **kw)
        except requests.RequestException:
            self.timings.append((method, time.perf_counter() - t0, 0))
            raise
        self.timings.append((method, time.perf_counter() - t0, response.status_code))
        return response

    def load_page_files(self, session, url, form: Form):
        """What the browser fetches with a page: scripts and styles (once, then cached), the
        explanation's images, the video."""
        for src in form.statics:
            if src not in self.cached:
                self.cached.add(src)
                self.request(session, "STATIC", urljoin(url, src))
        for src in form.images:
            self.request(session, "ASSET", urljoin(url, src))
        if form.video:
            self.request(session, "ASSET", urljoin(url, form.video))

    def watch(self, session, url, form: Form, deadline: float):
        """Play the video in real time, reporting the position every 2 s as video.js does."""
        config = json.loads(form.config)
        position = 0.0
        while position < form.duration + 4 and time.monotonic() < deadline:
            time.sleep(REPORT_EVERY_S)
            position = min(form.duration, position + REPORT_EVERY_S)
            answer = self.request(session, "REPORT", urljoin(url, config["beacon"]), data={
                "kind": "video", "position": f"{position:.2f}", "step": config["step"],
                "nonce": config["nonce"], "t": str(int(time.time() * 1000)),
                "csrfmiddlewaretoken": form.hidden.get("csrfmiddlewaretoken", "")})
            if answer.status_code == 200 and answer.json().get("complete"):
                return

    def fill(self, form: Form) -> tuple[dict, set]:
        data, sent = dict(form.hidden), set()
        for name in ("viewport_width", "viewport_height"):
            if name in data:
                data[name] = "1280" if name.endswith("width") else "800"
        for name in data:
            if name.startswith("rt-") or name == "rt_ms":
                data[name] = str(self.rng.randint(800, 9000))
        for name, values in form.radios.items():
            data[name] = self.rng.choice(values)
            item = name.split("-", 1)[1] if "-" in name else name
            sent.add((item, data[name]))
        for name in form.texts:
            data[name] = "It changes from one column of the grid to the next, so it matters."
        if form.buttons:
            name, value = next(((n, v) for n, v in form.buttons if v == "agree"), form.buttons[0])
            data[name] = value
        return data, sent

    def run(self, deadline: float):
        self.started = time.monotonic()
        session = requests.Session()
        url = (f"{self.base}/s/load-benchmark/?PROLIFIC_PID={self.pid}"
               f"&STUDY_ID={'ab' * 12}&SESSION_ID={secrets.token_hex(12)}")
        try:
            response = self.request(session, "GET", url)
            for _ in range(12):
                if response.status_code in (301, 302, 303):
                    location = response.headers["Location"]
                    if location.startswith(COMPLETE):
                        self.outcome = f"completed:{location[len(COMPLETE):]}"
                        return
                    response = self.request(session, "GET", urljoin(url, location))
                    continue
                if response.status_code != 200:
                    self.outcome = f"HTTP {response.status_code} on {urlparse(url).path}"
                    return
                form = Form()
                form.feed(response.text)
                if not form.action:
                    self.outcome = "page without a step form"
                    return
                self.load_page_files(session, url, form)
                if time.monotonic() > deadline:
                    self.outcome = "deadline"
                    return
                if form.video:
                    self.watch(session, url, form, deadline)
                else:
                    time.sleep(self.rng.uniform(*self.think))  # reading and answering
                data, sent = self.fill(form)
                response = self.request(session, "POST", urljoin(url, form.action), data=data)
                if response.status_code in (301, 302, 303):
                    self.answers |= sent
            self.outcome = "too many pages"
        except requests.RequestException as exc:
            self.outcome = f"error: {type(exc).__name__}"
        finally:
            self.ended = time.monotonic()


# -- checks and figures ---------------------------------------------------------------------------


def verify(bots: list[Bot]) -> dict:
    """Compare what the bots sent with what the database holds."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyserver.settings")
    django.setup()
    from studies.models import Participant, Response

    stored = Counter(Response.objects.filter(participant__study__slug="load-benchmark")
                     .filter(item_type__in=("relevance", "likert"))
                     .values_list("participant__prolific_pid", "item", "response"))
    sent = Counter((b.pid, item, value) for b in bots for item, value in b.answers)
    lost = sum((sent - stored).values())
    extra = sum((stored - sent).values())
    duplicated = sum(n - 1 for n in stored.values() if n > 1)
    conditions = Counter(Participant.objects.filter(study__slug="load-benchmark")
                         .values_list("condition__name", flat=True))
    statuses = Counter(Participant.objects.filter(study__slug="load-benchmark")
                       .values_list("status", flat=True))
    return {"answers_sent": sum(sent.values()), "answers_stored": sum(stored.values()),
            "lost": lost, "unexpected": extra, "duplicated": duplicated,
            "conditions": dict(conditions), "statuses": dict(statuses)}


def _session_cpu(sid: int) -> float:
    """CPU seconds used so far by every process of session ``sid`` (gunicorn: master + workers;
    Linux /proc), so start-up imports are not counted."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # fields after the command: state ppid pgrp session ...
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def peak_concurrency(bots: list[Bot]) -> int:
    edges = sorted([(b.started, 1) for b in bots] + [(b.ended, -1) for b in bots])
    now = peak = 0
    for _, step in edges:
        now += step
        peak = max(peak, now)
    return peak


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds over which bots start")
    parser.add_argument("--think", default="4:10", help="seconds per page, MIN:MAX")
    parser.add_argument("--time-limit", type=float, default=420.0, help="overall bound, seconds")
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--database", default="xai_load_benchmark")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--video-s", type=float, default=20.0,
                        help="tutorial video length (reported on every 2 s while it plays)")
    parser.add_argument("--server-repo", default=str(REPO),
                        help="checkout whose server is measured (e.g. an older commit's worktree)")
    parser.add_argument("--server-log", default=os.path.join(tempfile.gettempdir(),
                                                             "xai-load-gunicorn.log"))
    args = parser.parse_args(argv)
    think = tuple(float(x) for x in args.think.split(":"))
    if args.participants < 1 or len(think) != 2 or think[0] > think[1]:
        parser.error("need --participants >= 1 and --think MIN:MAX")

    with tempfile.TemporaryDirectory(prefix="xai-load-") as tmp:
        env = prepare(args, Path(tmp))
        port = free_port()
        server = start_gunicorn(args, env, port)
        rng = random.Random(args.seed)
        bots = [Bot(f"http://127.0.0.1:{port}", secrets.token_hex(12),
                    random.Random(rng.random()), think) for _ in range(args.participants)]
        deadline = time.monotonic() + args.time_limit
        load_before = os.getloadavg()[0]
        self_cpu0 = time.process_time()
        server_cpu0 = _session_cpu(server.pid)
        t0 = time.monotonic()
        threads = []
        try:
            for i, bot in enumerate(bots):
                delay = t0 + args.ramp * i / max(1, args.participants) - time.monotonic()
                time.sleep(max(0.0, delay))
                thread = threading.Thread(target=bot.run, args=(deadline,), daemon=True)
                thread.start()
                threads.append(thread)
            for thread in threads:
                thread.join(max(0.1, deadline + 60 - time.monotonic()))
        finally:
            wall = time.monotonic() - t0
            load_after = os.getloadavg()[0]
            bots_cpu = time.process_time() - self_cpu0
            server_cpu = _session_cpu(server.pid) - server_cpu0
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        checks = verify(bots)

    timings = [t for b in bots for t in b.timings]
    by_kind = {kind: [s for m, s, _ in timings if m == kind]
               for kind in ("GET", "POST", "ASSET", "STATIC", "REPORT")}
    gets, posts, every = by_kind["GET"], by_kind["POST"], by_kind["GET"] + by_kind["POST"]
    errors = Counter(m for m, _, status in timings if status == 0 or status >= 500)
    connection_errors = Counter(m for m, _, status in timings if status == 0)
    outcomes = Counter(b.outcome.split(":")[0] for b in bots)
    codes = Counter(b.outcome.split(":", 1)[1] for b in bots if b.outcome.startswith("completed"))
    condition_counts = list(checks["conditions"].values())
    spread = max(condition_counts) - min(condition_counts) if condition_counts else 0
    p95 = percentile(every, 0.95) * 1000
    figures = {
        "participants": args.participants, "peak_concurrent_sessions": peak_concurrency(bots),
        "gunicorn": f"{args.workers} workers x {args.threads} threads", "cpus": os.cpu_count(),
        "server_repo": args.server_repo,
        "wall_s": round(wall, 1),
        "throughput_rps": round(len(timings) / wall, 1) if wall else 0,
        "latency_ms": {
            "all": {"p50": round(percentile(every, 0.5) * 1000, 1), "p95": round(p95, 1),
                    "p99": round(percentile(every, 0.99) * 1000, 1),
                    "max": round(max(every, default=0) * 1000, 1),
                    "mean": round(statistics.fmean(every) * 1000, 1) if every else 0},
            "GET_p95": round(percentile(gets, 0.95) * 1000, 1),
            "POST_p95": round(percentile(posts, 0.95) * 1000, 1),
            **{f"{kind}_p50_p95": [round(percentile(by_kind[kind], q) * 1000, 1)
                                   for q in (0.5, 0.95)]
               for kind in ("REPORT", "ASSET", "STATIC")}},
        "requests": {kind: len(values) for kind, values in by_kind.items()},
        "errors": dict(errors), "connection_errors": dict(connection_errors),
        "cpu_ms_per_request": {"gunicorn": round(server_cpu * 1000 / max(1, len(timings)), 1),
                               "bots": round(bots_cpu * 1000 / max(1, len(timings)), 1)},
        "load_average_1min": {"before": round(load_before, 1), "after": round(load_after, 1)},
        "outcomes": dict(outcomes), "completion_codes": dict(codes),
        **checks, "condition_spread": spread,
    }
    targets = {
        "all completed with the code": outcomes.get("completed", 0) == args.participants
        and set(codes) == {"CLOADOK"},
        "p95 < 300 ms": p95 < 300,
        "no errors (5xx or connection)": not errors,
        "no lost or duplicated responses": checks["lost"] == 0 and checks["duplicated"] == 0
        and checks["unexpected"] == 0,
        "condition counts within one": spread <= 1,
    }
    print(json.dumps(figures, indent=2))
    for name, ok in targets.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
