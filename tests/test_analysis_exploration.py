"""Exploration vs. correctness: the per-participant table joins the explorer summaries with the
relevance answers, and the figure's rho is scipy's Spearman on that table."""

import pandas as pd
import pytest
from scipy import stats

from analysis.exploration import exploration_figure, exploration_table


def frames():
    summaries = pd.DataFrame({
        "participant": ["a", "b", "c", "d"], "condition": ["explorer"] * 4,
        "step": ["explanation"] * 4, "probes_body": [1, 4, 6, 9],
        "probes_appearance": [0, 2, 3, 3], "probes_scene": [0, 1, 0, 5],
        "explore_s": [10.0, 40.0, 35.0, 120.0]})
    answers = {"a": [1, 0, 0, 1, 0], "b": [1, 1, 0, 1, 0], "c": [1, 1, 1, 1, 0],
               "d": [1, 1, 1, 1, 1], "e": [1, 1, 1, 1, 1]}  # e: a static participant
    responses = pd.DataFrame([{"participant": p, "item_type": "relevance", "correct": c}
                              for p, cs in answers.items() for c in cs]
                             + [{"participant": "a", "item_type": "expertise", "correct": None}])
    return summaries, responses


def test_table_has_probes_time_and_accuracy_per_explorer_participant():
    table = exploration_table(*frames())
    assert list(table["participant"]) == ["a", "b", "c", "d"]
    assert list(table["probes"]) == [1, 7, 9, 17]
    assert list(table["accuracy"]) == pytest.approx([0.4, 0.6, 0.8, 1.0])
    assert list(table["answers"]) == [5, 5, 5, 5]


def test_figure_reports_scipys_spearman():
    table = exploration_table(*frames())
    figure = exploration_figure(table)
    rho = stats.spearmanr(table["probes"], table["accuracy"]).statistic
    assert f"rho = {rho:.2f}" in figure.axes[1].get_title()
    assert figure.axes[2].get_xlabel() == "Seconds exploring"
    heights = [bar.get_height() for bar in figure.axes[0].patches]
    assert heights == pytest.approx([5.0, 2.0, 1.5])  # mean probes: body, appearance, scene
