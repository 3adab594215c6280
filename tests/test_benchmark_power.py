"""benchmarks/power.py runs and prints its before/after figures (a few replicates)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_power_benchmark_prints_before_after_and_ratio():
    done = subprocess.run([sys.executable, "benchmarks/power.py", "--reps", "20", "--runs", "1",
                           "--before-reps", "2", "--before-runs", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("before: ") and "(measured on 2, scaled x10)" in line
               for line in lines)
    assert any(line.startswith("after:  ") and "per 20 replicates" in line for line in lines)
    assert any(line.startswith("ratio before/after: ") for line in lines)
