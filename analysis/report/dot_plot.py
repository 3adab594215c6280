"""The Figure 3A style plot of Borowski et al. (ICLR 2021): per level of a within-subject factor
(the reference type), each participant's mean as a dot, the dots of one participant joined, and
the mean over participants as a bar with ± 2 SEM error bars; one panel per group (e.g. expert and
lay participants). Drawn from the ``dot_plot`` analysis' two tables (analysis.statistical_tests);
the ``difference_plot`` analysis (Fig. 6C: each participant's difference, e.g. after - before,
per unit) is drawn the same way with unjoined dots and a line at 0."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from .figures import COLORS, _save, plt

JITTER = 0.18  # half the width over which one level's dots are spread


def offsets(n: int) -> np.ndarray:
    """Evenly spread horizontal offsets of n dots (deterministic: no random jitter)."""
    return np.zeros(1) if n == 1 else np.linspace(-JITTER, JITTER, n)


def dot_plot_figure(table: pd.DataFrame, participants: pd.DataFrame, *, by: str,
                    order: list[str] | None = None, group: str = "", chance: float | None = None,
                    ylabel: str = "", title: str = "", join: bool = True):
    levels = list(order) if order else sorted(table[by].astype(str).unique())
    groups = sorted(table[group].astype(str).unique()) if group else [""]
    fig, axes = plt.subplots(1, len(groups), figsize=(1.2 + 1.35 * len(levels) * len(groups), 3.8),
                             sharey=True, squeeze=False)
    values = participants["mean"].to_numpy(dtype=float)
    unit = values.size and np.nanmin(values) >= 0 and np.nanmax(values) <= 1
    for ax, name in zip(axes[0], groups, strict=True):
        cells = table if not group else table[table[group].astype(str) == name]
        dots = participants if not group else participants[participants[group].astype(str) == name]
        who = sorted(dots["participant"].astype(str).unique())
        shift = dict(zip(who, offsets(len(who)), strict=True))
        x = {level: i for i, level in enumerate(levels)}
        for i, level in enumerate(levels):
            row = cells[cells[by].astype(str) == level]
            if row.empty:
                continue
            mean, two_sem = float(row["mean"].iloc[0]), float(row["two_sem"].iloc[0])
            ax.bar(i, mean, width=0.6, color=COLORS[i % len(COLORS)], alpha=0.45, zorder=1,
                   label="mean" if i == 0 else None)
            ax.errorbar(i, mean, yerr=0.0 if np.isnan(two_sem) else two_sem, color="black",
                        capsize=6, lw=1.6, zorder=4)
            if unit:
                ax.text(i, 0.02, f"{100 * mean:.0f} %", ha="center", va="bottom", fontsize=8,
                        zorder=5)
            else:  # at the foot of the panel, whatever the data's range (e.g. differences)
                ax.text(i, 0.01, f"{mean:.3g}", ha="center", va="bottom", fontsize=8, zorder=5,
                        transform=ax.get_xaxis_transform())
        for pid, own in dots.groupby(dots["participant"].astype(str)):
            own = own[own[by].astype(str).isin(levels)]
            xs = [x[level] + shift[pid] for level in own[by].astype(str)]
            order_ = np.argsort(xs)
            ax.plot(np.asarray(xs)[order_], own["mean"].to_numpy(dtype=float)[order_],
                    "-o" if join else "o",
                    color="#555555", alpha=0.6, ms=4, lw=0.6, zorder=3)
        if chance is not None:
            ax.axhline(chance, ls="--", color="#888888", lw=1, zorder=2)
        ax.set_xticks(range(len(levels)), levels)
        ax.set_xlim(-0.6, len(levels) - 0.4)
        if unit:
            tops = (table["mean"] + table["two_sem"].fillna(0)).to_numpy(dtype=float)
            ax.set_ylim(0, max(1.05, float(np.nanmax(tops)) + 0.04))
        ax.spines[["top", "right"]].set_visible(False)
        if group:
            ax.set_title(f"{name or '(none)'} (n = {len(who)})", fontsize=9)
    axes[0][0].set_ylabel(ylabel or "participant means, mean ± 2 SEM")
    if title:
        width = int(fig.get_figwidth() * 11)
        fig.suptitle("\n".join(textwrap.wrap(title, width)[:3]), fontsize=9)
    fig.tight_layout()
    return fig


def dot_plot_png(table, participants, path, **kw) -> None:
    _save(dot_plot_figure(table, participants, **kw), path)
