"""Load benchmark: simulated participants walk the shipped study 2 as a browser does, concurrently.

It creates a fresh PostgreSQL database and loads study 2's own spec
(``studies/specs/two4two-study2.yaml``: consent, device check, three tutorial videos with their
summaries and comprehension gates, the explanation with five relevance questions, its 30 s minimum
time and justifications, the expertise question, completion), changed only where a benchmark
cannot render: each condition shows a published fixture stimulus of the study's 10x5 layout (its
grid image, what the page shows, a 320x640 noise PNG of 600 kB, as large as a real one), and each generated tutorial video is a fixture file of the length its
narration script gives (``--video-s`` sets all three). It starts gunicorn on 127.0.0.1 with the
checkout's ``studyserver/gunicorn.conf.py`` (as the docker image does) and lets N simulated
participants (tasks on one asyncio event loop, each with its own aiohttp cookie jar and
connection pool, so the client costs little CPU beside the server) enter with Prolific
parameters and walk every page. Like a browser, each bot fetches every page's scripts and style
sheet (once, then cached), the explanation's image and each video file; while a video plays it
posts its position in real time as static/studies/video.js does, every ``data-report-every-s``
seconds (the interval the page gives the player) and once at the end; it waits out each page's
minimum time (the form's ``data-wait-s``, as study.js keeps Continue disabled) before it answers;
it answers the comprehension gates right, except that a share of first tries
(``--wrong-first``) gets one statement wrong, which sends it back to that gate's video (skipped
through, as a participant who watched it may) and summary to try again. Every HTTP request is
timed; a connection error counts as an error and its time stays in the latencies. Afterwards the
database is checked: every answer a bot sent is stored exactly once (no lost or duplicated
responses), every bot was redirected to Prolific with the completion code, and the condition
counts are within one. ``--server-repo`` measures another checkout's server (e.g. an older
commit, extracted with ``git archive``) with the same client, side by side. ``--flow small`` walks
the earlier 5-step study (one video, no gates, no minimum time, a 64x64 white grid) instead.

    .venv/bin/python benchmarks/load.py --participants 2000 --ramp 600 --workers 3 --threads 8

Targets: p95 page latency (page GETs and answer POSTs) < 300 ms, no errors, zero lost or
duplicated responses, condition counts within one. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (  # noqa: E402
    CONNECTION_ERRORS,
    Reply,
    browser_session,
    entry_url,
    free_port,
    load_average,
    loop_lag,
    ms,
    new_pid,
    percentile,
    report,
    run_all,
    timed_request,
)

REPO = Path(__file__).resolve().parent.parent
SLUG = "load-benchmark"
SHIPPED = "studies/specs/two4two-study2.yaml"
STUDY_ID = "ab" * 12
COMPLETE = "https://app.prolific.com/submissions/complete?cc="
# A page without data-report-every-s (a server before it had one): video.js reported every 2 s.
OLD_REPORT_EVERY_S = 2.0
RETRY_S = (1.0, 2.0, 4.0, 8.0)  # video.js: a report that did not arrive is sent again
READY_PATH = "/static/studies/study.js"  # what start_gunicorn waits for
GAP_S, MIN_SLIDE_S = 0.6, 2.0  # studies/tutorials: silence after each narration, shortest slide
SMALL_SPEC = """
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


