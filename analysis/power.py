"""Monte Carlo power of the preregistered tests: simulate, analyse, count significant results."""

from __future__ import annotations

import numpy as np
import pandas as pd
from tqdm import tqdm

from .data import prepare
from .plan import TESTS
from .prereg import Preregistration
from .results import AnalysisError
from .simulate import simulate

NOT_HYPOTHESIS_TESTS = {"decision", "Shapiro-Wilk", "Levene"}


def power_curve(prereg: Preregistration, *, sizes: list[int], reps: int, accuracy: dict,
                seed: int, progress: bool = True) -> pd.DataFrame:
    """One row per sample size and preregistered hypothesis test: power = share significant."""
    if reps < 1 or not sizes:
        raise AnalysisError("power analysis needs --reps >= 1 and at least one size")
    preregistered = [a for a in prereg.analyses if a.preregistered]
    rng = np.random.SeedSequence(seed)
    seeds = rng.generate_state(len(sizes) * reps)
    rows = []
    bar = tqdm(total=len(sizes) * reps, desc="power", disable=not progress)
    for s, size in enumerate(sizes):
        hits: dict[str, int] = {}
        failures = 0
        for r in range(reps):
            raw = simulate(prereg, n_per_condition=size, accuracy=accuracy, clean=True,
                           seed=int(seeds[s * reps + r]))
            try:
                data = prepare(raw, prereg)
                done = {}
                for analysis in preregistered:
                    outcome = TESTS[analysis.test].run(data, analysis, done)
                    done[analysis.id] = outcome.rows
                    for row in outcome.rows:
                        if row.test in NOT_HYPOTHESIS_TESTS or row.significant is None:
                            continue
                        # keyed by what is tested, not by which branch's test tested it
                        key = f"{analysis.id}: {row.label}".strip()
                        hits[key] = hits.get(key, 0) + int(bool(row.significant))
            except AnalysisError:
                failures += 1  # e.g. constant scores: counted as 'not significant'
            bar.update(1)
        for key, count in sorted(hits.items()):
            rows.append({"n_per_condition": size, "test": key, "power": count / reps,
                         "reps": reps, "failed_runs": failures, "seed": seed})
    bar.close()
    return pd.DataFrame(rows)


def plot_power(curve: pd.DataFrame, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    styles = [("o", "-"), ("s", "--"), ("^", ":"), ("D", "-.")]
    for i, (test, group) in enumerate(curve.groupby("test")):
        marker, line = styles[i % len(styles)]
        ax.plot(group["n_per_condition"], group["power"], marker=marker, linestyle=line,
                label=test, alpha=0.85)
    ax.axhline(0.8, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("participants per condition (after exclusions)")
    ax.set_ylabel("power (share of simulated studies significant)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"Monte Carlo power, {int(curve['reps'].iloc[0])} simulated studies per size")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
