"""``Server-Timing: cpu;dur=MS``: the CPU time this thread spent on the request in Django
(``time.thread_time``: every middleware, the view and the template, not gunicorn's parsing and
sending, not time spent waiting for the database or for the GIL). Off unless
``SERVER_TIMING_CPU=1`` (``benchmarks/load.py`` sets it to report CPU per request kind); the
header would tell anyone how long the server computes."""

from __future__ import annotations

import time


class CpuTiming:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.thread_time()
        response = self.get_response(request)
        response["Server-Timing"] = f"cpu;dur={(time.thread_time() - started) * 1000:.3f}"
        return response