def fixture_stimulus(root: Path, name: str, rows: int = 2, cols: int = 2, px: int = 32,
                     grid_px: int = 0) -> str:
    """Publish a rows x cols fixture stimulus (Contract 3) and return its key. Its grid image
    (what the page shows) is a white 64x64 PNG, or with ``grid_px`` cells of that size filled
    with noise, which PNG cannot compress: a file about as large as a real explanation grid."""
    from PIL import Image

    key = hashlib.sha256(f"load-benchmark-fixture:{name}:{rows}x{cols}".encode()).hexdigest()
    folder = root / key
    folder.mkdir(parents=True, exist_ok=True)
    cells = []
    for row in range(rows):
        for col in range(cols):
            file = f"r{row:02d}c{col:02d}.png"
            Image.new("RGB", (px, px), (20 * row + 40, 40 * col + 50, 120)).save(folder / file)
            cells.append({"row": row, "col": col, "file": file, "logit": 0.0, "scene": {},
                          "extra": {}, "sha256": hashlib.sha256((folder / file).read_bytes())
                          .hexdigest()})
    if grid_px:
        size = (grid_px * cols, grid_px * rows)
        noise = random.Random(key).randbytes(size[0] * size[1] * 3)
        Image.frombytes("RGB", size, noise).save(folder / "grid.png")
    else:
        Image.new("RGB", (64, 64), "white").save(folder / "grid.png")
    (folder / "meta.json").write_text("{}")
    files = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
             for name in ("grid.png", "meta.json")}
    col_labels = ["very certain Peeky", "Peeky", "either", "Stretchy", "very certain Stretchy"]
    manifest = {"key": key, "explainer": "load-fixture", "version": "0", "params": {}, "seed": 0,
                "checkpoint_hash": "", "dataset_hash": "", "rows": rows, "cols": cols,
                "row_labels": [], "col_labels": col_labels[:cols] if cols == 5 else
                ["Peeky", "Stretchy"][:cols], "grid_image": "grid.png",
                "cells": cells, "files": files, "created": "2026-11-23T00:00:00Z"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return key


def narration_seconds(script: Path) -> float:
    """A generated tutorial video's length, from its script as studies/tutorials times it:
    each slide's narration at the script's words per minute plus a gap, at least 2 s."""
    data = yaml.safe_load(script.read_text())
    wpm = data.get("words_per_minute", 150)
    return round(sum(max(len(s.get("narration", "").split()) / wpm * 60 + GAP_S, MIN_SLIDE_S)
                     for s in data["slides"]), 1)


def shipped_spec(media: Path, video_s: float | None, client_repo: Path = REPO) -> dict:
    """Study 2's spec with fixture stimuli and fixture videos (everything else as shipped)."""
    data = yaml.safe_load((client_repo / SHIPPED).read_text())
    data["slug"], data["title"] = SLUG, "Load benchmark (study 2's flow)"
    data.pop("checkpoint", None)  # nothing is rendered
    for condition in data["conditions"]:
        for key in ("explainer", "params", "variants"):
            condition.pop(key, None)
        condition["explainer"] = "load-fixture"
        condition["stimulus_key"] = fixture_stimulus(media / "stimuli", condition["name"], 10, 5,
                                                     grid_px=64)

    def video(fields: dict) -> None:
        name = fields.pop("generated", "")
        if name:
            fields["file"] = f"tutorials/{name}.mp4"
            fields["duration_s"] = video_s or narration_seconds(client_repo / "tutorials"
                                                                 / f"{name}.yaml")
            target = media / fields["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(200_000))  # a 200 kB "video"

    for step in data["steps"]:
        if step["type"] == "video":
            video(step)
            for override in (step.get("by_condition") or {}).values():
                video(override)
        if step.get("answer_key_from"):  # the shipped model's ground truth, read here
            truth = json.loads((client_repo / step.pop("answer_key_from")).read_text())
            step["answer_key"] = truth["answer_key"]
    return data


def gate_answers(spec: dict) -> dict[str, dict[str, str]]:
    """Step id -> statement id -> the right answer ("true"/"false"), every condition's version."""
    out: dict[str, dict[str, str]] = {}
    for step in spec.get("steps", []):
        if step["type"] != "comprehension_gate":
            continue
        versions = [step] + list((step.get("by_condition") or {}).values())
        out[step["id"]] = {s["id"]: str(s["answer"]).lower()
                           for v in versions for s in v.get("statements", [])}
    return out


def prepare(args, workdir: Path) -> dict:
    """Fresh database + media folder + loaded study; returns the server's environment (and sets
    ``args.spec``, the loaded spec as data, and ``args.completion_code``)."""
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
        "DJANGO_SECRET_KEY": new_pid() * 3,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": str(media),
        "STIMULI_ROOT": str(media / "stimuli"),
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "ERROR",
        "ARRIVALS_PER_ADDRESS_PER_MINUTE": "0",  # every simulated participant is 127.0.0.1
        "SERVER_TIMING_CPU": "1",  # CPU per request in a header (studyserver.timing)
    }
    os.environ.update(env)
    per_condition = -(-args.participants // 3) + 5  # room for everyone: nobody is refused "full"
    spec = workdir / "load-benchmark.yaml"
    if getattr(args, "flow", "small") == "study2":
        data = shipped_spec(media, getattr(args, "video_s", None))
        for condition in data["conditions"]:
            condition["target"] = per_condition
        data["prolific"]["max_places"] = max(data["prolific"].get("max_places") or 0,
                                             3 * per_condition)
        spec.write_text(yaml.safe_dump(data, sort_keys=False))
    else:
        conditions = "\n".join(
            f"  - {{name: {name}, explainer: load-fixture, target: {per_condition}, "
            f"stimulus_key: {fixture_stimulus(media / 'stimuli', name)}}}"
            for name in ("baseline", "inn", "concepts"))
        video = media / "tutorials" / "load.mp4"
        video.parent.mkdir(parents=True, exist_ok=True)
        video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(200_000))  # a 200 kB "video"
        spec.write_text(SMALL_SPEC.format(conditions=conditions,
                                          video_s=getattr(args, "video_s", None) or 20.0))
        data = yaml.safe_load(spec.read_text())
    args.spec, args.completion_code = data, data["prolific"]["codes"]["completion"]
    repo = Path(args.server_repo).resolve()
    manage = [sys.executable, str(repo / "manage.py")]
    for command in (["migrate", "--noinput", "-v", "0"], ["load_study", str(spec)]):
        subprocess.run(manage + command, env={**env, "PYTHONPATH": str(repo)}, cwd=repo,
                       check=True, stdout=subprocess.DEVNULL)
    return env


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
    log = open(args.server_log, "wb")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen(command, env=env, cwd=repo, start_new_session=True,
                              stdout=log, stderr=log)
    until = time.monotonic() + 90
    while time.monotonic() < until:
        try:
            # up once it answers (a script: no participant is created and nothing is logged;
            # the entry link without Prolific's parameters used here before answered 400 and
            # logged "Bad Request" four times per worker)
            requests.get(f"http://127.0.0.1:{port}{READY_PATH}", timeout=30)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise SystemExit(f"gunicorn did not answer within 90 s (see {args.server_log})")


# -- the simulated participant --------------------------------------------------------------------


def video_reports(duration: float, every: float) -> list[tuple[float, float]]:
    """(seconds to wait, position) of a played video's progress reports, as video.js sends them:
    one every ``every`` seconds while it plays and one when it ends."""
    if duration <= 0 or every <= 0:
        raise ValueError(f"need a video length and an interval > 0, not {duration}, {every}")
    out, position = [], 0.0
    while position < duration:
        wait = min(every, duration - position)
        position = min(duration, position + wait)
        out.append((wait, position))
    return out


def report_fields(form: Form, config: dict, position: float) -> dict:
    """A progress report's fields (urlencoded), as study.js's studyBeacon sends them."""
    return {"kind": "video", "position": f"{position:.2f}", "step": config["step"],
            "nonce": config["nonce"], "t": str(int(time.time() * 1000)),
            "csrfmiddlewaretoken": form.hidden.get("csrfmiddlewaretoken", "")}


class Form(HTMLParser):
    """The fields of the page's step form, as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.action, self.hidden, self.radios = "", {}, {}
        self.texts, self.buttons, self.images, self._in_form = [], [], [], False
        self.statics, self.video, self.duration, self.config, self._in_config = [], "", 0.0, "", False
        self.wait_s, self.watched_before, self.step = 0.0, False, ""
        self.report_every_s = OLD_REPORT_EVERY_S

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
            self.watched_before = a.get("data-watched-before") == "1"
            self.report_every_s = float(a.get("data-report-every-s") or OLD_REPORT_EVERY_S)
        if tag == "form" and a.get("id") == "step-form":
            self._in_form, self.action = True, a.get("action", "")
            self.wait_s, self.step = float(a.get("data-wait-s") or 0), a.get("data-step", "")
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
    """One simulated participant: a task on the benchmark's event loop with its own browser
    session (cookies, connections; harness.browser_session)."""

    base: str
    pid: str
    rng: random.Random
    think: tuple[float, float]
    gates: dict = field(default_factory=dict)  # step -> statement -> right answer
    wrong_first: float = 0.0  # share of first tries at a gate with one statement wrong
    timings: list = field(default_factory=list)  # (kind, seconds, status)
    answers: Counter = field(default_factory=Counter)  # (step, response) sent and accepted
    gate_tries: Counter = field(default_factory=Counter)
    outcome: str = "not started"
    started: float = 0.0
    ended: float = 0.0

    cached: set = field(default_factory=set)  # static files the browser has already
    server_cpu: list = field(default_factory=list)  # (kind, ms): the Server-Timing header's
    # (kind, Django's wall ms, the client's ms) of every timed request with Server-Timing
    server_wall: list = field(default_factory=list)
    ends: list = field(default_factory=list)  # (kind, seconds, time.monotonic() at its end)

    async def request(self, session, method, url, cpu_kind: str = "", **kw) -> Reply:
        """One timed request (kinds GET, POST, ASSET, STATIC, REPORT; a body urlencoded, as
        the browser sends forms and study.js its reports). The server's CPU time
        (``Server-Timing: cpu``, studyserver.timing) is kept by ``cpu_kind`` (default: the
        request's kind; the entry link is ARRIVE, an asset VIDEO or IMAGE)."""
        verb = {"ASSET": "GET", "STATIC": "GET", "REPORT": "POST"}.get(method, method)
        response = await timed_request(self.timings, method, session, verb, url, **kw)
        self.ends.append((method, self.timings[-1][1], time.monotonic()))
        header = response.headers.get("Server-Timing", "")
        cpu, app = server_timing_ms(header, "cpu"), server_timing_ms(header, "app")
        if cpu is not None:
            self.server_cpu.append((cpu_kind or method, cpu))
        if app is not None:
            self.server_wall.append((method, app, self.timings[-1][1] * 1000))
        return response

    async def load_page_files(self, session, url, form: Form):
        """What the browser fetches with a page: scripts and styles (once, then cached), the
        explanation's images, the video."""
        for src in form.statics:
            if src not in self.cached:
                self.cached.add(src)
                await self.request(session, "STATIC", urljoin(url, src))
        for src in form.images:
            await self.request(session, "ASSET", urljoin(url, src), cpu_kind="IMAGE")
        if form.video:
            await self.request(session, "ASSET", urljoin(url, form.video), cpu_kind="VIDEO")

    async def watch(self, session, url, form: Form, deadline: float):
        """Play the video in real time, reporting the position as video.js does
        (:func:`video_reports`); the report at the end, if it does not arrive (a connection
        error, a 5xx), is sent again after 1, 2, 4 and 8 s, as video.js does."""
        config = json.loads(form.config)
        beacon = urljoin(url, config["beacon"])
        waits = video_reports(form.duration, form.report_every_s)
        waits += [(retry, form.duration) for retry in RETRY_S]
        for n, (wait, position) in enumerate(waits):
            await asyncio.sleep(wait)
            if time.monotonic() > deadline:
                return
            answer = await self.request(session, "REPORT", beacon,
                                        data=report_fields(form, config, position))
            if answer.status == 200 and answer.json().get("complete"):
                return
            if n >= len(waits) - len(RETRY_S) - 1 and answer.status == 200:
                return  # answered, not complete: the page says so and Continue stays disabled

    def fill(self, form: Form) -> tuple[dict, Counter]:
        data, sent = dict(form.hidden), Counter()
        step = form.hidden.get("step", form.step)
        for name in ("viewport_width", "viewport_height"):
            if name in data:
                data[name] = "1280" if name.endswith("width") else "800"
        for name in data:
            if name.startswith("rt-") or name == "rt_ms":
                data[name] = str(self.rng.randint(800, 9000))
        right = self.gates.get(step)
        wrong = None
        if right is not None:
            self.gate_tries[step] += 1
            if self.gate_tries[step] == 1 and self.rng.random() < self.wrong_first:
                wrong = self.rng.choice(sorted(form.radios))  # one statement wrong
        for name, values in form.radios.items():
            statement = name.removeprefix("statement-")
            if right is not None and statement in right:
                value = right[statement]
                if name == wrong:
                    value = "false" if value == "true" else "true"
            else:
                value = self.rng.choice(values)
            data[name] = value
            sent[(step, value)] += 1
        for name in form.texts:
            data[name] = "It changes from one column of the grid to the next, so it matters."
        if form.buttons:
            name, value = next(((n, v) for n, v in form.buttons if v == "agree"), form.buttons[0])
            data[name] = value
        return data, sent

    async def run(self, deadline: float):
        self.started = time.monotonic()
        url = entry_url(self.base, SLUG, self.pid, study_id=STUDY_ID)
        try:
            async with browser_session() as session:
                await self.walk(session, url, deadline)
        except CONNECTION_ERRORS as exc:
            self.outcome = f"error: {type(exc).__name__}"
        finally:
            self.ended = time.monotonic()

    async def walk(self, session, url: str, deadline: float):
        response = await self.request(session, "GET", url, cpu_kind="ARRIVE")
        for _ in range(60):
            if response.status in (301, 302, 303):
                location = response.headers["Location"]
                if location.startswith(COMPLETE):
                    self.outcome = f"completed:{location[len(COMPLETE):]}"
                    return
                response = await self.request(session, "GET", urljoin(url, location))
                continue
            if response.status != 200:
                self.outcome = f"HTTP {response.status} on {urlparse(url).path}"
                return
            form = Form()
            form.feed(response.text())
            if not form.action:
                self.outcome = "page without a step form"
                return
            shown = time.monotonic()
            await self.load_page_files(session, url, form)
            if time.monotonic() > deadline:
                self.outcome = "deadline"
                return
            if form.video and not form.watched_before:
                await self.watch(session, url, form, deadline)
            elif form.video:  # watched before a failed gate: skipped through
                await asyncio.sleep(self.rng.uniform(0.5, 2.0))
            else:  # reading and answering, at least the page's minimum time
                think = self.rng.uniform(*self.think)
                wait = form.wait_s + 0.3 if form.wait_s else 0.0
                await asyncio.sleep(max(0.0, max(think, wait) - (time.monotonic() - shown)))
            data, sent = self.fill(form)
            response = await self.request(session, "POST", urljoin(url, form.action), data=data)
            if response.status in (301, 302, 303):
                self.answers.update(sent)
        self.outcome = "too many pages"


# -- checks and figures ---------------------------------------------------------------------------

CPU_KINDS = ("ARRIVE", "GET", "POST", "REPORT", "STATIC", "VIDEO", "IMAGE")


def server_timing_ms(header: str, metric: str) -> float | None:
    """The duration (ms) of ``metric`` (``cpu``, ``app``: studyserver.timing) in a
    ``Server-Timing`` header, None without one."""
    for entry in header.split(","):
        name, _, params = entry.strip().partition(";")
        if name == metric:
            for param in params.split(";"):
                key, _, value = param.strip().partition("=")
                if key == "dur":
                    try:
                        return float(value)
                    except ValueError:
                        return None
    return None


def cpu_by_kind(bots: list[Bot]) -> dict:
    """Django's CPU ms per request (Server-Timing) by kind: count, median, mean, share of all
    of it; and the mean over every request."""
    rows = [r for b in bots for r in b.server_cpu]
    total = sum(ms_ for _, ms_ in rows) or 1.0
    out = {}
    for kind in CPU_KINDS:
        values = [ms_ for k, ms_ in rows if k == kind]
        if values:
            out[kind] = {"n": len(values), "median": round(statistics.median(values), 2),
                         "mean": round(statistics.fmean(values), 2),
                         "share_of_cpu": round(sum(values) / total, 3)}
    if rows:
        out["all"] = {"n": len(rows), "mean": round(statistics.fmean(v for _, v in rows), 2)}
    return out


def wall_split(bots: list[Bot]) -> dict:
    """Where the pages' (GET, POST) time went, p50 / p95 / p99 in ms: in Django (``app``:
    middlewares, view, templates, the waits for the database and the GIL) and outside it (the
    client's latency minus that: gunicorn's queue, parsing and sending, the network, the
    client's own event loop), the client's latency beside them."""
    rows = [r for b in bots for r in b.server_wall if r[0] in ("GET", "POST")]
    if not rows:
        return {}

    def qs(values):
        return [round(percentile(values, q), 1) for q in (0.5, 0.95, 0.99)]

    return {"n": len(rows), "in_django_p50_p95_p99": qs([app for _, app, _ in rows]),
            "outside_django_p50_p95_p99": qs([max(0.0, c - app) for _, app, c in rows]),
            "client_p50_p95_p99": qs([c for _, _, c in rows])}


def pages_by_minute(bots: list[Bot], t0: float) -> list[dict]:
    """The pages' (GET, POST) count and p95 ms in each minute of the run (by when each
    request ended), with the sessions open then: a stall shows as one bad minute."""
    ends = [(end - t0, s) for b in bots for m, s, end in b.ends if m in ("GET", "POST")]
    minutes: dict[int, list[float]] = {}
    for at, seconds in ends:
        minutes.setdefault(int(at // 60), []).append(seconds)
    out = []
    for minute in sorted(minutes):
        start, stop = t0 + 60 * minute, t0 + 60 * (minute + 1)
        open_ = sum(1 for b in bots if b.started < stop and (b.ended or stop) > start)
        out.append({"minute": minute, "pages": len(minutes[minute]),
                    "p95_ms": ms(minutes[minute], 0.95), "sessions": open_})
    return out


ANSWERED = ("relevance", "likert", "expertise", "choice", "comprehension")


def verify(bots: list[Bot]) -> dict:
    """Compare what the bots sent with what the database holds."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyserver.settings")
    django.setup()
    from studies.models import Participant, Response

    stored = Counter(Response.objects.filter(participant__study__slug=SLUG)
                     .filter(item_type__in=ANSWERED)
                     .values_list("participant__prolific_pid", "step", "response"))
    sent = Counter({(b.pid, step, value): n for b in bots
                    for (step, value), n in b.answers.items()})
    lost = sum((sent - stored).values())
    extra = sum((stored - sent).values())
    rows = Counter(Response.objects.filter(participant__study__slug=SLUG)
                   .values_list("participant_id", "step", "round", "item"))
    duplicated = sum(n - 1 for n in rows.values() if n > 1)
    conditions = Counter(Participant.objects.filter(study__slug=SLUG)
                         .values_list("condition__name", flat=True))
    statuses = Counter(Participant.objects.filter(study__slug=SLUG)
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
    parser.add_argument("--flow", choices=("study2", "small"), default="study2",
                        help="study2: the shipped study 2 (default); small: the 5-step study")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--ramp", type=float, default=60.0, help="seconds over which bots start")
    parser.add_argument("--think", default="4:10", help="seconds per page, MIN:MAX")
    parser.add_argument("--wrong-first", type=float, default=0.2,
                        help="share of first tries at a gate with one statement wrong")
    parser.add_argument("--time-limit", type=float, default=1200.0, help="overall bound, seconds")
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--database", default="xai_load_benchmark")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--video-s", type=float, default=None,
                        help="every tutorial video's length (default: study2: each narration "
                        "script's length; small: 20 s); reported on as the page's player does")
    parser.add_argument("--server-repo", default=str(REPO),
                        help="checkout whose server is measured (e.g. an older commit's worktree)")
    parser.add_argument("--server-log", default=os.path.join(tempfile.gettempdir(),
                                                             "xai-load-gunicorn.log"))
    args = parser.parse_args(argv)
    think = tuple(float(x) for x in args.think.split(":"))
    if args.participants < 1 or len(think) != 2 or think[0] > think[1] or not (
            0 <= args.wrong_first <= 1):
        parser.error("need --participants >= 1, --think MIN:MAX and 0 <= --wrong-first <= 1")

    with tempfile.TemporaryDirectory(prefix="xai-load-") as tmp:
        env = prepare(args, Path(tmp))
        gates = gate_answers(args.spec)
        port = free_port()
        server = start_gunicorn(args, env, port)
        rng = random.Random(args.seed)
        bots = [Bot(f"http://127.0.0.1:{port}", new_pid(), random.Random(rng.random()), think,
                    gates=gates, wrong_first=args.wrong_first)
                for _ in range(args.participants)]
        deadline = time.monotonic() + args.time_limit
        load_before = os.getloadavg()
        self_cpu0 = time.process_time()
        server_cpu0 = _session_cpu(server.pid)
        t0 = time.monotonic()
        late: list[float] = []
        try:
            asyncio.run(loop_lag(run_all([functools.partial(bot.run, deadline) for bot in bots],
                                         ramp=args.ramp, deadline=deadline), late))
        finally:
            wall = time.monotonic() - t0
            load_after = os.getloadavg()
            bots_cpu = time.process_time() - self_cpu0
            server_cpu = _session_cpu(server.pid) - server_cpu0
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        checks = verify(bots)
        log_lines = Path(args.server_log).read_text(errors="replace").splitlines()

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
    retried = sum(1 for b in bots for step, n in b.gate_tries.items() if n > 1)
    figures = {
        "flow": args.flow, "participants": args.participants,
        "peak_concurrent_sessions": peak_concurrency(bots),
        "gunicorn": f"{args.workers} workers x {args.threads} threads", "cpus": os.cpu_count(),
        "server_repo": args.server_repo,
        "wall_s": round(wall, 1),
        "throughput_rps": round(len(timings) / wall, 1) if wall else 0,
        "requests_per_participant": round(len(timings) / max(1, args.participants), 1),
        "gate_retries": retried,
        "latency_ms": {
            "pages": {"p50": ms(every, 0.5), "p95": round(p95, 1), "p99": ms(every, 0.99),
                      "max": round(max(every, default=0) * 1000, 1),
                      "mean": round(statistics.fmean(every) * 1000, 1) if every else 0},
            "GET_p95": ms(gets, 0.95), "POST_p95": ms(posts, 0.95),
            **{f"{kind}_p50_p95": [ms(by_kind[kind], q) for q in (0.5, 0.95)]
               for kind in ("REPORT", "ASSET", "STATIC")}},
        "requests": {kind: len(values) for kind, values in by_kind.items()},
        "errors": dict(errors), "connection_errors": dict(connection_errors),
        "cpu_ms_per_request": {"gunicorn": round(server_cpu * 1000 / max(1, len(timings)), 1),
                               "bots": round(bots_cpu * 1000 / max(1, len(timings)), 1)},
        # in Django only (Server-Timing); the rest of gunicorn's is its own parsing and sending
        "django_cpu_ms_by_kind": cpu_by_kind(bots),
        "pages_wall_split_ms": wall_split(bots),
        # how late the client's event loop woke a 50 ms sleep: its own share of every latency
        "client_loop_late_ms": {"p50": ms(late, 0.5), "p95": ms(late, 0.95),
                                "p99": ms(late, 0.99), "max": ms(late, 1.0)},
        "pages_by_minute": pages_by_minute(bots, t0),
        "load_average_1_5_15min": load_average(load_before, load_after),
        "outcomes": dict(outcomes), "completion_codes": dict(codes),
        # gunicorn's and Django's warnings (e.g. "Bad Request: PATH" for a 400): none expected
        "server_log": {"path": args.server_log, "lines": len(log_lines),
                       "first": log_lines[:5]},
        **checks, "condition_spread": spread,
    }
    targets = {
        "all completed with the code": outcomes.get("completed", 0) == args.participants
        and set(codes) == {args.completion_code},
        "page p95 < 300 ms": p95 < 300,
        "no errors (5xx or connection)": not errors,
        "no lost or duplicated responses": checks["lost"] == 0 and checks["duplicated"] == 0
        and checks["unexpected"] == 0,
        "condition counts within one": spread <= 1,
    }
    return report(figures, targets)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
