"""Ground-truth measures against models whose dependencies are known by construction."""

import json

import numpy as np
import pytest
import torch
from scipy import stats

from explainers.models import Encoding
from explainers.models.feature_importance import write_outputs
from explainers.models.ground_truth import answer_key, factor_importance, ols_r2
from explainers.models.observer import (
    Observer,
    counterfactual_changes,
    factor_targets,
    predictions_to_factors,
    target_names,
)
from explainers.synthetic import FACTOR_RANGES, FACTORS


class CornerModel(torch.nn.Module):
    """Logit = k * (blue - red) of the four 3x3 image corners, i.e. of the background colour.

    ``encode`` gives the corner features z (with a constant second feature) and ``w`` reads
    only the first one, so the feature-change measures are known too."""

    image_size = 32

    def __init__(self, k: float = 20.0):
        super().__init__()
        self.k = k
        self.device = torch.device("cpu")

    def _corner(self, x):
        c = torch.cat([x[:, :, :3, :3], x[:, :, :3, -3:], x[:, :, -3:, :3], x[:, :, -3:, -3:]], 2)
        return (c[:, 2] - c[:, 0]).mean(dim=(1, 2))

    def encode(self, x):
        f = self._corner(x)
        return Encoding(z=torch.stack([f, torch.ones_like(f)], 1), faded=())

    @property
    def w(self):
        return torch.tensor([self.k, 0.0])

    @property
    def b(self):
        return torch.tensor(-self.k * 0.06)

    def logit(self, x):
        return self.encode(x).z @ self.w + self.b


@pytest.fixture(scope="module")
def corner_importance():
    return factor_importance(CornerModel(), n=160, chunk=80, seed=4, progress=False)


def test_background_model_shows_background_and_nothing_else(corner_importance):
    imp = corner_importance
    assert set(imp) == set(FACTORS)
    assert imp["background"]["r2"] > 0.8
    assert imp["background"]["median_abs_logit_change"] > 1.0
    assert imp["background"]["prediction_flip_pct"] > 10
    for f in FACTORS:
        if f != "background":
            assert imp[f]["r2"] < 0.05, f
            assert imp[f]["median_abs_logit_change"] < 0.2 * imp["background"][
                "median_abs_logit_change"], f
    # the feature change lies exactly along w for background (angle 0 or 180 degrees)
    assert imp["background"]["abs_cos_with_w"] > 0.99
    assert imp["background"]["angle_with_w_deg_std"] > 30  # signed: both directions occur
    assert imp["background"]["feature_change_norm"] > 5 * imp["legs_position"][
        "feature_change_norm"]
    key = answer_key(imp, 0.1)
    assert key == {"legs": "irrelevant", "color": "irrelevant", "background": "relevant",
                   "shape": "irrelevant", "rotation": "irrelevant"}


def test_progress_false_draws_no_bar_and_true_does(capsys):
    factor_importance(CornerModel(), n=20, chunk=10, seed=1, factors=["background"],
                      progress=False)
    assert "ground truth" not in capsys.readouterr().err
    factor_importance(CornerModel(), n=20, chunk=10, seed=1, factors=["background"],
                      progress=True)
    assert "ground truth" in capsys.readouterr().err


def test_ols_r2_matches_scipy():
    rng = np.random.default_rng(0)
    dx = rng.normal(size=300)
    dy = 0.7 * dx + rng.normal(size=300)
    assert ols_r2(dx, dy) == pytest.approx(stats.linregress(dx, dy).rvalue ** 2, rel=1e-9)
    assert ols_r2(dx, np.ones(300)) == 0.0


def test_answer_key_uses_any_factor_of_an_attribute():
    factors = {f: {"r2": 0.0} for f in FACTORS}
    factors["pitch"]["r2"] = 0.2
    factors["legs_position"]["r2"] = 0.099
    key = answer_key(factors, 0.1)
    assert key["rotation"] == "relevant" and key["legs"] == "irrelevant"
    assert answer_key(factors, 0.05)["legs"] == "relevant"


def test_observer_targets_round_trip():
    n = 7
    g = torch.Generator().manual_seed(0)
    raw = torch.stack([lo + (hi - lo) * torch.rand(n, generator=g)
                       for lo, hi in (FACTOR_RANGES[f] for f in FACTORS)], 1)
    targets = factor_targets(raw)
    assert targets.shape == (n, len(target_names())) and targets.min() >= 0 and targets.max() <= 1
    back = predictions_to_factors(targets)
    for i, f in enumerate(FACTORS):
        lo, hi = FACTOR_RANGES[f]
        assert torch.allclose(back[f], (raw[:, i] - lo) / (hi - lo), atol=1e-5), f


