"""What the load benchmarks (load.py, explorer_load.py) share: Prolific-style entry links, a
browser's HTTP session (its own cookie jar and connection pool, aiohttp on the benchmark's one
event loop), timed requests (a connection error is recorded with its time, status 0),
percentiles, a free port, and the figures/targets printout with its exit status."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

# what a request can fail with short of an HTTP answer: refused, reset, closed, timed out
CONNECTION_ERRORS = (aiohttp.ClientError, TimeoutError)
TIMEOUT_S = 60.0
KEEPALIVE_S = 60.0  # the client closes idle connections before gunicorn does (75 s)


def new_pid() -> str:
    """A Prolific-style participant id (24 hex characters)."""
    return secrets.token_hex(12)


def entry_url(base: str, slug: str, pid: str, *, study_id: str) -> str:
    """The study link as Prolific opens it: PROLIFIC_PID, STUDY_ID and a fresh SESSION_ID."""
    return (f"{base}/s/{slug}/?PROLIFIC_PID={pid}&STUDY_ID={study_id}"
            f"&SESSION_ID={secrets.token_hex(12)}")


def browser_session() -> aiohttp.ClientSession:
    """One participant's browser: its own cookies (``unsafe``: the server is 127.0.0.1, whose
    cookies aiohttp would otherwise drop), up to 6 connections to the server as browsers keep
    per host, reused while idle for up to KEEPALIVE_S."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=6, keepalive_timeout=KEEPALIVE_S),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        # as requests' timeout=60 was: 60 s to connect and 60 s for each read, not in all
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=TIMEOUT_S, sock_read=TIMEOUT_S))


@dataclass
class Reply:
    """A whole HTTP answer (its body read, as a browser reads it before the page counts)."""

    status: int
    headers: Any  # case-insensitive, as aiohttp gives them
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


async def timed_request(timings: list, kind: str, session: aiohttp.ClientSession, method: str,
                        url: str, *, data: dict | None = None) -> Reply:
    """One request, its body read, appended to ``timings`` as (kind, seconds, status); a
    connection error is appended with status 0 and its time kept, then raised. ``data`` goes
    urlencoded, as a browser submits a form and study.js sends its reports (URLSearchParams)."""
    t0 = time.perf_counter()
    try:
        async with session.request(method, url, data=data, allow_redirects=False) as response:
            reply = Reply(response.status, response.headers, await response.read())
    except CONNECTION_ERRORS:
        timings.append((kind, time.perf_counter() - t0, 0))
        raise
    timings.append((kind, time.perf_counter() - t0, reply.status))
    return reply


async def run_all(starts: list[Callable[[], Awaitable]], *, ramp: float, deadline: float) -> None:
    """Start each participant (a coroutine function) evenly over ``ramp`` seconds as a task on
    this one event loop and wait for all of them, a minute past ``deadline`` (time.monotonic)
    at most, a request's own time-out; any still running then are cancelled."""
    t0, tasks = time.monotonic(), []
    for i, start in enumerate(starts):
        await asyncio.sleep(max(0.0, t0 + ramp * i / max(1, len(starts)) - time.monotonic()))
        tasks.append(asyncio.create_task(start()))
    _, late = await asyncio.wait(tasks, timeout=max(0.1, deadline + 60 - time.monotonic()))
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)


async def loop_lag(coro, late: list[float], every: float = 0.05):
    """Await ``coro`` while sampling how late this event loop wakes a sleep of ``every``
    seconds (each lateness appended to ``late``, in seconds): the delay the client itself adds
    to every timed request while its one loop is busy or descheduled."""

    async def sample():
        while True:
            started = time.perf_counter()
            await asyncio.sleep(every)
            late.append(max(0.0, time.perf_counter() - started - every))

    sampler = asyncio.create_task(sample())
    try:
        return await coro
    finally:
        sampler.cancel()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def ms(values: list[float], q: float) -> float:
    """The ``q`` percentile of durations in seconds, in milliseconds (one decimal)."""
    return round(percentile(values, q) * 1000, 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def report(figures: dict, targets: dict[str, bool]) -> int:
    """Print the figures (JSON) and one PASS/FAIL line per target; 0 if every target is met."""
    print(json.dumps(figures, indent=2))
    for name, ok in targets.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(targets.values()) else 1


def load_average(before, after=None) -> dict:
    """The 1/5/15-minute load averages (``os.getloadavg()``) taken at the start (``before``)
    and at the end (``after``, default now), rounded as the benchmarks print them."""
    after = os.getloadavg() if after is None else after
    return {"before": [round(x, 1) for x in before], "after": [round(x, 1) for x in after]}
