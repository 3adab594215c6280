"""Figures of the report, drawn with matplotlib (Agg), written as PNG without timestamps."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]


def _save(fig, path) -> None:
    fig.savefig(path, metadata={"Software": None}, dpi=110)
    plt.close(fig)


def accuracy_table_png(accuracy: pd.DataFrame, path, *, title: str) -> None:
    """Table-2 style picture: mean accuracy (%) per condition, overall and per attribute."""
    columns = ["N", "overall", *[c for c in accuracy.columns if c not in ("N", "overall")]]
    cells = [[f"{int(row['N'])}"] + [f"{row[c]:.1f}" for c in columns[1:]]
             for _, row in accuracy.iterrows()]
    fig, ax = plt.subplots(figsize=(1.2 + 1.05 * len(columns), 0.6 + 0.42 * len(cells)))
    ax.axis("off")
    table = ax.table(cellText=cells, rowLabels=list(accuracy.index), colLabels=columns,
                     loc="center", cellLoc="center")
    table.scale(1, 1.5)
    ax.set_title(title, fontsize=10)
    _save(fig, path)


def correct_distribution_png(distribution: pd.DataFrame, path, *, title: str) -> None:
    """Figure-4 style: proportion of participants per number of correct answers."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    k = len(distribution.columns)
    width = 0.8 / max(k, 1)
    x = np.arange(len(distribution.index))
    for i, condition in enumerate(distribution.columns):
        ax.bar(x + (i - (k - 1) / 2) * width, distribution[condition], width,
               label=str(condition), color=COLORS[i % len(COLORS)])
    ax.set_xticks(x, [str(i) for i in distribution.index])
    ax.set_xlabel("# correct")
    ax.set_ylabel("proportion of participants")
    ax.set_title(title, fontsize=10)
    ax.legend()
    fig.tight_layout()
    _save(fig, path)


def flow_png(flow: pd.DataFrame, path, *, title: str) -> None:
    """CONSORT-style participant flow: collected -> exclusions (first reason) -> analysed."""
    total = flow.loc["total"] if "total" in flow.index else flow.iloc[0]
    groups = [g for g in flow.index if g != "total"]
    reasons = [c for c in flow.columns if c not in ("collected", "analysed")]
    height = 3.0 + 0.25 * len(reasons)
    fig, ax = plt.subplots(figsize=(9, height))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, height)
    ax.axis("off")

    def box(x, y, w, h, text, color):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.05", fc=color,
                                    ec="black", lw=0.8))
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=8, wrap=True)

    top = height - 1.0
    split = ", ".join(f"{g}: {int(flow.loc[g, 'collected'])}" for g in groups)
    box(0.3, top, 3.4, 0.75, f"Collected\nn = {int(total['collected'])}\n({split})", "#dbe9f6")
    excluded = int(total["collected"] - total["analysed"])
    lines = [f"{reason}: {int(total[reason])}" for reason in reasons]
    ex_h = 0.19 * len(lines) + 0.45
    ex_y = top - 0.3 - ex_h
    box(4.6, ex_y, 5.2, ex_h, f"Excluded, first matching reason (n = {excluded})\n"
        + "\n".join(lines), "#fbe3d6")
    bottom = 0.25
    split = ", ".join(f"{g}: {int(flow.loc[g, 'analysed'])}" for g in groups)
    box(0.3, bottom, 3.4, 0.75, f"Analysed\nn = {int(total['analysed'])}\n({split})", "#dff0d8")
    ax.annotate("", xy=(2.0, bottom + 0.8), xytext=(2.0, top - 0.05),
                arrowprops={"arrowstyle": "->", "lw": 1.2})
    ax.annotate("", xy=(4.55, ex_y + ex_h / 2), xytext=(2.0, ex_y + ex_h / 2),
                arrowprops={"arrowstyle": "->", "lw": 1.2})
    ax.set_title(title, fontsize=10)
    _save(fig, path)


def describe_png(table: pd.DataFrame, path, *, by: list[str], title: str) -> None:
    """Bar chart of subject means ± 2 SEM per cell (trial-level designs)."""
    labels = table[by].astype(str).agg(" / ".join, axis=1)
    fig, ax = plt.subplots(figsize=(max(4.5, 0.9 * len(table) + 1.5), 3.6))
    colors = [COLORS[i % len(COLORS)] for i in pd.factorize(table[by[-1]])[0]]
    ax.bar(range(len(table)), table["mean"], yerr=table["two_sem"], color=colors, capsize=4)
    ax.set_xticks(range(len(table)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("mean of participant means (± 2 SEM)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    _save(fig, path)
