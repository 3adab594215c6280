"""Exploration against correctness, for explorer studies: reads the explorer export's
per-participant summaries (``studies.exports.explorer_summaries``) and the tidy responses,
never the database.

``exploration_table(summaries, responses)``: one row per explorer participant with their
probes (previews, mixes and interpolations; per factor group and in all), seconds exploring and
the share of relevance questions answered correctly; ``exploration_figure(table)``: accuracy
against probes and against seconds exploring, with Spearman's rho (scipy) in each panel. It
describes; the preregistered test of the explorer is the between-condition comparison.

``summarize_actions(actions)`` makes the summaries from the explorer's action export itself
(``manage.py export_responses --explorer-actions``, one row per action), so a report is made
from the exported files alone (``manage.py analyze --explorer-actions``); ``group_means(table)``
is the figure's first panel: the mean probes per participant of each factor group.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

GROUPS = ("body", "appearance", "scene")
TABLE_COLUMNS = ["participant", "condition", *(f"probes_{g}" for g in GROUPS), "probes",
                 "explore_s", "answers", "accuracy"]


PROBE_ACTIONS = ("preview", "mix", "interpolate")  # each shows the score of a changed group


def summarize_actions(actions: pd.DataFrame) -> pd.DataFrame:
    """Per participant and explorer step: probes of each factor group and seconds from the
    first to the last action, from the action export (strings as read from the CSV are fine)."""
    rows = actions.assign(at=pd.to_datetime(actions["at"], format="ISO8601"))
    probes = rows[rows["action"].isin(PROBE_ACTIONS)]
    keys = ["participant", "step"]
    out = rows.groupby(keys, sort=False).agg(condition=("condition", "first"),
                                             first=("at", "min"), last=("at", "max"))
    counts = probes.groupby([*keys, "group"]).size().unstack("group")
    for g in GROUPS:
        out[f"probes_{g}"] = (counts[g] if g in getattr(counts, "columns", ())
                              else pd.Series(dtype=float)).reindex(out.index).fillna(0).astype(int)
    out["explore_s"] = (out["last"] - out["first"]).dt.total_seconds()
    return out.drop(columns=["first", "last"]).reset_index()


def group_means(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and total probes of each factor group over the table's participants."""
    return pd.DataFrame({"group": list(GROUPS),
                         "mean_probes": [float(table[f"probes_{g}"].mean()) for g in GROUPS],
                         "total_probes": [int(table[f"probes_{g}"].sum()) for g in GROUPS],
                         "participants": len(table)})


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
    """Three panels: mean probes per participant of each factor group (each participant a dot),
    then accuracy against probes and against seconds exploring."""
    fig, axes = plt.subplots(1, 3, figsize=(11.5, 3.4), width_ratios=(0.8, 1, 1))
    means = group_means(table)
    bars = axes[0].bar(means["group"], means["mean_probes"], color="#c9d6ea", edgecolor="#4c72b0")
    for i, g in enumerate(GROUPS):
        offsets = (np.arange(len(table)) % 7 - 3) * 0.04
        axes[0].scatter(i + offsets, table[f"probes_{g}"], s=10, color="#4c72b0", alpha=0.6,
                        zorder=3)
    axes[0].bar_label(bars, labels=[f"{v:.1f}" for v in means["mean_probes"]], padding=2,
                      fontsize=8)
    axes[0].set_ylabel("Probes per participant")
    axes[0].set_title(f"Probes per factor group (mean), n = {len(table)}", fontsize=9)
    axes[0].spines[["top", "right"]].set_visible(False)
    _panel(axes[1], table["probes"], table["accuracy"], "Probes (previews, mixes, interpolations)")
    _panel(axes[2], table["explore_s"], table["accuracy"], "Seconds exploring")
    axes[1].set_ylabel("Share of relevance answers correct")
    fig.tight_layout()
    return fig
