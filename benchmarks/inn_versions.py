"""Time the INN explainer of two checkouts side by side (e.g. before and after a change).

    git worktree add /tmp/before 13ba1e0
    python benchmarks/inn_versions.py /tmp/before .                       # 3 variants each, CPU
    python benchmarks/inn_versions.py /tmp/before . --rounds 2 --rows 4 --validation-n 300

Each checkout runs in its own process (same interpreter, same machine state), the checkouts
alternating for ``--rounds`` rounds, each with its own shipped checkpoint and the study's variant
seeds; prints seconds per variant, start images tried, the load average, the median per checkout
and the ratio of the medians (first checkout / each other). ``--rows`` and ``--validation-n``
shrink the work for a quick figure on a loaded machine (both checkouts get the same).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import sys, time, torch
repo = sys.argv[1]
sys.path.insert(0, repo)
from explainers.validation_data import ValidationData
from explainers.models import load_checkpoint
from explainers.plugins.counterfactuals import INNCounterfactuals
from explainers.prerender import variant_seed
model = load_checkpoint(repo + "/checkpoints/study", device=sys.argv[3])
data = ValidationData(size=model.image_size, n=int(sys.argv[5]))
data.pool().logits(model)
for v in range(int(sys.argv[2])):
    t = time.perf_counter()
    stim = INNCounterfactuals().render(model, data, rows=int(sys.argv[4]),
                                       rng=torch.Generator().manual_seed(variant_seed(2022, v)))
    print(v, time.perf_counter() - t, stim.meta["starts_tried"], flush=True)
"""


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkouts", nargs="+", help="repository folders to compare")
    p.add_argument("--variants", type=int, default=3)
    p.add_argument("--rounds", type=int, default=1, help="alternate the checkouts this often")
    p.add_argument("--rows", type=int, default=10)
    p.add_argument("--validation-n", type=int, default=2000)
    p.add_argument("--device", default="cpu")
    a = p.parse_args(argv)
    repos = [str(Path(repo).resolve()) for repo in a.checkouts]
    times: dict[str, list[float]] = {repo: [] for repo in repos}
    for r in range(a.rounds):
        for repo in repos:
            out = subprocess.run([sys.executable, "-c", CHILD, repo, str(a.variants), a.device,
                                  str(a.rows), str(a.validation_n)],
                                 capture_output=True, text=True, check=True, cwd=repo).stdout
            load = os.getloadavg()[0]
            for line in out.splitlines():
                v, seconds, tried = line.split()
                times[repo].append(float(seconds))
                print(f"round {r} {repo}: variant {v}: {float(seconds):.1f} s, {tried} start "
                      f"images tried (load {load:.1f})", flush=True)
    medians = {repo: statistics.median(t) for repo, t in times.items()}
    for repo in repos:
        print(f"{repo}: median {medians[repo]:.1f} s per variant over {len(times[repo])}; "
              f"{repos[0]} / this = {medians[repos[0]] / medians[repo]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
