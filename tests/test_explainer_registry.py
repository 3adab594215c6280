"""Explainer plugin interface: entry points, local registration, typed parameters, listing."""

from dataclasses import dataclass
from importlib.metadata import entry_points

import numpy as np
import pytest
import torch
from django.core.management import call_command

from explainers.plugins import (
    Cell,
    Explainer,
    ParamError,
    Stimulus,
    UnknownExplainer,
    available,
    get_explainer,
    register,
    unregister,
)
from explainers.plugins.baseline import Baseline


def test_builtins_come_from_entry_points():
    names = {ep.name: ep.value for ep in entry_points(group="xai_studies.explainers")}
    assert names["baseline"] == "explainers.plugins.baseline:Baseline"
    assert {"baseline", "inn", "concepts"} <= set(available())
    assert isinstance(get_explainer("baseline"), Baseline)


def test_unknown_name_lists_the_available_ones():
    with pytest.raises(UnknownExplainer, match="unknown explainer 'saliency9'; available: baseline, "):
        get_explainer("saliency9")


class Constant(Explainer):
    name = "constant-test"
    version = "3"

    @dataclass(frozen=True)
    class Params:
        value: float = 0.5
        size: int = 4
        mode: str = "grey"
        flip: bool = False
        pair: tuple[int, int] = (1, 2)

        def check(self):
            if not 0 <= self.value <= 1:
                raise ParamError(f"value must lie in [0, 1], got {self.value}")

    def render(self, model, data, *, rng, **params):
        p = self.params(**params)
        image = np.full((p.size, p.size, 3), int(p.value * 255), dtype=np.uint8)
        return Stimulus([[Cell(image)]], [""], ["only"], {})


def test_local_registration_and_typed_params():
    register(Constant)
    try:
        assert available()["constant-test"].endswith(":Constant")
        explainer = get_explainer("constant-test")
        assert explainer.param_dict(value=1, pair=[3, 4]) == {
            "value": 1.0, "size": 4, "mode": "grey", "flip": False, "pair": [3, 4]}
        stim = explainer.render(None, None, rng=torch.Generator(), value=1)
        assert stim.cells[0][0].image.max() == 255
    finally:
        unregister("constant-test")
    assert "constant-test" not in available()


@pytest.mark.parametrize("params, message", [
    ({"valu": 1}, r"no parameter\(s\) valu; its parameters are: flip, mode, pair, size, value"),
    ({"value": "1"}, "'value' must be a number, got '1'"),
    ({"size": 2.0}, "'size' must be an integer"),
    ({"size": True}, "'size' must be an integer"),
    ({"flip": 1}, "'flip' must be true or false"),
    ({"mode": 3}, "'mode' must be a string"),
    ({"pair": [1]}, "'pair' must have 2 items"),
    ({"pair": 5}, "'pair' must be a list"),
    ({"value": 2}, r"value must lie in \[0, 1\]"),
])
def test_bad_params_get_clear_errors(params, message):
    with pytest.raises(ParamError, match=message):
        Constant.params(**params)


def test_modules_named_in_the_environment_are_imported(monkeypatch):
    monkeypatch.setenv("XAI_EXPLAINER_MODULES", "tests.fixtures.slow_explainer")
    try:
        assert "slow-baseline" in available()
        assert get_explainer("slow-baseline").name == "slow-baseline"
    finally:
        unregister("slow-baseline")


def test_unimportable_local_module_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("XAI_EXPLAINER_MODULES", "no_such_module_xyz")
    with pytest.raises(UnknownExplainer, match="names 'no_such_module_xyz', which cannot be"):
        available()


def test_register_rejects_non_explainers():
    with pytest.raises(TypeError):
        register(object)


def test_stimulus_checks_its_shape():
    cell = Cell(np.zeros((4, 4, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="2 column labels"):
        Stimulus([[cell, cell]], [""], ["a"])
    with pytest.raises(ValueError, match="same number of cells"):
        Stimulus([[cell, cell], [cell]], ["", ""], ["a", "b"])
    with pytest.raises(ValueError, match="one shape"):
        Stimulus([[cell, Cell(np.zeros((5, 5, 3), dtype=np.uint8))]], [""], ["a", "b"])
    assert Cell(torch.ones(3, 4, 4)).image.shape == (4, 4, 3)
    assert Cell(torch.ones(3, 4, 4)).image.dtype == np.uint8


def test_list_explainers_command(capsys):
    call_command("list_explainers")
    out = capsys.readouterr().out
    assert "baseline  version 1  [explainers.plugins.baseline:Baseline]" in out
    assert "    percentiles: tuple[float, float] = (1.0, 99.0)" in out
    assert "    method: Literal['ica', 'pca', 'nmf'] = 'ica'" in out
    assert "inn  version 4" in out and "concepts  version 3" in out
