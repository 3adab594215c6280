"""Server cost per request, by kind, of the shipped study-2 flow, measured in one process.

The same study as ``benchmarks/load.py`` (study 2's spec, fixture stimuli and videos, a fresh
PostgreSQL database), walked by participants through Django's test client (every middleware,
CSRF checks enforced, WhiteNoise for static files) in one thread, without gunicorn. The flow's
clock (``studies.clock``) is moved forward instead of waiting, so a video's progress reports
arrive when the page's player would send them (``load.video_reports``, every
``data-report-every-s`` seconds of the study's time) and every page's minimum time is waited out. Each request
is measured on its own: CPU time of this process (``time.process_time``; PostgreSQL's own CPU is
not in it), wall time (CPU plus the database round trips) and the number of SQL queries
(counted by ``connection.execute_wrapper``: Django's debug cursor, which
``CaptureQueriesContext`` turns on, renders each query's text with its values, and that took
about a sixth of the CPU it measured). Files are read out of their responses outside the measurement, as
gunicorn sends them with ``sendfile``.

    .venv/bin/python benchmarks/request_cost.py --participants 20
    .venv/bin/python benchmarks/request_cost.py --participants 5 --profile REPORT

Kinds: ARRIVE (the entry link), GET (a page), POST (an answer), REPORT (a video progress
report), STATIC (scripts, styles), VIDEO and IMAGE (a participant's files). The last column
weights each kind by how often the flow sends it: the mean CPU per request a server of this
flow spends in Django.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urljoin

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import entry_url, new_pid  # noqa: E402
from load import (  # noqa: E402
    COMPLETE,
    SLUG,
    STUDY_ID,
    Bot,
    Form,
    gate_answers,
    prepare,
    report_fields,
    video_reports,
)

REPO = Path(__file__).resolve().parent.parent
KINDS = ("ARRIVE", "GET", "POST", "REPORT", "STATIC", "VIDEO", "IMAGE")


class Clock:
    """``studies.clock.now`` moved forward by the walk instead of by waiting."""

    def __init__(self):
        from django.utils import timezone

        self.t = timezone.now()

    def __call__(self):
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


class Meter:
    """CPU ms, wall ms and queries of each request, by kind (optionally one kind profiled)."""

    def __init__(self, profile: str = ""):
        self.rows: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
        self.profile, self.profiler = profile, cProfile.Profile(time.process_time) if profile else None
        self.sql: dict[str, list[str]] = {}  # the queries of the first request of each kind

    def __call__(self, kind: str, call):
        from django.db import connection

        on = self.profiler is not None and kind == self.profile
        queries: list[str] = []

        def count(execute, sql, params, many, context):  # no debug cursor: its mogrify costs CPU
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            c0, w0 = time.process_time(), time.perf_counter()
            if on:
                self.profiler.enable()
            response = call()
            if on:
                self.profiler.disable()
            c1, w1 = time.process_time(), time.perf_counter()
        if getattr(response, "streaming", False):
            for _ in response.streaming_content:  # sent by gunicorn (sendfile): not measured
                pass
        self.rows[kind].append(((c1 - c0) * 1000, (w1 - w0) * 1000, len(queries)))
        if len(self.rows[kind]) == 2:
            self.sql[kind] = [q[:160] for q in queries]
        return response


def post(client, url: str, data: dict):
    """A POST urlencoded, as a browser submits a form and study.js sends its reports
    (URLSearchParams), and as load.py's bot sends both."""
    return client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")


def walk(client, meter: Meter, clock: Clock, gates: dict, rng: random.Random, think) -> str:
    """One participant through the study as load.py's bot walks it (same answers, same files)."""
    bot = Bot("http://127.0.0.1", new_pid(), rng, think, gates=gates, wrong_first=0.2)
    url = entry_url("http://127.0.0.1", SLUG, bot.pid, study_id=STUDY_ID)
    response = meter("ARRIVE", lambda: client.get(url))
    cached: set[str] = set()
    for _ in range(80):
        if response.status_code in (301, 302, 303):
            location = response["Location"]
            if location.startswith(COMPLETE):
                return "completed"
            response = meter("GET", lambda loc=location: client.get(urljoin(url, loc)))
            continue
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        form = Form()
        form.feed(response.content.decode())
        for src in form.statics:
            if src not in cached:
                cached.add(src)
                meter("STATIC", lambda s=src: client.get(s))
        for src in form.images:
            meter("IMAGE", lambda s=src: client.get(s))
        if form.video:
            meter("VIDEO", lambda s=form.video: client.get(s))
        if form.video and not form.watched_before:
            config = json.loads(form.config)
            for wait, position in video_reports(form.duration, form.report_every_s):
                clock.advance(wait)
                data = report_fields(form, config, position)
                answer = meter("REPORT", lambda u=config["beacon"], d=data: post(client, u, d))
                if answer.status_code == 200 and answer.json().get("complete"):
                    break
        else:
            clock.advance(max(rng.uniform(*think), form.wait_s + 0.3 if form.wait_s else 0.0))
        data, _ = bot.fill(form)
        response = meter("POST", lambda u=form.action, d=data: post(client, u, d))
    return "too many pages"


