"""Sampler marginals and the study's two biases, checked with scipy at fixed seeds."""

import dataclasses
import json
import math

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.metrics import roc_auc_score

from explainers.synthetic import (
    ByLabel,
    Distribution,
    StudySampler,
    UnbiasedSampler,
    Uniform,
    get_sampler,
)

N = 20_000


def _frame(sampler, seed=0, n=N):
    return (
        sampler.sample(n, generator=torch.Generator().manual_seed(seed))
        .to_frame()
        .astype("float64")
    )


@pytest.fixture(scope="module")
def unbiased():
    return _frame(get_sampler("unbiased"))


@pytest.fixture(scope="module")
def study():
    return _frame(get_sampler("study"))


def _truncnorm(mean, std, lo, hi):
    return stats.truncnorm((lo - mean) / std, (hi - mean) / std, loc=mean, scale=std).cdf


def _legs_cdf(x):
    # label drawn 50/50, then Peeky legs U[0, .52], Stretchy legs U[.48, 1]
    return 0.5 * stats.uniform(0, 0.52).cdf(x) + 0.5 * stats.uniform(0.48, 0.52).cdf(x)


DECLARED = {
    "legs_position": _legs_cdf,
    "color": stats.uniform(0, 1).cdf,
    "shape": stats.uniform(0, 1).cdf,
    "background": stats.uniform(0.05, 0.90).cdf,
    "yaw": stats.uniform(-math.pi, 2 * math.pi).cdf,
    "roll": _truncnorm(0, 0.03 * math.pi / 4, -math.pi / 4, math.pi / 4),
    "pitch": _truncnorm(0, math.pi / 8, -math.pi / 6, math.pi / 6),
    "bending": _truncnorm(0, math.pi / 20, -math.pi / 10, math.pi / 10),
    "position_x": stats.uniform(-0.8, 0.8).cdf,
    "position_y": stats.uniform(-0.8, 0.8).cdf,
}


@pytest.mark.parametrize("factor", list(DECLARED))
def test_unbiased_marginals_follow_table_5(unbiased, factor):
    assert stats.kstest(unbiased[factor], DECLARED[factor]).pvalue > 0.01


def test_ks_has_power_against_a_wrong_distribution(unbiased):
    # the same test rejects a plausible but wrong declaration (guards against a vacuous check)
    assert (
        stats.kstest(
            unbiased["pitch"], _truncnorm(0, math.pi / 10, -math.pi / 6, math.pi / 6)
        ).pvalue
        < 1e-6
    )
    assert stats.kstest(unbiased["legs_position"], stats.uniform(0, 1).cdf).pvalue < 1e-3


def test_classes_are_balanced_and_unbiased_factors_carry_no_label_information(unbiased):
    assert stats.binomtest(int(unbiased["label"].sum()), len(unbiased)).pvalue > 0.01
    overlap = unbiased[unbiased.legs_position.between(0.48, 0.52)]
    for factor in ("color", "shape", "background", "yaw"):
        peeky, stretchy = (overlap[overlap.label == k][factor] for k in (0, 1))
        assert stats.mannwhitneyu(peeky, stretchy).pvalue > 0.01, factor


def test_study_shape_is_biased_by_legs(study):
    low = study[study.legs_position < 0.45]["shape"]
    high = study[study.legs_position > 0.55]["shape"]
    assert low.mean() < 0.3 < 0.7 < high.mean()
    assert stats.mannwhitneyu(low, high).pvalue <= 1e-100
    # declared power law: P(shape <= v) = v ** (1 / (1 + strength)) below 0.45
    k = StudySampler().shape_strength
    assert stats.kstest(low, lambda v: np.clip(v, 0, 1) ** (1 / (1 + k))).pvalue > 0.01
    assert stats.kstest(low, stats.uniform(0, 1).cdf).pvalue <= 1e-100


