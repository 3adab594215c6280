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


def exploration_png(table: pd.DataFrame, path) -> None:
    from ..exploration import exploration_figure

    _save(exploration_figure(table), path)


def correct_distribution_png(distribution: pd.DataFrame, path, *, labels: dict) -> None:
    _save(correct_distribution_figure(distribution, labels=labels), path)


def correct_distribution_figure(distribution: pd.DataFrame, *, labels: dict):
    """Figure 4 of the paper: proportion of participants per number of correct answers, one bar
    per condition (legend: the preregistration's short labels, e.g. BASE, CON, INN)."""
    fig, ax = plt.subplots(figsize=(5.2, 3.2))
    k = len(distribution.columns)
    width = 0.8 / max(k, 1)
    x = np.arange(len(distribution.index))
    for i, condition in enumerate(distribution.columns):
        ax.bar(x + (i - (k - 1) / 2) * width, distribution[condition], width,
               label=labels.get(condition, str(condition)), color=COLORS[i % len(COLORS)])
    ax.set_xticks(x, [str(i) for i in distribution.index])
    ax.set_xlabel("#Correct")
    ax.set_ylabel("Proportion")
    ax.set_ylim(0, max(0.05, float(distribution.to_numpy().max()) * 1.12))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, ncols=k, loc="upper left")
    fig.tight_layout()
    return fig


def flow_png(flow: pd.DataFrame, path, *, title: str) -> None:
    """CONSORT-style participant flow: collected -> exclusions (first reason) -> analysed.
    ``flow``: one row per group with the total last; columns collected, reasons, analysed."""
    import textwrap

    total = flow.iloc[-1]  # the total row (or the only group)
    groups = list(flow.index[:-1]) if len(flow) > 1 else []
    reasons = [c for c in flow.columns if c not in ("collected", "analysed")]
    lines = []
    for reason in reasons:
        wrapped = textwrap.wrap(str(reason), 62) or [""]
        lines.append(f"{int(total[reason]):>4}  {wrapped[0]}")
        lines += [f"      {more}" for more in wrapped[1:]]
    ex_h = 0.158 * (len(lines) + 1) + 0.3
    height = max(3.2, ex_h + 1.6)
    fig, ax = plt.subplots(figsize=(10.5, height))
    ax.set_xlim(0, 10.5)
    ax.set_ylim(0, height)
    ax.axis("off")

    def box(x, y, w, h, text, color, **kw):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.05", fc=color,
                                    ec="black", lw=0.8))
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=8, **kw)

    def split(column):
        text = ", ".join(f"{g}: {int(flow.loc[g, column])}" for g in groups)
        return f"\n({text})" if text else ""

    top = height - 1.05
    box(0.2, top, 3.2, 0.75, f"Collected\nn = {int(total['collected'])}{split('collected')}",
        "#dbe9f6")
    excluded = int(total["collected"] - total["analysed"])
    ex_y = top - 0.25 - ex_h
    ax.add_patch(FancyBboxPatch((3.9, ex_y), 6.4, ex_h, boxstyle="round,pad=0.05",
                                fc="#fbe3d6", ec="black", lw=0.8))
    ax.text(4.0, ex_y + ex_h - 0.12, f"Excluded, under the first matching reason (n = "
            f"{excluded})\n" + "\n".join(lines), ha="left", va="top", fontsize=7.5,
            family="monospace")
    bottom = 0.25
    box(0.2, bottom, 3.2, 0.75, f"Analysed\nn = {int(total['analysed'])}{split('analysed')}",
        "#dff0d8")
    ax.annotate("", xy=(1.8, bottom + 0.8), xytext=(1.8, top - 0.05),
                arrowprops={"arrowstyle": "->", "lw": 1.2})
    ax.annotate("", xy=(3.85, ex_y + ex_h / 2), xytext=(1.8, ex_y + ex_h / 2),
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
