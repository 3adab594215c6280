"""docs/adding-an-explainer.md: its Python blocks run exactly as written (tiny model), and its
YAML snippet plans the very stimulus the tutorial rendered."""

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from explainers.plan import plan
from explainers.plugins import unregister
from explainers.prerender import variant_seed
from tests.fixtures.tiny_explainer_setup import tiny_checkpoint

DOC = Path(__file__).resolve().parent.parent / "docs" / "adding-an-explainer.md"


def blocks(language):
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(), re.S | re.M)


@pytest.fixture
def namespace(tmp_path, monkeypatch):
    ckpt, _ = tiny_checkpoint(tmp_path / "ckpt")
    monkeypatch.setenv("CHECKPOINT", str(ckpt))
    monkeypatch.setenv("STIMULI_ROOT", str(tmp_path / "stimuli"))
    ns = {"__name__": "tutorial"}
    yield ns
    unregister("gradient_map")


def test_tutorial_runs_as_written(namespace, tmp_path):
    code = blocks("python")
    assert len(code) == 3
    for block in code:
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    manifest = namespace["manifest"]
    assert (manifest["explainer"], manifest["rows"], manifest["cols"]) == ("gradient_map", 10, 5)
    assert manifest["params"] == {"rows": 10, "percentiles": [1.0, 99.0], "alpha": 0.5}
    # the saliency explainer keeps the baseline's contract: columns bin the logits
    for cell in manifest["cells"]:
        lo, hi = cell["extra"]["bin"]
        assert lo - 1e-6 <= cell["logit"] <= hi + 1e-6
    # and really overlays a heat map: cells differ from the plain validation images
    data, model = namespace["data"], namespace["model"]
    pool = data.pool()
    stim = namespace["Saliency"]().render(model, data, rng=__import__("torch").Generator(),
                                          alpha=0.5, rows=1)
    raw = pool.images[stim.cells[0][0].extra["pool_index"]].permute(1, 2, 0).numpy()
    assert np.abs(stim.cells[0][0].image.astype(int) - raw.astype(int)).mean() > 1

    # the YAML snippet, planned with the same checkpoint, names exactly that stimulus
    (snippet,) = blocks("yaml")
    conditions = yaml.safe_load(snippet)["conditions"]
    jobs = plan(conditions, study_seed=2022, checkpoint=namespace["model"].checkpoint_dir)
    assert [j.variant for j in jobs] == [0, 1, 2, 3]
    assert jobs[0].seed == variant_seed(2022, 0)
    assert jobs[0].key == manifest["key"]


def test_tutorial_params_are_checked(namespace):
    exec(compile(blocks("python")[0], str(DOC), "exec"), namespace)  # noqa: S102
    from explainers.plugins import ParamError

    with pytest.raises(ParamError, match="alpha must lie in"):
        namespace["Saliency"].params(alpha=2)