def test_counterfactual_changes_and_outputs(tmp_path, corner_importance):
    from explainers.models import ModelConfig, build_model

    model = build_model(ModelConfig(image_size=32, steps=(1, 1, 1), hidden=(8, 8, 8),
                                    activation_layer="1.0")).eval()
    observer = Observer(image_size=32, width=4).eval()
    cf = counterfactual_changes(model, observer, torch.rand(3, 3, 32, 32) * 0.5 + 0.25,
                                (-1.0, 1.0), steps=4)
    assert cf["curves"]["legs_position"].shape == (3, 4)
    assert cf["search_steps"] == 16 and 0 <= cf["target_within_1pct"] <= 1
    assert 0 <= cf["clean_rows"] <= 3 and set(cf["max_change_clean"]) == set(FACTORS)
    assert cf["clean"].sum() == cf["clean_rows"]
    assert set(cf["max_change"]) == set(FACTORS)
    result = {"checkpoint_hash": "h" * 64, "n": 160, "sampler": "study", "seed": 4,
              "r2_threshold": 0.1, "rule": "rule", "factors": corner_importance,
              "answer_key": answer_key(corner_importance),
              "observer": {"test_mse": {f: 0.001 for f in FACTORS}}}
    write_outputs(result, cf, tmp_path)
    for name in ("ground_truth.json", "ground_truth.csv", "ground_truth.md", "importance.png",
                 "counterfactual_factors.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert json.loads((tmp_path / "ground_truth.json").read_text())["answer_key"][
        "background"] == "relevant"
    assert (tmp_path / "importance.png").read_bytes()[:4] == b"\x89PNG"


def test_feature_importance_command_end_to_end(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    from explainers.models import ModelConfig, build_model, save_checkpoint

    model = build_model(ModelConfig(image_size=32, steps=(1, 1, 1), hidden=(8, 8, 8),
                                    activation_layer="1.0")).eval()
    save_checkpoint(model, tmp_path / "ckpt", metrics={}, dataset_manifest={"hash": "d"}, log=[])
    call_command("feature_importance", checkpoint=str(tmp_path / "ckpt"), n=20,
                 out=str(tmp_path / "gt"), observer_train=64, observer_epochs=1,
                 counterfactuals=4)
    truth = json.loads((tmp_path / "gt" / "ground_truth.json").read_text())
    assert truth["checkpoint_hash"] == model.bundle_hash and truth["dataset_hash"] == "d"
    assert set(truth["observer"]["test_mse"]) == set(FACTORS)
    assert all("cf_max_change" in row for row in truth["factors"].values())
    assert json.loads(capsys.readouterr().out)["answer_key"] == truth["answer_key"]
    with pytest.raises(CommandError, match="checkpoint folder not found"):
        call_command("feature_importance", checkpoint=str(tmp_path / "none"), n=20,
                     out=str(tmp_path / "gt2"))


def test_observer_command_fine_tunes_from_an_observer(tmp_path):
    from explainers.models.observer import load_observer, main, save_observer
    from explainers.synthetic import code_version

    parent = Observer(image_size=32, width=4)
    save_observer(parent, tmp_path / "parent", {"mse": {"pitch": 0.5}, "train_size": 9})
    assert main(["--out", str(tmp_path / "child"), "--image-size", "32", "--train", "16",
                 "--test", "8", "--epochs", "1", "--lr", "0", "--init",
                 str(tmp_path / "parent")]) == 0
    child, meta = load_observer(tmp_path / "child")
    assert meta["width"] == 4 and meta["lr"] == 0 and meta["generator_version"] == code_version()
    assert meta["init_from"]["mse"] == {"pitch": 0.5} and len(meta["init_from"]["sha256"]) == 64
    for key, value in parent.state_dict().items():  # learning rate 0: only BatchNorm statistics move
        if "running" not in key and "num_batches" not in key:
            assert torch.equal(child.state_dict()[key], value), key
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path / "x"), "--image-size", "64", "--init", str(tmp_path / "parent")])


def test_a_stored_observer_is_measured_again_on_the_current_generator(tmp_path):
    from explainers.models import ModelConfig, build_model
    from explainers.models.feature_importance import get_observer
    from explainers.models.observer import save_observer
    from explainers.synthetic import code_version

    model = build_model(ModelConfig(image_size=32, steps=(1, 1, 1), hidden=(8, 8, 8),
                                    activation_layer="1.0")).eval()
    stale = {f: 1e-9 for f in FACTORS}  # what an observer of another generator might claim
    save_observer(Observer(image_size=32, width=4), tmp_path / "obs", {"mse": stale})
    _, info = get_observer(model, folder=tmp_path / "obs", train_size=0, test_size=16,
                           epochs=0, seed=0, save=False, progress=False)
    assert info["stored_mse"] == stale
    assert set(info["mse"]) == set(FACTORS) and min(info["mse"].values()) > 1e-6
    assert info["measured_on_generator"] == code_version() and info["test_size"] == 16
