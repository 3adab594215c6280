"""``Server-Timing: cpu;dur=MS, app;dur=MS``: the CPU time this thread spent on the request in
Django (``cpu``, ``time.thread_time``: every middleware, the view and the template, not
gunicorn's parsing and sending, not time spent waiting for the database or for the GIL) and the
wall time from entering Django to its answer (``app``, ``time.perf_counter``: the same span with
the waits for the database and the GIL in it). A client's latency minus ``app`` is what the
request spent outside Django: gunicorn's queue and sending, the network, the client itself.
Off unless ``SERVER_TIMING_CPU=1`` (``benchmarks/load.py`` sets it to report them per request
kind); the header would tell anyone how long the server computes."""

from __future__ import annotations

import time


class CpuTiming:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started, wall = time.thread_time(), time.perf_counter()
        response = self.get_response(request)
        cpu, app = time.thread_time() - started, time.perf_counter() - wall
        response["Server-Timing"] = f"cpu;dur={cpu * 1000:.3f}, app;dur={app * 1000:.3f}"
        return response
