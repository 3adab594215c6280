"""Seconds for 1,000 simulated study-2 replicates of the preregistered tests, before and after.

    python benchmarks/power.py [--reps 1000] [--runs 3] [--before-reps 1000] [--before-runs 1]

"after" is ``analysis.power.power_curve`` (answers of all replicates drawn at once with numpy,
the plan's test code on per-condition arrays). "before" is the per-replicate path that
``power_curve`` took until this change (and that ``docs/analysis/power`` was made with): simulate
a tidy export with ``analysis.simulate.simulate`` (which now walks the study spec), run ``analysis.study_data.prepare`` on it (pandas,
exclusion rules, scoring) and then the same planned tests. Both use the paper's effect sizes
(baseline 0.81, INN 0.85, concepts 0.33) at 80 analysed participants per condition (exclusion
rate 0, so recruited = analysed). Prints wall-clock and CPU seconds per run, the medians and the
ratio; ``--before-reps`` smaller than ``--reps`` is scaled to ``--reps`` and says so. On a
shared machine the CPU seconds are the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyserver.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/benchmark-power.sqlite3")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from analysis import power, prereg  # noqa: E402
from analysis.results import AnalysisError  # noqa: E402
from analysis.simulate import parse_accuracies, simulate  # noqa: E402
from analysis.study_data import prepare  # noqa: E402
from studies.spec import load_spec_file  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PREREG = ROOT / "analysis/examples/two4two/study2.yaml"
SPEC = ROOT / "studies/specs/two4two-study2.yaml"
EFFECTS = ["baseline=0.81", "inn=0.85", "concepts=0.33"]
SIZE = 80


def before(document, reps: int, seed: int) -> int:
    """The per-replicate pandas path of analysis/power.py before this change."""
    accuracy = parse_accuracies(EFFECTS, document)
    analyses = power.planned(document)
    spec = load_spec_file(SPEC)
    seeds = np.random.SeedSequence(seed).generate_state(reps)
    significant = 0
    for r in range(reps):
        raw = simulate(document, spec=spec, n_per_condition=SIZE, accuracy=accuracy,
                       clean=True, seed=int(seeds[r]))
        try:
            significant += sum(power.run_tests(prepare(raw, document), analyses).values())
        except AnalysisError:
            pass
    return significant


def after(document, reps: int, seed: int) -> int:
    curve = power.power_curve(document, sizes=[SIZE], reps=reps, seed=seed,
                              effects=power.parse_effects(EFFECTS, document),
                              attrition=power.Attrition.stated(0.0))
    return int((curve["power"] * curve["reps"]).sum())


def timed(function, document, reps: int, runs: int) -> list[tuple[float, float]]:
    out = []
    for run in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        function(document, reps, run)
        out.append((time.perf_counter() - wall, time.process_time() - cpu))
        print(f"  {function.__name__} run {run + 1}: {out[-1][0]:.1f} s wall, "
              f"{out[-1][1]:.1f} s CPU for {reps} replicates", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before-reps", type=int, default=1000)
    parser.add_argument("--before-runs", type=int, default=1)
    args = parser.parse_args()
    document = prereg.load(PREREG)
    print(f"{platform.node()}: {os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}; {time.strftime('%Y-%m-%d')}")
    print(f"study 2, {SIZE} per condition, effects {' '.join(EFFECTS)}")
    new = timed(after, document, args.reps, args.runs)
    old = timed(before, document, args.before_reps, args.before_runs)
    scale = args.reps / args.before_reps
    new_wall, new_cpu = (statistics.median(x[i] for x in new) for i in (0, 1))
    old_wall, old_cpu = (statistics.median(x[i] * scale for x in old) for i in (0, 1))
    note = "" if scale == 1 else f" (measured on {args.before_reps}, scaled x{scale:g})"
    print(f"before: {old_wall:.1f} s wall, {old_cpu:.1f} s CPU per {args.reps} replicates "
          f"(median of {args.before_runs}){note}")
    print(f"after:  {new_wall:.1f} s wall, {new_cpu:.1f} s CPU per {args.reps} replicates "
          f"(median of {args.runs})")
    print(f"ratio before/after: {old_wall / new_wall:.1f}x wall, {old_cpu / new_cpu:.1f}x CPU")


if __name__ == "__main__":
    main()
