"""Time the INN explainer of two checkouts side by side (e.g. before and after a change).

    git worktree add /tmp/before 13ba1e0
    python benchmarks/inn_versions.py /tmp/before .          # 3 variants each, CPU

Each checkout runs in its own process (same interpreter, same machine state, one after the
other) with its own shipped checkpoint and the study's variant seeds; prints seconds per
variant, start images tried, and the median per checkout.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import sys, time, torch
repo = sys.argv[1]
sys.path.insert(0, repo)
from explainers.data import ValidationData
from explainers.models import load_checkpoint
from explainers.plugins.counterfactuals import INNCounterfactuals
from explainers.prerender import variant_seed
model = load_checkpoint(repo + "/checkpoints/study", device=sys.argv[3])
data = ValidationData(size=model.image_size)
data.pool().logits(model)
for v in range(int(sys.argv[2])):
    t = time.perf_counter()
    stim = INNCounterfactuals().render(model, data,
                                       rng=torch.Generator().manual_seed(variant_seed(2022, v)))
    print(v, time.perf_counter() - t, stim.meta["starts_tried"], flush=True)
"""


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkouts", nargs="+", help="repository folders to compare")
    p.add_argument("--variants", type=int, default=3)
    p.add_argument("--device", default="cpu")
    a = p.parse_args(argv)
    for repo in a.checkouts:
        repo = str(Path(repo).resolve())
        out = subprocess.run([sys.executable, "-c", CHILD, repo, str(a.variants), a.device],
                             capture_output=True, text=True, check=True, cwd=repo).stdout
        times = []
        for line in out.splitlines():
            v, seconds, tried = line.split()
            times.append(float(seconds))
            print(f"{repo}: variant {v}: {float(seconds):.1f} s, {tried} start images tried")
        print(f"{repo}: median {statistics.median(times):.1f} s per variant")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
