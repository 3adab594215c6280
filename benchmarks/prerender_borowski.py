"""Time pre-rendering every stimulus of a CNN-unit 2AFC spec (Borowski et al.'s Exp. I / II)
through the one pipeline (explainers.plan.run_job, what the render task runs), optionally at
fewer optimisation steps than the spec states; prints one line per stimulus and a summary::

    python benchmarks/prerender_borowski.py --spec studies/specs/borowski-exp1.yaml \
        --steps 32 --out /tmp/exp1-stimuli [--device cpu] [--threads 1] [--shard 0/2]

``--shard K/N`` renders only every N-th job of each render kind, starting at the K-th, so N
processes started side by side (one per core, each with its own ``--json``) share one spec into
one ``--out`` with the same mix of kinds each.

The study server is not needed (Django settings are read only for the checkpoint's path)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--spec", required=True)
    p.add_argument("--step", default="trials")
    p.add_argument("--steps", type=int, default=None, help="optimisation steps (default: spec's)")
    p.add_argument("--out", required=True, help="stimulus root to publish into")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", default=None, help="write the timings here")
    p.add_argument("--shard", default="0/1", type=_shard, help="K/N: every N-th job of each kind, from the K-th")
    args = p.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyserver.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    import django

    django.setup()
    import torch

    from explainers.plan import run_job
    from studies.spec import load_spec_file
    from studies.trial_lists import trial_jobs

    torch.set_num_threads(args.threads)
    spec = load_spec_file(args.spec)
    step = spec.steps[spec.index_of(args.step)]
    if args.steps is not None:
        step.generate["synthetic"]["steps"] = args.steps
    shard, shards = args.shard
    all_jobs = trial_jobs(spec, step)
    jobs = _shard_of(all_jobs, shard, shards)
    print(f"{len(jobs)} of {len(all_jobs)} stimuli (shard {shard}/{shards}); uptime: {_uptime()}",
          flush=True)
    started, cpu_started, times = time.perf_counter(), time.process_time(), []
    for i, job in enumerate(jobs, 1):
        t0, c0 = time.perf_counter(), time.process_time()
        run_job(job, root=args.out, device=args.device)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        times.append({"job": job.condition, "kind": job.kind, "seconds": round(dt, 2),
                      "cpu_s": round(cpu, 2)})
        print(f"[{i}/{len(jobs)}] {job.condition}: {dt:.1f} s, {cpu:.1f} s CPU (total "
              f"{time.perf_counter() - started:.0f} s)", flush=True)
    total = time.perf_counter() - started
    by_kind = {}
    for t in times:
        by_kind.setdefault(t["kind"], []).append(t["seconds"])
    summary = {"spec": args.spec, "stimuli": len(jobs), "shard": f"{shard}/{shards}",
               "total_s": round(total, 1),
               "cpu_s": round(time.process_time() - cpu_started, 1),
               "steps": step.generate["synthetic"]["steps"],
               "size": step.generate["synthetic"]["size"],
               "source_n": step.generate["natural"]["source_n"], "threads": args.threads,
               "device": args.device, "uptime_end": _uptime(),
               "per_kind_s": {k: {"n": len(v), "sum": round(sum(v), 1),
                                  "median": statistics.median(v)} for k, v in by_kind.items()},
               "jobs": times}
    print(json.dumps({k: v for k, v in summary.items() if k != "jobs"}, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
    return 0


def _shard_of(jobs: list, shard: int, shards: int) -> list:
    """Every ``shards``-th job of each kind from the ``shard``-th on, in the plan's order."""
    seen: dict[str, int] = {}
    mine = []
    for job in jobs:
        index = seen[job.kind] = seen.get(job.kind, -1) + 1
        if index % shards == shard:
            mine.append(job)
    return mine


def _shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard {text!r}: expected K/N, e.g. 0/2") from None
    if not 0 <= k < n:
        raise argparse.ArgumentTypeError(f"--shard {text!r}: K must be in 0..N-1")
    return k, n


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
