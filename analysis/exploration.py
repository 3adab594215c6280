"""Exploration against correctness, for explorer studies: reads the explorer export's
per-participant summaries (``studies.exports.explorer_summaries``) and the tidy responses,
never the database.

``exploration_table(summaries, responses)``: one row per explorer participant with their
probes (previews, mixes and interpolations; per factor group and in all), seconds exploring and
the share of relevance questions answered correctly; ``exploration_figure(table)``: accuracy
against probes and against seconds exploring, with Spearman's rho (scipy) in each panel. It
describes; the preregistered test of the explorer is the between-condition comparison.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

GROUPS = ("body", "appearance", "scene")
TABLE_COLUMNS = ["participant", "condition", *(f"probes_{g}" for g in GROUPS), "probes",
                 "explore_s", "answers", "accuracy"]


def exploration_table(summaries: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    relevance = responses[responses["item_type"] == "relevance"]
    scored = relevance.groupby("participant")["correct"].agg(["count", "mean"])
    table = summaries.groupby("participant", sort=False).agg(
        condition=("condition", "first"),
        **{f"probes_{g}": (f"probes_{g}", "sum") for g in GROUPS},
        explore_s=("explore_s", "sum")).reset_index()
    table["probes"] = table[[f"probes_{g}" for g in GROUPS]].sum(axis=1)
    table = table.join(scored.rename(columns={"count": "answers", "mean": "accuracy"}),
                       on="participant", how="inner")
    return table[TABLE_COLUMNS].reset_index(drop=True)


def _panel(ax, x, y, label: str) -> None:
    ax.scatter(x, y, s=18, alpha=0.7, color="#4c72b0")
    rho = stats.spearmanr(x, y) if len(x) > 2 and x.nunique() > 1 and y.nunique() > 1 else None
    note = (f"Spearman rho = {rho.statistic:.2f}, p = {rho.pvalue:.3f}, n = {len(x)}" if rho
            else f"n = {len(x)} (too few distinct values for rho)")
    ax.set_title(note, fontsize=9)
    ax.set_xlabel(label)
    ax.set_ylim(-0.05, 1.05)
    ax.spines[["top", "right"]].set_visible(False)


def exploration_figure(table: pd.DataFrame):
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.3), sharey=True)
    _panel(axes[0], table["probes"], table["accuracy"], "Probes (previews, mixes, interpolations)")
    _panel(axes[1], table["explore_s"], table["accuracy"], "Seconds exploring")
    axes[0].set_ylabel("Share of relevance answers correct")
    fig.tight_layout()
    return fig
