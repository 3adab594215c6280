"""The property-gradient ranking beside a model's measured ground truth, for its model card.

``python -m explainers.interventions.compare RUN_DIR GROUND_TRUTH_JSON`` prints the Markdown table
the model cards carry (``checkpoints/cnn/README.md``, ``docs/model/README.md``): per factor the
global score E[|grad|] and its rank, beside flip %, median |dlogit| and R^2 and their ranks, then
Spearman's rho of the scores with each ground-truth figure (scipy). No Django.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
from scipy import stats

GROUND_TRUTH = (("prediction_flip_pct", "flip %"), ("median_abs_logit_change", "median |dlogit|"),
                ("r2", "R^2"))


def comparison(run_dir: Path, ground_truth: Path) -> pd.DataFrame:
    """One row per factor: score, p, significant and the ground-truth figures, each with its rank
    (1 = largest), sorted by score."""
    scores = pd.read_csv(Path(run_dir) / "property_gradients.csv")
    factors = json.loads(Path(ground_truth).read_text())["factors"]
    missing = sorted(set(scores["factor"]) - set(factors))
    if missing:
        raise ValueError(f"{ground_truth} has no ground truth for {', '.join(missing)}")
    table = scores[["factor", "score", "p", "significant"]].copy()
    for key, _ in GROUND_TRUTH:
        table[key] = [float(factors[f][key]) for f in table["factor"]]
    for key in ("score", *(k for k, _ in GROUND_TRUTH)):
        table[f"{key}_rank"] = table[key].rank(ascending=False, method="min").astype(int)
    return table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def correlations(table: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Spearman's rho (and its p) of the global scores with each ground-truth figure."""
    out = {}
    for key, label in GROUND_TRUTH:
        res = stats.spearmanr(table["score"], table[key])
        out[label] = (float(res.statistic), float(res.pvalue))
    return out


def markdown(run_dir: Path, ground_truth: Path) -> str:
    table = comparison(run_dir, ground_truth)
    head = ["factor", "E[|grad|] (rank)", "p", *(f"{label} (rank)" for _, label in GROUND_TRUTH)]
    head = [h.replace("|", "\\|") for h in head]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    for row in table.itertuples():
        p = "< 0.0001" if row.p == 0 else f"{row.p:.4f}"
        cells = [row.factor, f"{row.score:.4f} ({row.score_rank})", p + ("" if row.significant else " (n.s.)")]
        for key, _ in GROUND_TRUTH:
            value = getattr(row, key)
            digits = 1 if key == "prediction_flip_pct" else 3
            cells.append(f"{value:.{digits}f} ({getattr(row, key + '_rank')})")
        lines.append("| " + " | ".join(cells) + " |")
    rhos = "; ".join(f"with {label} {rho:.2f} (p = {p:.2f})"
                     for label, (rho, p) in correlations(table).items())
    lines += ["", f"Spearman's rho of the ten scores {rhos}."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m explainers.interventions.compare RUN_DIR GROUND_TRUTH_JSON")
    sys.stdout.write(markdown(Path(sys.argv[1]), Path(sys.argv[2])))
