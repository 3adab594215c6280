"""The model cards carry the property-gradient ranking beside the ground truth, as computed from
the shipped run files (issue #20), and the comparison is computed right."""

import json
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from explainers.interventions.compare import comparison, correlations, markdown

ROOT = Path(__file__).parent.parent
CARDS = [("checkpoints/cnn/README.md", "docs/property_gradients/cnn", "checkpoints/cnn/ground_truth.json"),
         ("docs/model/README.md", "docs/property_gradients/inn", "checkpoints/study/ground_truth.json")]


@pytest.mark.parametrize("card, run, truth", CARDS)
def test_the_model_card_carries_the_comparison_of_its_shipped_run(card, run, truth):
    assert markdown(ROOT / run, ROOT / truth) in (ROOT / card).read_text(), \
        f"{card} is stale: paste `python -m explainers.interventions.compare {run} {truth}`"


def test_ranks_and_rho_against_a_hand_made_case(tmp_path):
    pd.DataFrame({"factor": ["a", "b", "c"], "score": [0.3, 0.1, 0.2], "p": [0.0, 0.5, 0.001],
                  "significant": [True, False, True]}).to_csv(tmp_path / "property_gradients.csv",
                                                               index=False)
    truth = {"factors": {"a": {"prediction_flip_pct": 1.0, "median_abs_logit_change": 3.0, "r2": 0.9},
                         "b": {"prediction_flip_pct": 3.0, "median_abs_logit_change": 1.0, "r2": 0.1},
                         "c": {"prediction_flip_pct": 2.0, "median_abs_logit_change": 2.0, "r2": 0.5}}}
    (tmp_path / "gt.json").write_text(json.dumps(truth))
    table = comparison(tmp_path, tmp_path / "gt.json")
    assert list(table["factor"]) == ["a", "c", "b"]
    assert list(table["score_rank"]) == [1, 2, 3]
    assert list(table["prediction_flip_pct_rank"]) == [3, 2, 1]
    rho = correlations(table)
    assert rho["R^2"][0] == pytest.approx(1.0) and rho["flip %"][0] == pytest.approx(-1.0)
    assert rho["median |dlogit|"][0] == pytest.approx(
        stats.spearmanr([0.3, 0.1, 0.2], [3.0, 1.0, 2.0]).statistic)
    text = markdown(tmp_path, tmp_path / "gt.json")
    assert "| b | 0.1000 (3) | 0.5000 (n.s.) |" in text and "| a | 0.3000 (1) | < 0.0001 |" in text


def test_a_factor_without_ground_truth_is_an_error(tmp_path):
    pd.DataFrame({"factor": ["a"], "score": [0.3], "p": [0.0], "significant": [True]}).to_csv(
        tmp_path / "property_gradients.csv", index=False)
    (tmp_path / "gt.json").write_text('{"factors": {}}')
    with pytest.raises(ValueError, match="no ground truth for a"):
        comparison(tmp_path, tmp_path / "gt.json")
