"""Where the explorer's inference runs: in the web worker, or a separate service fed by Redis?

Measures, side by side on this machine:

* in the web worker (what the platform does): the model's load time and resident memory per
  process, and the latency of a probe (render + forward pass + PNG) that misses the cache and
  one that hits it;
* through Redis: the same probes sent by a client to a separate inference process over a Redis
  list (request: the scene as JSON; answer: score + PNG), the round trip timed by the client and
  the compute time reported by the service, so the difference is the cost of the hop.

    .venv/bin/python benchmarks/explorer_placement.py --redis redis://127.0.0.1:6379/8 --probes 20

Prints one line per figure (medians and p95 in ms). Not a timed test; under a shared machine's
load the absolute figures move, the in-worker vs via-Redis difference is what it is for.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def _service(url: str, ready) -> None:
    import redis

    from explainers.explorer import shared_scorer

    scorer = shared_scorer()
    conn = redis.Redis.from_url(url)
    ready.set()
    while True:
        _, raw = conn.blpop("explorer:requests")
        request = json.loads(raw)
        if request.get("stop"):
            return
        probe = scorer.probe(request["scene"])
        conn.rpush(request["reply"], json.dumps({"score": probe.score,
                                                 "compute_ms": probe.compute_ms,
                                                 "png": probe.png.hex()}))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", default=os.environ.get("TEST_CELERY_BROKER_URL",
                                                          "redis://127.0.0.1:6379/8"))
    parser.add_argument("--probes", type=int, default=20)
    args = parser.parse_args(argv)

    import torch

    from explainers.explorer import Scorer, sampled_scenes
    from explainers.models import load_checkpoint

    torch.set_num_threads(1)
    scenes = sampled_scenes(sampler="unbiased", seed=1, count=12)
    more = sampled_scenes(sampler="unbiased", seed=2, count=12)
    scenes = (scenes + more)[: args.probes]
    before = _rss_mb()
    started = time.perf_counter()
    scorer = Scorer(load_checkpoint())
    load_s = time.perf_counter() - started
    scorer.probe(scenes[0])  # first forward pass allocates its buffers
    after = _rss_mb()
    scorer = Scorer(scorer.model)
    miss, hit = [], []
    for scene in scenes:
        t = time.perf_counter()
        scorer.probe(scene)
        miss.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        scorer.probe(scene)
        hit.append((time.perf_counter() - t) * 1000)
    print(f"load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"in-worker: model load {load_s:.2f} s, resident memory +{after - before:.0f} MB "
          f"per process")
    print(f"in-worker: probe miss median {statistics.median(miss):.1f} ms p95 {_p95(miss):.1f} "
          f"ms; hit median {statistics.median(hit):.3f} ms")

    import redis

    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    service = ctx.Process(target=_service, args=(args.redis, ready), daemon=True)
    service.start()
    ready.wait(120)
    conn = redis.Redis.from_url(args.redis)
    trip, compute = [], []
    for i, scene in enumerate(scenes):
        reply = f"explorer:reply:{os.getpid()}:{i}"
        t = time.perf_counter()
        conn.rpush("explorer:requests", json.dumps({"scene": scene, "reply": reply}))
        _, raw = conn.blpop(reply, timeout=60)
        trip.append((time.perf_counter() - t) * 1000)
        answer = json.loads(raw)
        bytes.fromhex(answer["png"])
        compute.append(answer["compute_ms"])
    conn.rpush("explorer:requests", json.dumps({"stop": True}))
    service.join(10)
    hop = [a - b for a, b in zip(trip, compute, strict=True)]
    print(f"via Redis: round trip median {statistics.median(trip):.1f} ms p95 {_p95(trip):.1f} "
          f"ms; service compute median {statistics.median(compute):.1f} ms; hop median "
          f"{statistics.median(hop):.1f} ms p95 {_p95(hop):.1f} ms")
    print(f"load average (1 min) after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
