"""docs/bring-your-own-model.md: its Python blocks run as written (a tiny TorchScript model, a
small Two4Two pool), and its YAML snippet plans the very stimulus the document rendered."""

import re
from pathlib import Path

import yaml

from explainers.plan import plan
from explainers.prerender import variant_seed

DOC = Path(__file__).resolve().parent.parent / "docs" / "bring-your-own-model.md"


def blocks(language):
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(), re.S | re.M)


def test_document_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.setenv("BUNDLE", str(tmp_path / "my-model"))
    monkeypatch.setenv("STIMULI_ROOT", str(tmp_path / "stimuli"))
    monkeypatch.setenv("POOL_N", "300")
    code = blocks("python")
    assert len(code) == 3
    ns = {"__name__": "byom"}
    for block in code:
        exec(compile(block, str(DOC), "exec"), ns)  # noqa: S102 - our own docs
    info, manifest = ns["info"], ns["manifest"]
    assert info.plugin == "torchscript" and not info.offers("layers")
    assert ns["refused"][0][0] == "explainer" and "conv_layers" in ns["refused"][0][1]
    assert (manifest["explainer"], manifest["rows"], manifest["cols"]) == (
        "integrated_gradients", 4, 5)
    assert manifest["checkpoint_hash"] == info.bundle_hash
    (snippet,) = blocks("yaml")
    spec = yaml.safe_load(snippet)
    ig = [c for c in spec["conditions"] if c["name"] == "ig"]
    jobs = plan(ig, study_seed=7, checkpoint=tmp_path / "my-model",
                validation={"n": 300})
    assert [j.variant for j in jobs] == [0] and jobs[0].seed == variant_seed(7, 0)
    assert jobs[0].key == manifest["key"]