def test_study_shape_is_uniform_and_non_predictive_in_the_middle(study):
    middle = study[study.legs_position.between(0.45, 0.55)]
    assert stats.kstest(middle["shape"], stats.uniform(0, 1).cdf).pvalue > 0.01
    overlap = study[study.legs_position.between(0.48, 0.52)]
    peeky, stretchy = (overlap[overlap.label == k]["shape"] for k in (0, 1))
    assert min(len(peeky), len(stretchy)) > 500
    assert stats.mannwhitneyu(peeky, stretchy).pvalue > 0.01
    assert abs(roc_auc_score(overlap.label, overlap["shape"]) - 0.5) < 0.05


def test_study_color_predicts_label_in_the_overlap(study):
    overlap = study[study.legs_position.between(0.48, 0.52)]
    peeky, stretchy = (overlap[overlap.label == k]["color"] for k in (0, 1))
    assert stretchy.mean() < 0.35 < 0.65 < peeky.mean()  # Stretchies red (0), Peekies blue (1)
    assert stats.mannwhitneyu(peeky, stretchy).pvalue <= 1e-50
    assert roc_auc_score(overlap.label, -overlap["color"]) > 0.8


def test_study_color_is_uniform_far_from_the_overlap(study):
    far = study[(study.legs_position < 0.15) | (study.legs_position > 0.85)]
    assert stats.kstest(far["color"], stats.uniform(0, 1).cdf).pvalue > 0.01
    near = study[study.legs_position.between(0.40, 0.60)]
    assert stats.kstest(near["color"], stats.uniform(0, 1).cdf).pvalue < 1e-6


def test_study_color_bias_fades_gradually_with_distance_from_the_overlap(study):
    def mean_color(lo, hi):
        return study[study.legs_position.between(lo, hi)]["color"].mean()

    # Stretchies only (legs > 0.52): red-leaning near the overlap, uniform (mean 0.5) far out
    means = [
        mean_color(0.52, 0.6),
        mean_color(0.6, 0.7),
        mean_color(0.7, 0.82),
        mean_color(0.85, 1),
    ]
    assert means[0] < means[1] < means[2] < 0.5 + 0.02
    assert abs(means[3] - 0.5) < 0.02
    # and mirrored for Peekies (legs < 0.48): blue-leaning near the overlap
    assert mean_color(0.4, 0.48) > mean_color(0.3, 0.4) > 0.5 > mean_color(0.52, 0.6)


def test_bias_strength_is_a_parameter():
    def auc(**params):
        frame = _frame(get_sampler("study", **params), n=8000)
        overlap = frame[frame.legs_position.between(0.48, 0.52)]
        return roc_auc_score(overlap.label, -overlap["color"])

    assert abs(auc(color_strength=0.0) - 0.5) < 0.06
    assert auc(color_strength=1.0) + 0.05 < auc(color_strength=6.0)
    flat = _frame(get_sampler("study", shape_strength=0.0), n=8000)
    assert stats.kstest(flat["shape"], stats.uniform(0, 1).cdf).pvalue > 0.01


def test_a_new_bias_in_a_few_lines():
    @dataclasses.dataclass
    class RotationBiasSampler(UnbiasedSampler):
        name = "rotation-bias"
        yaw: Distribution = ByLabel(
            peeky=Uniform(-math.pi / 4, 0.0), stretchy=Uniform(0.0, math.pi / 4)
        )

    frame = _frame(RotationBiasSampler(), n=4000)
    assert ((frame.yaw > 0) == (frame.label == 1)).all()
    assert frame.yaw.abs().max() <= math.pi / 4
    assert stats.kstest(frame["color"], stats.uniform(0, 1).cdf).pvalue > 0.01
    assert json.dumps(RotationBiasSampler().describe())


def test_same_seed_same_scenes_other_seed_differs():
    sampler = get_sampler("study")
    a, b, c = (_frame(sampler, seed=s, n=100) for s in (5, 5, 6))
    assert a.equals(b) and not a.equals(c)


def test_describe_is_json_and_records_parameters():
    text = json.dumps(get_sampler("study", color_strength=4.5).describe())
    assert '"color_strength": 4.5' in text and '"ColorBias"' in text