def table(meter: Meter) -> dict:
    total = sum(len(v) for v in meter.rows.values())
    out = {}
    for kind in KINDS:
        rows = meter.rows.get(kind, [])
        if not rows:
            continue
        cpu, wall, queries = zip(*rows, strict=True)
        out[kind] = {"n": len(rows), "share": round(len(rows) / total, 3),
                     "cpu_ms_median": round(statistics.median(cpu), 2),
                     "cpu_ms_mean": round(statistics.fmean(cpu), 2),
                     "wall_ms_median": round(statistics.median(wall), 2),
                     "queries_median": statistics.median(queries),
                     "queries_max": max(queries)}
    every = [r for rows in meter.rows.values() for r in rows]
    out["all"] = {"n": total,
                  "cpu_ms_mean": round(statistics.fmean(r[0] for r in every), 2),
                  "wall_ms_mean": round(statistics.fmean(r[1] for r in every), 2),
                  "queries_mean": round(statistics.fmean(r[2] for r in every), 2)}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=20)
    parser.add_argument("--think", default="4:10")
    parser.add_argument("--video-s", type=float, default=None)
    parser.add_argument("--profile", choices=KINDS, default="",
                        help="print cProfile's top functions over the requests of this kind")
    parser.add_argument("--sort", default="cumulative", help="cProfile order (e.g. tottime)")
    parser.add_argument("--queries", action="store_true",
                        help="print the SQL of one request of each kind (the second)")
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--database", default="xai_request_cost")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warmup", type=int, default=1,
                        help="participants walked first, unmeasured (the process's first use)")
    parser.add_argument("--server-repo", default=str(REPO),
                        help="checkout whose server code is measured (e.g. an older commit's)")
    args = parser.parse_args(argv)
    args.flow = "study2"
    think = tuple(float(x) for x in args.think.split(":"))
    with tempfile.TemporaryDirectory(prefix="xai-cost-") as tmp:
        prepare(args, Path(tmp))
        os.environ["DJANGO_SETTINGS_MODULE"] = "studyserver.settings"
        server = Path(args.server_repo).resolve()
        # from there: celery imports its task modules (studies.prolific.tasks) with the working
        # directory first on sys.path (celery.utils.imports.cwd_in_path), so run from another
        # checkout, that checkout's studies package was measured, not --server-repo's
        os.chdir(server)
        sys.path.insert(0, str(server))
        import django

        django.setup()
        from django.test import Client

        from studies import clock as study_clock

        clock = Clock()
        study_clock.now = clock
        gates, rng = gate_answers(args.spec), random.Random(args.seed)
        meter = Meter(args.profile)
        outcomes = defaultdict(int)
        handler = Client(enforce_csrf_checks=True).handler  # one server: middleware loaded once

        def browser():  # a participant's own cookie jar
            client = Client(REMOTE_ADDR="127.0.0.1", HTTP_HOST="127.0.0.1")
            client.handler = handler
            return client

        for _ in range(args.warmup):  # imports, compiled lookups, first parse of the spec
            walk(browser(), Meter(), clock, gates, random.Random(0), think)
        for _ in range(args.participants):
            outcomes[walk(browser(), meter, clock, gates, random.Random(rng.random()),
                          think)] += 1
        import studies

        figures = {"participants": args.participants, "outcomes": dict(outcomes),
                   "server_code": str(Path(studies.__file__).parent.parent),
                   "load_average_1_5_15min": [round(x, 1) for x in os.getloadavg()],
                   "by_kind": table(meter)}
        print(json.dumps(figures, indent=2))
        if args.queries:
            print(json.dumps(meter.sql, indent=1))
        if meter.profiler is not None:
            out = io.StringIO()
            pstats.Stats(meter.profiler, stream=out).sort_stats(args.sort).print_stats(45)
            print(out.getvalue())
    return 0 if set(outcomes) == {"completed"} else 1


if __name__ == "__main__":
    raise SystemExit(main())
