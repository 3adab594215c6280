"""What the load benchmarks (load.py, explorer_load.py) share: Prolific-style entry links, timed
requests (a connection error is recorded with its time, status 0), percentiles, a free port, and
the figures/targets printout with its exit status."""

from __future__ import annotations

import json
import secrets
import socket
import time

import requests


def new_pid() -> str:
    """A Prolific-style participant id (24 hex characters)."""
    return secrets.token_hex(12)


def entry_url(base: str, slug: str, pid: str, *, study_id: str) -> str:
    """The study link as Prolific opens it: PROLIFIC_PID, STUDY_ID and a fresh SESSION_ID."""
    return (f"{base}/s/{slug}/?PROLIFIC_PID={pid}&STUDY_ID={study_id}"
            f"&SESSION_ID={secrets.token_hex(12)}")


def timed_request(timings: list, kind: str, session: requests.Session, method: str, url: str,
                  **kw) -> requests.Response:
    """One request, appended to ``timings`` as (kind, seconds, status); a connection error is
    appended with status 0 and its time kept, then raised."""
    t0 = time.perf_counter()
    try:
        response = session.request(method, url, allow_redirects=False, timeout=60, **kw)
    except requests.RequestException:
        timings.append((kind, time.perf_counter() - t0, 0))
        raise
    timings.append((kind, time.perf_counter() - t0, response.status_code))
    return response


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
