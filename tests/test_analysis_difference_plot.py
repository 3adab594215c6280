"""The ``difference_plot`` analysis kind (Borowski et al. 2021, Fig. 6C: each participant's
intuitiveness after - before per unit, mean ± 2 SEM): its tables against numbers written out by
hand and numpy, what it refuses, and the drawn figure read back from its matplotlib artists.
(The Exp. II bot test, tests/test_spec_borowski.py, checks it on a live export against pandas.)"""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.prereg import Analysis
from analysis.report.dot_plot import dot_plot_figure
from analysis.results import AnalysisError
from analysis.statistical_tests import TESTS

# ratings: participant p rates unit u before and after; p3 has no 'after' for unit "b"
ROWS = [
    ("p1", "a", "before", -10), ("p1", "a", "after", 30), ("p1", "b", "before", 5),
    ("p1", "b", "after", 0), ("p2", "a", "before", 20), ("p2", "a", "after", 25),
    ("p2", "b", "before", -40), ("p2", "b", "after", -10), ("p3", "a", "before", 0),
    ("p3", "a", "after", 60), ("p3", "b", "before", 10),
]
WANT = {"a": [40, 5, 60], "b": [-5, 30]}  # after - before, per unit, by hand


def run(**params):
    frame = pd.DataFrame(ROWS, columns=["participant", "unit", "when", "response"])
    data = SimpleNamespace(trials_for=lambda which: frame)
    analysis = Analysis(id="change", test="difference_plot",
                        params={"dv": "response", "factor": "when", "a": "after",
                                "b": "before", "by": "unit", **params})
    return TESTS["difference_plot"].run(data, analysis, {})


def test_each_participants_difference_and_the_mean_with_two_sem():
    outcome = run()
    dots = outcome.tables["change_participants"]
    got = {u: sorted(g["mean"]) for u, g in dots.groupby("unit")}
    assert got == {u: sorted(v) for u, v in WANT.items()}
    table = outcome.tables["change"].set_index("unit")
    for unit, values in WANT.items():
        values = np.asarray(values, dtype=float)
        assert table.loc[unit, "n_subjects"] == len(values)
        assert table.loc[unit, "mean"] == pytest.approx(values.mean())
        sem = values.std(ddof=1) / np.sqrt(len(values))
        assert table.loc[unit, "two_sem"] == pytest.approx(2 * sem)
    # nothing lost silently: p3's unit b (no rating after) is counted
    assert outcome.deviations == ["change: 1 participant cell(s) without both 'after' and "
                                  "'before' have no difference"]


def test_levels_and_order_that_are_not_in_the_data_are_errors():
    with pytest.raises(AnalysisError, match=r"change: a 'later' is not a level of 'when'"):
        run(a="later")
    with pytest.raises(AnalysisError, match=r"change: order names \['c'\]"):
        run(order=["a", "c"])
    with pytest.raises(AnalysisError, match=r"lack the column\(s\) \['phase'\]"):
        run(factor="phase")


def test_the_figure_draws_unjoined_dots_the_mean_and_a_line_at_zero():
    outcome = run(order=["b", "a"])
    fig = dot_plot_figure(outcome.tables["change"], outcome.tables["change_participants"],
                          by="unit", order=["b", "a"], chance=0.0, join=False)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "a"]
    assert [round(p.get_height(), 9) for p in ax.patches] == [12.5, 35.0]
    dots = [ln for ln in ax.lines if ln.get_marker() == "o"]
    assert all(ln.get_linestyle() == "None" for ln in dots)  # not joined across units
    assert sorted(y for ln in dots for y in ln.get_ydata()) == sorted(sum(WANT.values(), []))
    zero = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert [list(ln.get_ydata()) for ln in zero] == [[0.0, 0.0]]
